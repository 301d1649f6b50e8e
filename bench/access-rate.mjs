#!/usr/bin/env node
// What a rate-limit rule costs when it never trips: wrk against our server serving the same 1 KiB
// file through the full site handler, with a `/**` rule (memory store) and without, in alternating
// rounds (off, on, on, off, …) so drift in machine load hits both alike. Reports the median of the
// per-round on/off ratios (goal ≥ 0.95, issue 15) and the server's CPU time per request.
//
//   npm run build && node bench/access-rate.mjs [--duration=10] [--rounds=5]
//   (also run by `npm run bench`, as the access-rate case)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, fmt, haveWrk, measure, median, startServer, table } from './lib.mjs';

const SERVER = join(BENCH_DIR, 'servers', 'rate-limit.mjs');

export async function run(options = {}) {
  const duration = Number(options.duration ?? process.env.BENCH_DURATION ?? 10);
  const rounds = Number(options.rounds ?? 5);
  const connections = Number(options.connections ?? 50);
  console.log(`\n## rate limiting overhead (1 KiB file, a rule that never trips, ${connections} connections, ${rounds} rounds of ${duration}s; ${PINNING})`);
  if (!haveWrk()) {
    const message = 'wrk is not installed: apt-get install -y wrk';
    console.log(message);
    return { ok: false, skipped: message };
  }
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-rate-'));
  writeFileSync(join(dir, 'file-1k.txt'), Buffer.alloc(1024, 'x'));
  const rps = { off: [], on: [] };
  const cpu = { off: [], on: [] };
  const rows = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
        const server = await startServer(SERVER, { env: { RATE: mode, DOCROOT: dir }, nodeFlags: PRODUCT_NODE_FLAGS });
        try {
          const url = `http://127.0.0.1:${server.port}/file-1k.txt`;
          await measure(server.pid, url, { connections, duration: 2 }); // warm-up: JIT, file cache
          const w = await measure(server.pid, url, { connections, duration });
          rps[mode].push(w.rps);
          cpu[mode].push(w.cpuUsPerReq);
          rows.push({ round: r + 1, 'rate limit': mode, 'req/s': fmt(w.rps), 'CPU µs/req': fmt(w.cpuUsPerReq, 2), 'p99 ms': fmt(w.p99Ms, 2), errors: w.errors });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  table(rows);
  const pairedRps = median(rps.on.map((v, i) => v / rps.off[i]));
  const pairedCpu = median(cpu.on.map((v, i) => v / cpu.off[i]));
  console.log(`median of per-round ratios (on/off): req/s ${fmt(pairedRps, 3)} (goal ≥ 0.95), CPU per request ${fmt(pairedCpu, 3)}`);
  console.log(`medians: off ${fmt(median(rps.off))} req/s, on ${fmt(median(rps.on))} req/s; CPU per request off ${fmt(median(cpu.off), 2)} µs, on ${fmt(median(cpu.on), 2)} µs`);
  return { ok: pairedRps >= 0.95, pairedRatio: pairedRps, pairedCpuRatio: pairedCpu, duration, rounds, connections, off: median(rps.off), on: median(rps.on), samples: rps, cpuSamples: cpu };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ ...(args.duration ? { duration: args.duration } : {}), ...(args.rounds ? { rounds: args.rounds } : {}) });
}
