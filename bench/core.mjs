// Issue 2's benchmark: httpcraft vs a minimal node:http server, both answering GET / with the same
// in-memory 1 KiB body, one process each, driven by wrk in the same run: keep-alive with 50
// connections, then 16-deep pipelining. Reports requests/s, p99 latency, peak RSS and the ratios.
// A third row, "node:net ceiling", answers with a prebuilt response and no HTTP work at all: the
// most any server on Node's socket layer could reach here, for reading the httpcraft ratio.
import { join } from 'node:path';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, cpuMs, fmt, peakRssMiB, runWrk, startServer, table } from './lib.mjs';

const SERVERS = [
  { name: 'httpcraft', script: join(BENCH_DIR, 'servers/ours.mjs'), nodeFlags: PRODUCT_NODE_FLAGS },
  { name: 'node:http', script: join(BENCH_DIR, 'servers/node-http.mjs'), nodeFlags: [] },
  // Not a contender: Node's socket layer with no HTTP work at all, the ceiling for any server on it.
  { name: 'node:net ceiling', script: join(BENCH_DIR, 'servers/node-net-ceiling.mjs'), nodeFlags: [] },
];

export async function run({ duration = 10, connections = 50 } = {}) {
  const results = {};
  for (const mode of ['keep-alive', 'pipelined-16']) {
    for (const s of SERVERS) {
      const server = await startServer(s.script, { nodeFlags: s.nodeFlags });
      try {
        const url = `http://127.0.0.1:${server.port}/`;
        await runWrk(url, { connections, duration: 2, ...(mode === 'pipelined-16' ? { script: join(BENCH_DIR, 'pipeline.lua'), scriptArgs: ['16'] } : {}) }); // warm-up
        const cpuBefore = cpuMs(server.pid);
        const r = await runWrk(url, { connections, duration, ...(mode === 'pipelined-16' ? { script: join(BENCH_DIR, 'pipeline.lua'), scriptArgs: ['16'] } : {}) });
        const cpuUsPerReq = ((cpuMs(server.pid) - cpuBefore) * 1000) / r.total;
        results[`${mode}/${s.name}`] = { ...r, cpuUsPerReq, rssMiB: peakRssMiB(server.pid) };
      } finally {
        await server.stop();
      }
    }
  }
  const rows = [];
  for (const mode of ['keep-alive', 'pipelined-16']) {
    const ours = results[`${mode}/httpcraft`];
    const base = results[`${mode}/node:http`];
    for (const s of SERVERS) {
      const r = results[`${mode}/${s.name}`];
      rows.push({ case: mode, server: s.name, 'req/s': fmt(r.rps), 'p99 ms': fmt(r.p99Ms, 2), 'CPU us/req': fmt(r.cpuUsPerReq, 2), 'peak RSS MiB': fmt(r.rssMiB, 1), errors: r.errors, ratio: `${fmt(r.rps / base.rps, 2)}x` });
    }
  }
  console.log(`\n== core: GET / 1 KiB in-memory body, ${connections} connections, ${duration}s; ${PINNING} ==`);
  table(rows);
  return {
    keepAliveRatio: results['keep-alive/httpcraft'].rps / results['keep-alive/node:http'].rps,
    pipelinedRatio: results['pipelined-16/httpcraft'].rps / results['pipelined-16/node:http'].rps,
    ceilingKeepAliveRatio: results['keep-alive/node:net ceiling'].rps / results['keep-alive/node:http'].rps,
    results,
  };
}
