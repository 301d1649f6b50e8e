#!/usr/bin/env node
// What status recording costs: wrk against our server answering the same 1 KiB response with
// recording on and off, in alternating rounds (off, on, on, off, …) so drift in machine load hits
// both alike; the medians and their ratio are reported. Goal: on/off ≥ 0.95.
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
    const child = spawn(process.execPath, [SERVER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ child, port: JSON.parse(out.slice(0, nl)).port });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
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
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) {
      const { child, port } = await startServer(mode);
      try {
        await wrk(port, 1, connections); // warm-up: JIT and connection setup
        const rps = await wrk(port, seconds, connections);
        samples[mode].push(rps);
        console.log(`round ${r + 1} ${mode.padEnd(3)} ${rps.toFixed(0)} req/s`);
      } finally {
        await stopServer(child);
      }
    }
  }
  const off = median(samples.off);
  const on = median(samples.on);
  const ratio = on / off;
  const result = { ok: ratio >= 0.95, rounds, seconds, connections, responseBytes: 1024, off, on, ratio, samples };
  console.log(`status recording off: ${off.toFixed(0)} req/s, on: ${on.toFixed(0)} req/s, on/off = ${ratio.toFixed(3)} (goal ≥ 0.95)`);
  return result;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await run();
  console.log(JSON.stringify(result));
}
