#!/usr/bin/env node
// What the access log costs on the hot path (issue: at most 10% of requests/s): wrk against the site
// handler serving a 1 KiB index.html with no access log, with the `combined` access log to a rotating
// file, and to the console (stdout to /dev/null), in alternating rounds so drift in machine load hits
// every mode alike. Reports median requests/s, server CPU per request, and the per-round ratios
// against "none".
//
//   npm run build && node bench/logging.mjs [--duration=10] [--rounds=5] [--format=combined]
//   (also run by `npm run bench`)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, fmt, haveWrk, measure, median, startServer, table } from './lib.mjs';

const SERVER = join(BENCH_DIR, 'servers', 'logging.mjs');
const MODES = ['none', 'file', 'console'];

export async function run(options = {}) {
  const duration = Number(options.duration ?? 10);
  // Five rounds: with three, one slow spell on this shared machine moved the median ratio by 4 points.
  const rounds = Number(options.rounds ?? 5);
  const format = options.format ?? 'combined';
  const connections = 50;
  console.log(`\n== logging: access log (${format}) off / to a file / to the console, 1 KiB file, ${connections} connections, ${rounds} rounds of ${duration}s; ${PINNING} ==`);
  if (!haveWrk()) {
    console.log('wrk is not installed: apt-get install -y wrk');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-logging-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), 'x'.repeat(1024));
  const rps = Object.fromEntries(MODES.map((m) => [m, []]));
  const cpu = Object.fromEntries(MODES.map((m) => [m, []]));
  const rows = [];
  try {
    for (let r = 0; r < rounds; r++) {
      // Rotate the order each round, so no mode always runs first (or last) in a round.
      const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
      for (const mode of order) {
        const server = await startServer(SERVER, { env: { LOG_MODE: mode, LOG_FORMAT: format, LOG_ROOT: root, LOG_FILE: join(dir, 'logs', `access-${r}.log`) }, nodeFlags: PRODUCT_NODE_FLAGS });
        try {
          await measure(server.pid, `http://127.0.0.1:${server.port}/`, { connections, duration: 2 }); // warm-up
          const w = await measure(server.pid, `http://127.0.0.1:${server.port}/`, { connections, duration });
          rps[mode].push(w.rps);
          cpu[mode].push(w.cpuUsPerReq);
          rows.push({ round: r + 1, log: mode, 'req/s': fmt(w.rps), 'CPU µs/req': fmt(w.cpuUsPerReq, 2), 'p99 ms': fmt(w.p99Ms, 2), errors: w.errors });
        } finally {
          await server.stop();
        }
      }
      rmSync(join(dir, 'logs'), { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  table(rows);
  const result = {};
  for (const mode of MODES) {
    const paired = median(rps[mode].map((v, i) => v / rps.none[i]));
    const pairedCpu = median(cpu[mode].map((v, i) => v / cpu.none[i]));
    result[mode] = { rps: median(rps[mode]), cpuUsPerReq: median(cpu[mode]), pairedRatio: paired, pairedCpuRatio: pairedCpu };
    if (mode !== 'none') {
      console.log(`${mode.padEnd(7)} median ${fmt(result[mode].rps)} req/s vs none ${fmt(result.none.rps)}: ${fmt(result[mode].rps / result.none.rps, 3)}x; median per-round ratio ${fmt(paired, 3)}x (${fmt((1 - paired) * 100, 1)}% slower; goal ≤ 10% for file); CPU/request ×${fmt(pairedCpu, 3)}`);
    }
  }
  return result;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ ...(args.duration ? { duration: args.duration } : {}), ...(args.rounds ? { rounds: args.rounds } : {}), ...(args.format ? { format: args.format } : {}) });
}
