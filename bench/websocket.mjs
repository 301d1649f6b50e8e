// Issue 14's benchmark: httpcraft's WebSocket echo against the `ws` library's, same run, same client
// (bench/ws-client.mjs, a raw client pinned to CPU 1; servers on CPU 0). Echo round trips per second
// and throughput for 100 connections × 64-byte messages and 10 connections × 64 KiB messages, with
// and without permessage-deflate, in alternating rounds (medians; the ratio is the median of the
// per-round ratios, with its range); then the RSS of 10,000 idle open WebSockets per server.
//
//   npm run build && node bench/websocket.mjs [--rounds=3] [--round-seconds=3] [--idle=10000]
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, fmt, median, startServer, table } from './lib.mjs';

const SERVERS = [
  { name: 'httpcraft', script: join(BENCH_DIR, 'servers/ws-ours.mjs'), nodeFlags: PRODUCT_NODE_FLAGS },
  { name: 'ws', script: join(BENCH_DIR, 'servers/ws-ws.mjs'), nodeFlags: [] },
];
const CASES = [
  { name: '100 conns x 64 B', connections: 100, size: 64 },
  { name: '10 conns x 64 KiB', connections: 10, size: 64 * 1024 },
];
const HAVE_TASKSET = spawnSync('taskset', ['-c', '1', 'true']).status === 0;

function startClient() {
  const child = fork(join(BENCH_DIR, 'ws-client.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(HAVE_TASKSET ? { execPath: 'taskset', execArgv: ['-c', '1', process.execPath] } : {}),
  });
  return {
    ask: (msg) =>
      new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`client exited (${code})`)));
        child.send(msg);
      }),
    stop: () => new Promise((r) => {
      child.removeAllListeners('exit');
      child.once('exit', r);
      child.kill('SIGTERM');
    }),
  };
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Raises this process's soft fd limit where the shell allows it (children inherit it). */
function fdLimit(want) {
  const r = spawnSync('sh', ['-c', `ulimit -n ${want} 2>/dev/null; ulimit -n`], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

export async function run({ duration = 10, rounds = 3, roundSeconds, idle = 10_000 } = {}) {
  const seconds = Number(roundSeconds ?? Math.max(2, Math.round(Number(duration) / 3)));
  const rows = [];
  const ratios = {};
  for (const deflate of [false, true]) {
    for (const c of CASES) {
      const env = { WS_DEFLATE: deflate ? '1' : '0' };
      const servers = [];
      try {
        for (const s of SERVERS) servers.push({ ...s, server: await startServer(s.script, { env, nodeFlags: s.nodeFlags }), rounds: [] });
        for (let r = 0; r < Number(rounds) + 1; r++) {
          for (let i = 0; i < servers.length; i++) {
            const s = servers[(i + r) % servers.length];
            const client = startClient();
            try {
              const res = await client.ask({ mode: 'echo', port: s.server.port, connections: c.connections, size: c.size, seconds: r === 0 ? 1 : seconds, deflate });
              if (r > 0) s.rounds.push(res.messages / res.seconds); // round 0 warms both up
            } finally {
              await client.stop();
            }
          }
        }
      } finally {
        await Promise.all(servers.map((s) => s.server.stop()));
      }
      const [ours, theirs] = servers;
      const perRound = ours.rounds.map((x, i) => x / theirs.rounds[i]);
      const key = `${c.name}${deflate ? ' deflate' : ''}`;
      ratios[key] = median(perRound);
      for (const s of servers) {
        const mps = median(s.rounds);
        rows.push({
          case: c.name,
          deflate: deflate ? 'on' : 'off',
          server: s.name,
          'msg/s': fmt(mps),
          'MiB/s': fmt((mps * c.size) / 1048576, 1),
          ratio: s === theirs ? '1.00x' : `${fmt(median(perRound), 2)}x (${fmt(Math.min(...perRound), 2)}-${fmt(Math.max(...perRound), 2)})`,
        });
      }
    }
  }
  console.log(`\n== websocket: echo round trips, one message in flight per connection, ${rounds} alternating rounds of ${seconds}s (medians; ratio vs ws = median of per-round ratios, with range); ${PINNING} ==`);
  table(rows);

  // Idle memory: N open WebSockets, RSS before and after (heartbeat on, as by default).
  const limit = fdLimit(idle * 2 + 1000);
  const count = Math.min(idle, Math.max(0, limit - 1000));
  const memRows = [];
  for (const s of SERVERS) {
    const server = await startServer(s.script, { env: { WS_DEFLATE: '1' }, nodeFlags: s.nodeFlags });
    const client = startClient();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const before = rssMiB(server.pid);
      const { opened } = await client.ask({ mode: 'idle', port: server.port, connections: count });
      await new Promise((r) => setTimeout(r, 1500));
      const after = rssMiB(server.pid);
      memRows.push({ server: s.name, sockets: opened, 'RSS before MiB': fmt(before, 1), 'RSS after MiB': fmt(after, 1), 'KiB per socket': fmt(((after - before) * 1024) / opened, 1) });
    } finally {
      await client.stop();
      await server.stop();
    }
  }
  console.log(`\n== websocket: RSS of ${count} idle open WebSockets (permessage-deflate negotiated; fd limit ${limit}) ==`);
  table(memRows);
  return { ratios, memRows };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ ...(args.rounds ? { rounds: args.rounds } : {}), ...(args['round-seconds'] ? { roundSeconds: args['round-seconds'] } : {}), ...(args.idle ? { idle: Number(args.idle) } : {}) });
}
