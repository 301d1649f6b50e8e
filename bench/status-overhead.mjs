#!/usr/bin/env node
// What status recording costs: wrk against our server answering the same 1 KiB response with
// recording on and off (bench/servers/status.mjs), in alternating rounds (off, on, on, off, …) so
// drift in machine load hits both alike. Reports the median of the per-round on/off ratios (goal
// ≥ 0.95), the medians of each, the server's CPU time per request (read from /proc: steadier than
// req/s on a busy machine), and the cost of one record() call measured alone.
//
//   npm run build && node bench/status-overhead.mjs [--duration=10] [--rounds=5]
//   (also run by `npm run bench`)

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, fmt, haveWrk, measure, median, startServer, table } from './lib.mjs';

const SERVER = join(BENCH_DIR, 'servers', 'status.mjs');

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
  const duration = Number(options.duration ?? process.env.BENCH_DURATION ?? 10);
  const rounds = Number(options.rounds ?? process.env.STATUS_BENCH_ROUNDS ?? 5);
  const connections = Number(options.connections ?? 50);
  console.log(`\n## status recording overhead (1 KiB response, ${connections} connections, ${rounds} rounds of ${duration}s; ${PINNING})`);
  if (!haveWrk()) {
    const message = 'wrk is not installed: apt-get install -y wrk';
    console.log(message);
    return { ok: false, skipped: message };
  }
  const rps = { off: [], on: [] };
  const cpu = { off: [], on: [] };
  const rows = [];
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      const server = await startServer(SERVER, { env: { STATUS: mode }, nodeFlags: PRODUCT_NODE_FLAGS });
      try {
        await measure(server.pid, `http://127.0.0.1:${server.port}/`, { connections, duration: 2 }); // warm-up: JIT, connection setup (as the other cases)
        const w = await measure(server.pid, `http://127.0.0.1:${server.port}/`, { connections, duration });
        rps[mode].push(w.rps);
        cpu[mode].push(w.cpuUsPerReq);
        rows.push({ round: r + 1, status: mode, 'req/s': fmt(w.rps), 'CPU µs/req': fmt(w.cpuUsPerReq, 2), 'p99 ms': fmt(w.p99Ms, 2), errors: w.errors });
      } finally {
        await server.stop();
      }
    }
  }
  table(rows);
  const off = median(rps.off);
  const on = median(rps.on);
  const ratio = on / off;
  const cpuOff = median(cpu.off);
  const cpuOn = median(cpu.on);
  // Each round measures off and on back to back: the median of the per-round ratios cancels most
  // of the drift in machine load that the overall medians still carry.
  const pairedRps = median(rps.on.map((v, i) => v / rps.off[i]));
  const pairedCpu = median(cpu.on.map((v, i) => v / cpu.off[i]));
  const recordNs = await recordCost();
  console.log(`median of per-round ratios (on/off): req/s ${fmt(pairedRps, 3)} (goal ≥ 0.95), CPU per request ${fmt(pairedCpu, 3)}`);
  console.log(`medians over all rounds: off ${fmt(off)} req/s, on ${fmt(on)} req/s (${fmt(ratio, 3)}); CPU per request off ${fmt(cpuOff, 2)} µs, on ${fmt(cpuOn, 2)} µs`);
  console.log(`one StatusRecorder.record() call alone: ${fmt(recordNs)} ns`);
  return { ok: pairedRps >= 0.95, pairedRatio: pairedRps, pairedCpuRatio: pairedCpu, duration, rounds, connections, responseBytes: 1024, off, on, ratio, cpuMicrosPerRequest: { off: cpuOff, on: cpuOn }, recordNanos: recordNs, samples: rps, cpuSamples: cpu };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ ...(args.duration ? { duration: args.duration } : {}), ...(args.rounds ? { rounds: args.rounds } : {}) });
}
