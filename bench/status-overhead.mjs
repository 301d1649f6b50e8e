#!/usr/bin/env node
// What status recording costs: wrk against our server answering the same 1 KiB response with
// recording on and off, in alternating rounds (off, on, on, off, …) so drift in machine load hits
// both alike; the medians and their ratio are reported. Goal: on/off ≥ 0.95.
//
// On a machine shared with other work, req/s swings with the load; so each run also reports the
// server's CPU time per request (user + system, read from the server process itself), whose on/off
// ratio is a steadier estimate of the cost, and the cost of one record() call measured alone.
//
//   npm run build && node bench/status-overhead.mjs
//   STATUS_BENCH_ROUNDS=5 STATUS_BENCH_SECONDS=10 STATUS_BENCH_CONNECTIONS=64 node bench/status-overhead.mjs

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, 'status-overhead-server.mjs');

function startServer(mode) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const waiters = [];
    let started = false;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      let nl;
      while ((nl = out.indexOf('\n')) !== -1) {
        const message = JSON.parse(out.slice(0, nl));
        out = out.slice(nl + 1);
        if (!started) {
          started = true;
          const stats = () => new Promise((r) => { waiters.push(r); child.stdin.write('stats\n'); });
          resolve({ child, port: message.port, stats });
        } else waiters.shift()?.(message);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.stdin.end();
    child.kill('SIGTERM');
  });
}

function wrk(port, seconds, connections) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', () => {
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (m === null) reject(new Error(`could not read wrk output:\n${out}`));
      else resolve(Number(m[1]));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Nanoseconds per StatusRecorder.record() call, on a mix of methods, statuses and paths. */
async function recordCost() {
  const { StatusRecorder } = await import('../dist/src/status/metrics.js');
  const recorder = new StatusRecorder();
  const paths = ['/', '/index.html', '/styles.css', '/script.js', '/missing', '/api/items', '/img/a.png', '/img/b.png'];
  const reqs = paths.map((path, i) => ({ method: i % 5 === 0 ? 'POST' : 'GET', path, sequence: (i % 3) + 1, startHr: performance.now() }));
  const ress = [200, 200, 304, 404, 200, 500, 200, 206].map((status) => ({ status }));
  const N = 2_000_000;
  for (let i = 0; i < 200_000; i++) recorder.record(reqs[i & 7], ress[i & 7]);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) recorder.record(reqs[i & 7], ress[i & 7]);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  recorder.close();
  return ns;
}

export async function run(options = {}) {
  const rounds = options.rounds ?? Number(process.env.STATUS_BENCH_ROUNDS ?? 3);
  const seconds = options.seconds ?? Number(process.env.STATUS_BENCH_SECONDS ?? 5);
  const connections = options.connections ?? Number(process.env.STATUS_BENCH_CONNECTIONS ?? 50);
  const probe = spawnSync('wrk', ['--version']);
  if (probe.error !== undefined) {
    const message = 'wrk is not installed: apt-get install -y wrk';
    console.error(message);
    return { ok: false, skipped: message };
  }
  if (!existsSync(join(here, '..', 'dist', 'src', 'status', 'metrics.js'))) {
    const message = 'build first: npm run build';
    console.error(message);
    return { ok: false, skipped: message };
  }
  const samples = { off: [], on: [] };
  const cpu = { off: [], on: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) {
      const { child, port, stats } = await startServer(mode);
      try {
        await wrk(port, 1, connections); // warm-up: JIT and connection setup
        const before = await stats();
        const rps = await wrk(port, seconds, connections);
        const after = await stats();
        const perRequest = (after.cpuMicros - before.cpuMicros) / Math.max(1, after.served - before.served);
        samples[mode].push(rps);
        cpu[mode].push(perRequest);
        console.log(`round ${r + 1} ${mode.padEnd(3)} ${rps.toFixed(0).padStart(6)} req/s  ${perRequest.toFixed(2)} µs CPU/request`);
      } finally {
        await stopServer(child);
      }
    }
  }
  const off = median(samples.off);
  const on = median(samples.on);
  const ratio = on / off;
  const cpuOff = median(cpu.off);
  const cpuOn = median(cpu.on);
  const recordNs = await recordCost();
  const result = {
    ok: ratio >= 0.95,
    rounds,
    seconds,
    connections,
    responseBytes: 1024,
    off,
    on,
    ratio,
    cpuMicrosPerRequest: { off: cpuOff, on: cpuOn, ratio: cpuOn / cpuOff },
    recordNanos: recordNs,
    samples,
    cpuSamples: cpu,
  };
  console.log(`status recording off: ${off.toFixed(0)} req/s, on: ${on.toFixed(0)} req/s, on/off = ${ratio.toFixed(3)} (goal ≥ 0.95)`);
  console.log(`server CPU per request: off ${cpuOff.toFixed(2)} µs, on ${cpuOn.toFixed(2)} µs (+${((cpuOn / cpuOff - 1) * 100).toFixed(1)}%)`);
  console.log(`one record() call alone: ${recordNs.toFixed(0)} ns`);
  return result;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await run();
  console.log(JSON.stringify(result));
}
