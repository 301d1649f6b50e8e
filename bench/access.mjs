#!/usr/bin/env node
// What access control costs on the hot path: requests/s on a 1 KiB file through the full site
// handler with no access control, and with each configuration below, in alternating rounds so that
// drift in machine load hits every configuration alike. A keep-alive wrk sends the same
// credentials on every request, as a signed-in browser does: after the first request each one costs
// a credential-cache lookup, not a scrypt. Goal: every configuration ≥ 0.95× "none" (the median
// of the per-round ratios).
//
//   npm run build && node bench/access.mjs [--duration=10] [--rounds=4]
//   (also run by `npm run bench`, as the case `access`)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, fmt, haveWrk, measure, median, startServer, table } from './lib.mjs';

const SERVER = join(BENCH_DIR, 'servers', 'access-site.mjs');
const HEADER_SCRIPT = join(BENCH_DIR, 'header.lua');

/** The configurations compared with "none": site options (JSON) and the header wrk sends. */
async function configurations() {
  const { hashPassword } = await import('../dist/src/access/password-hash.js');
  const hash = await hashPassword('bench-password'); // the real cost parameters (ln=14)
  const credentials = `Authorization: Basic ${Buffer.from('alice:bench-password').toString('base64')}`;
  return [
    { name: 'none', site: {}, header: null },
    {
      name: 'basic auth',
      site: { access: { users: [{ name: 'alice', password_hash: hash }], rules: [{ path: '/**', read: ['alice'], write: ['alice'] }], realm: 'bench' } },
      header: credentials,
    },
    // ── rate-limit variant: a rule that never trips is added here by the rate-limit work ──
    // { name: 'rate limit', site: { /* rate-limit options */ }, header: null },
  ];
}

export async function run(options = {}) {
  const duration = Number(options.duration ?? process.env.BENCH_DURATION ?? 10);
  const rounds = Number(options.rounds ?? process.env.ACCESS_BENCH_ROUNDS ?? 4);
  const connections = Number(options.connections ?? 50);
  console.log(`\n## access control overhead (1 KiB file, ${connections} keep-alive connections, ${rounds} rounds of ${duration}s; ${PINNING})`);
  if (!haveWrk()) {
    const message = 'wrk is not installed: apt-get install -y wrk';
    console.log(message);
    return { ok: false, skipped: message };
  }
  const docroot = mkdtempSync(join(tmpdir(), 'httpcraft-bench-access-'));
  writeFileSync(join(docroot, '1k.txt'), Buffer.alloc(1024, 'a'));
  const configs = await configurations();
  const rps = Object.fromEntries(configs.map((c) => [c.name, []]));
  const cpu = Object.fromEntries(configs.map((c) => [c.name, []]));
  const rows = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? configs : [...configs].reverse();
      for (const c of order) {
        const server = await startServer(SERVER, { env: { DOCROOT: docroot, SITE_OPTIONS: JSON.stringify(c.site) }, nodeFlags: PRODUCT_NODE_FLAGS });
        try {
          const url = `http://127.0.0.1:${server.port}/1k.txt`;
          const wrk = { connections, ...(c.header === null ? {} : { script: HEADER_SCRIPT, scriptArgs: [c.header] }) };
          await measure(server.pid, url, { ...wrk, duration: 2 }); // warm-up: JIT, connections, the first scrypt
          const w = await measure(server.pid, url, { ...wrk, duration });
          // A refused request (401, 429) means the configuration is not what is meant to be measured.
          const refused = Number(/Non-2xx or 3xx responses: (\d+)/.exec(w.raw)?.[1] ?? 0);
          if (refused > 0) throw new Error(`${c.name}: ${refused} responses were not 2xx (is the configuration refusing wrk?)\n${w.raw}`);
          rps[c.name].push(w.rps);
          cpu[c.name].push(w.cpuUsPerReq);
          rows.push({ round: r + 1, config: c.name, 'req/s': fmt(w.rps), 'CPU µs/req': fmt(w.cpuUsPerReq, 2), 'p99 ms': fmt(w.p99Ms, 2), 'socket errors': w.errors });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(docroot, { recursive: true, force: true });
  }
  table(rows);
  const result = { duration, rounds, connections, configurations: {} };
  let ok = true;
  for (const c of configs.slice(1)) {
    const paired = median(rps[c.name].map((v, i) => v / rps.none[i]));
    const pairedCpu = median(cpu[c.name].map((v, i) => v / cpu.none[i]));
    ok &&= paired >= 0.95;
    console.log(`${c.name} vs none: median of per-round req/s ratios ${fmt(paired, 3)} (goal ≥ 0.95), CPU per request ${fmt(pairedCpu, 3)}; medians ${fmt(median(rps[c.name]))} vs ${fmt(median(rps.none))} req/s`);
    result.configurations[c.name] = { ratio: paired, cpuRatio: pairedCpu, rps: median(rps[c.name]), samples: rps[c.name] };
  }
  result.none = { rps: median(rps.none), samples: rps.none };
  return { ok, ...result };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ ...(args.duration ? { duration: args.duration } : {}), ...(args.rounds ? { rounds: args.rounds } : {}) });
}
