// Issue 2's benchmark: httpcraft vs a minimal node:http server, both answering GET / with the same
// in-memory 1 KiB body, one process each, driven by wrk in the same run: keep-alive with 50
// connections, then 16-deep pipelining. Reports requests/s, p99 latency, CPU per request, peak RSS
// and the ratios. A third row, "node:net ceiling", answers with a prebuilt response and no HTTP work
// at all: the most any server on Node's socket layer could reach here, for reading the ratio.
//
// On a shared 2-core machine one wrk run drifts by ±10% from the next. So the servers of a mode all
// stay up, and wrk visits them in alternating rounds (the order rotates each round): a slow spell
// hits every server of a round alike. Figures are medians over rounds; a ratio is the median of the
// per-round ratios, printed with its range.
//
//   npm run build && node bench/core.mjs [--rounds=5] [--round-seconds=4]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, fmt, measure, median, peakRssMiB, startServer, table } from './lib.mjs';

const SERVERS = [
  { name: 'httpcraft', script: join(BENCH_DIR, 'servers/ours.mjs'), nodeFlags: PRODUCT_NODE_FLAGS },
  { name: 'node:http', script: join(BENCH_DIR, 'servers/node-http.mjs'), nodeFlags: [] },
  // Not a contender: Node's socket layer with no HTTP work at all, the ceiling for any server on it.
  { name: 'node:net ceiling', script: join(BENCH_DIR, 'servers/node-net-ceiling.mjs'), nodeFlags: [] },
];
const BASELINE = 'node:http';

const PIPELINE = { script: join(BENCH_DIR, 'pipeline.lua'), scriptArgs: ['16'] };

/** `duration` (the suite's per-case seconds) sets the round length when roundSeconds is not given. */
export async function run({ duration = 10, connections = 50, rounds = 5, roundSeconds } = {}) {
  const seconds = Number(roundSeconds ?? Math.max(2, Math.round(Number(duration) / 2.5)));
  const roundCount = Number(rounds);
  const results = {};
  for (const mode of ['keep-alive', 'pipelined-16']) {
    const wrkOptions = { connections, ...(mode === 'pipelined-16' ? PIPELINE : {}) };
    const servers = [];
    try {
      for (const s of SERVERS) servers.push({ ...s, server: await startServer(s.script, { nodeFlags: s.nodeFlags }), rounds: [] });
      for (const s of servers) await measure(s.server.pid, `http://127.0.0.1:${s.server.port}/`, { ...wrkOptions, duration: 2 }); // warm-up
      for (let r = 0; r < roundCount; r++) {
        for (let i = 0; i < servers.length; i++) {
          const s = servers[(i + r) % servers.length];
          const w = await measure(s.server.pid, `http://127.0.0.1:${s.server.port}/`, { ...wrkOptions, duration: seconds });
          // wrk's latency percentiles are not usable under its pipelining script (it prints 0.00us at
          // p99 for every server, below its own p50): no p99 is reported for that mode.
          const p99Ms = mode === 'pipelined-16' ? NaN : w.p99Ms;
          s.rounds.push({ rps: w.rps, p99Ms, errors: w.errors, cpuUsPerReq: w.cpuUsPerReq });
        }
      }
      for (const s of servers) results[`${mode}/${s.name}`] = { rounds: s.rounds, rssMiB: peakRssMiB(s.server.pid) };
    } finally {
      await Promise.all(servers.map((s) => s.server.stop()));
    }
  }

  const rows = [];
  const ratios = {};
  for (const mode of ['keep-alive', 'pipelined-16']) {
    const base = results[`${mode}/${BASELINE}`].rounds;
    for (const s of SERVERS) {
      const { rounds: rs, rssMiB } = results[`${mode}/${s.name}`];
      const perRound = rs.map((x, i) => x.rps / base[i].rps);
      ratios[`${mode}/${s.name}`] = { median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound) };
      rows.push({
        case: mode,
        server: s.name,
        'req/s': fmt(median(rs.map((x) => x.rps))),
        'p99 ms': fmt(median(rs.map((x) => x.p99Ms)), 2),
        'CPU us/req': fmt(median(rs.map((x) => x.cpuUsPerReq)), 2),
        'peak RSS MiB': fmt(rssMiB, 1),
        errors: rs.reduce((a, x) => a + x.errors, 0),
        ratio: s.name === BASELINE ? '1.00x' : `${fmt(median(perRound), 2)}x (${fmt(Math.min(...perRound), 2)}-${fmt(Math.max(...perRound), 2)})`,
      });
    }
  }
  console.log(`\n== core: GET / 1 KiB in-memory body, ${connections} connections, ${roundCount} alternating rounds of ${seconds}s (medians; ratio = median of per-round ratios, with range); ${PINNING} ==`);
  table(rows);
  return {
    keepAliveRatio: ratios['keep-alive/httpcraft'].median,
    pipelinedRatio: ratios['pipelined-16/httpcraft'].median,
    ceilingKeepAliveRatio: ratios['keep-alive/node:net ceiling'].median,
    ratios,
    results,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ ...(args.rounds ? { rounds: args.rounds } : {}), ...(args['round-seconds'] ? { roundSeconds: args['round-seconds'] } : {}) });
}
