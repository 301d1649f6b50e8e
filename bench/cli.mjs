// Issue 20's benchmark: httpcraft as users run it. The server is started through the launcher
// (dist/src/cli.js, with the shebang's node flags) with the default configuration: the access log
// on, to the console (stdout redirected to a file), or to a log file (--access-log FILE). Beside it:
// the same launcher with --access-log off, the programmatic API server with no log (what
// bench/static.mjs measures), nginx with its default
// access_log on (to a file, format combined, sendfile on as the distribution's nginx.conf has it),
// a bare node:http server answering every path with the same 1 KiB body from memory, and node:net
// writing a prebuilt response without parsing HTTP (the most any Node server can do on this socket
// layer).
//
// Cases: the 1 KiB file over keep-alive, the 1 KiB file with `Connection: close` (one request per
// connection: health checkers, scripts, many API clients), and a 10 MiB file. Each runs unpinned
// (wrk -t1 and the servers share both cores, as a user's machine does) and pinned (server on CPU 0,
// wrk on CPU 1). The servers of one pinning all stay up and wrk visits them in alternating rounds
// (the order rotates each round); figures are medians over rounds, a ratio is the median of the
// per-round ratios. CPU per request is the server's utime+stime (/proc/PID/stat) over the run.
//
//   npm run build && node bench/cli.mjs [--rounds=3] [--round-seconds=4] [--pinning=unpinned,pinned]
//                                       [--cases=keep-alive,close,10MiB] [--servers=cli,nginx,...]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, PRODUCT_NODE_FLAGS, answering, cpuMs, fmt, freePort, median, runWrk, stopProcess, table } from './lib.mjs';

const CLI = join(BENCH_DIR, '../dist/src/cli.js');
const HAVE_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export const CASES = [
  { name: 'keep-alive 1 KiB', path: '/file-1k.txt', headers: [] },
  { name: 'close 1 KiB', path: '/file-1k.txt', headers: ['Connection: close'] },
  { name: '10 MiB', path: '/file-10m.bin', headers: [] },
];
const CASE_KEYS = { 'keep-alive': 'keep-alive 1 KiB', close: 'close 1 KiB', '10MiB': '10 MiB' };

function makeDocroot() {
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-cli-'));
  chmodSync(dir, 0o755); // readable by nginx's workers when the bench runs as root
  writeFileSync(join(dir, 'file-1k.txt'), 'x'.repeat(1023) + '\n');
  writeFileSync(join(dir, 'file-10m.bin'), Buffer.alloc(10 * 1024 * 1024, 1));
  chmodSync(join(dir, 'file-1k.txt'), 0o644);
  chmodSync(join(dir, 'file-10m.bin'), 0o644);
  return dir;
}


/** argv for a process, under taskset on CPU 0 when pinned (taskset execs: the pid stays the server's). */
function command(pinned, file, args) {
  return pinned && HAVE_TASKSET ? ['taskset', ['-c', '0', file, ...args]] : [file, args];
}

/** The launcher with its defaults; access 'console' (stdout to a file), 'file' (--access-log FILE) or 'off'. */
async function startCli(docroot, dir, { access, pinned, cli = CLI, extra = [] }) {
  const port = await freePort();
  const out = join(dir, `cli-${access}-${pinned ? 'pinned' : 'unpinned'}-${port}.stdout`);
  const fd = openSync(out, 'w');
  const logArgs = access === 'file' ? ['--access-log', join(dir, `cli-${pinned ? 'pinned' : 'unpinned'}-access.log`)] : access === 'off' ? ['--access-log', 'off'] : [];
  const [file, args] = command(pinned, process.execPath, [...PRODUCT_NODE_FLAGS, cli, '-H', '127.0.0.1', '-p', String(port), ...logArgs, ...extra, docroot]);
  const child = spawn(file, args, { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  await answering(port, '/file-1k.txt');
  return { port, pid: child.pid, stop: () => stopProcess(child), log: access === 'file' ? logArgs[1] : out };
}

/** A bench/servers script started as its own process (node flags as given), port from stdout-less IPC. */
async function startScript(script, env, nodeFlags, pinned, path) {
  const port = await freePort();
  const [file, args] = command(pinned, process.execPath, [...nodeFlags, script]);
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env, PORT: String(port) } });
  await answering(port, path);
  return { port, pid: child.pid, stop: () => stopProcess(child) };
}

/** nginx, one worker (its compiled default), access_log on (its default, format combined) to a file. */
async function startNginx(docroot, dir, { pinned, workers = 1 }) {
  const port = await freePort();
  const ndir = mkdtempSync(join(dir, 'nginx-'));
  const asRoot = process.getuid?.() === 0;
  const conf = `${asRoot ? 'user root;\n' : ''}daemon off;
worker_processes ${workers};
pid ${ndir}/nginx.pid;
error_log ${ndir}/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${ndir}/access.log combined;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${ndir}/body;
  proxy_temp_path ${ndir}/proxy;
  fastcgi_temp_path ${ndir}/fastcgi;
  uwsgi_temp_path ${ndir}/uwsgi;
  scgi_temp_path ${ndir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${docroot};
  }
}
`;
  writeFileSync(join(ndir, 'nginx.conf'), conf);
  const [file, args] = command(pinned, 'nginx', ['-p', ndir, '-e', join(ndir, 'error.log'), '-c', join(ndir, 'nginx.conf')]);
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await answering(port, '/file-1k.txt');
  const master = Number(readFileSync(join(ndir, 'nginx.pid'), 'utf8'));
  const worker = Number(readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/)[0]);
  return { port, pid: worker, stop: () => stopProcess(child, 'SIGQUIT'), log: join(ndir, 'access.log') };
}

const SERVERS = [
  { name: 'cli (console log)', key: 'cli', start: (root, dir, pinned) => startCli(root, dir, { access: 'console', pinned }) },
  { name: 'cli (log file)', key: 'cli-file', unpinnedOnly: true, start: (root, dir, pinned) => startCli(root, dir, { access: 'file', pinned }) },
  // By default the 10 MiB file is in the memory cache from its second request (cache_file_max_bytes
  // is 16 MiB): one copy per byte, memory to socket. This row keeps it on disk (a 1 MiB limit per
  // file, the default before 2026-12-04): two copies, disk to memory to socket.
  { name: 'cli (10 MiB from disk)', key: 'cli-disk', bigOnly: true, start: (root, dir, pinned) => startCli(root, dir, { access: 'console', pinned, extra: ['--cache-file-max-bytes', String(1024 * 1024)] }) },
  { name: 'cli (log off)', key: 'cli-off', start: (root, dir, pinned) => startCli(root, dir, { access: 'off', pinned }) },
  { name: 'api (no log)', key: 'api', start: (root, _dir, pinned) => startScript(join(BENCH_DIR, 'servers/static-ours.mjs'), { DOCROOT: root }, PRODUCT_NODE_FLAGS, pinned, '/file-1k.txt') },
  { name: 'nginx (access_log on)', key: 'nginx', start: (root, dir, pinned) => startNginx(root, dir, { pinned }) },
  // Baseline for the 1 KiB cases only: node:http answering every path from memory.
  { name: 'node:http (bare)', key: 'node', smallOnly: true, start: (_root, _dir, pinned) => startScript(join(BENCH_DIR, 'servers/node-http.mjs'), {}, [], pinned, '/file-1k.txt') },
  // The ceiling of any Node server here: node:net writing a prebuilt response, no HTTP parsing.
  { name: 'node:net (prebuilt response)', key: 'net', smallOnly: true, start: (_root, _dir, pinned) => startScript(join(BENCH_DIR, 'servers/node-net-ceiling.mjs'), {}, [], pinned, '/file-1k.txt') },
];
// BASELINE_CLI=path/to/an/older/dist/src/cli.js adds that build (default config, console log) to
// the same rounds: before and after a change, measured together.
if (process.env.BASELINE_CLI) SERVERS.unshift({ name: 'cli before (console log)', key: 'cli-before', start: (root, dir, pinned) => startCli(root, dir, { access: 'console', pinned, cli: process.env.BASELINE_CLI }) });
const NGINX = 'nginx (access_log on)';

function transferMBps(raw) {
  const m = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(raw);
  return m ? Number(m[1]) * { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[m[2]] : NaN;
}

function headerScript(dir, headers) {
  if (headers.length === 0) return {};
  const file = join(dir, 'headers.lua');
  writeFileSync(file, `wrk.headers["Connection"] = "close"\n`);
  return { script: file };
}

export async function run({ duration = 10, connections = 50, rounds = 3, roundSeconds, pinning = 'unpinned,pinned', cases, servers: only } = {}) {
  const seconds = Number(roundSeconds ?? Math.max(2, Math.round(Number(duration) / 2.5)));
  const docroot = makeDocroot();
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-cli-run-'));
  chmodSync(dir, 0o755);
  const wanted = cases ? new Set(String(cases).split(',').map((c) => CASE_KEYS[c] ?? c)) : null;
  const serverKeys = only ? new Set(String(only).split(',')) : null;
  const results = [];
  try {
    for (const pin of String(pinning).split(',')) {
      const pinned = pin === 'pinned' && HAVE_TASKSET;
      const list = SERVERS.filter((s) => (!pinned || !s.unpinnedOnly) && (serverKeys === null || serverKeys.has(s.key)));
      const up = [];
      try {
        for (const s of list) up.push({ ...s, server: await s.start(docroot, dir, pinned) });
        for (const c of CASES) {
          if (wanted !== null && !wanted.has(c.name)) continue;
          const here = up.filter((s) => !(s.smallOnly && c.path !== '/file-1k.txt') && !(s.bigOnly && c.path === '/file-1k.txt'));
          // A 10 MiB response slower than wrk's default 2 s would count as an error and drop out of
          // the latency figures; with 10 s it stays in p99, which is where a slow one belongs.
          const wrkBase = { connections, pin: pinned, threads: 1, ...headerScript(dir, c.headers), ...(c.path === '/file-10m.bin' ? { timeoutSeconds: 10 } : {}) };
          for (const s of here) await runWrk(`http://127.0.0.1:${s.server.port}${c.path}`, { ...wrkBase, duration: 1 }); // warm-up
          const perServer = new Map(here.map((s) => [s.name, []]));
          for (let r = 0; r < Number(rounds); r++) {
            for (let i = 0; i < here.length; i++) {
              const s = here[(i + r) % here.length];
              const load = loadavg()[0];
              const before = cpuMs(s.server.pid);
              const w = await runWrk(`http://127.0.0.1:${s.server.port}${c.path}`, { ...wrkBase, duration: seconds });
              const cpu = cpuMs(s.server.pid) - before;
              perServer.get(s.name).push({ rps: w.rps, mbps: transferMBps(w.raw), p99Ms: w.p99Ms, errors: w.errors, cpuUsPerReq: (cpu * 1000) / w.total, cpuMsPerMB: cpu / ((w.total * statSize(docroot, c.path)) / 1048576), load, round: r });
            }
          }
          const base = perServer.get(NGINX);
          for (const s of here) {
            const rs = perServer.get(s.name);
            const vs = base ? rs.map((x, i) => x.rps / base[i].rps) : [];
            results.push({ pinning: pinned ? 'pinned' : 'unpinned', case: c.name, server: s.name, rounds: rs, vsNginx: base ? median(vs) : NaN, vsNginxRange: base ? [Math.min(...vs), Math.max(...vs)] : [NaN, NaN] });
          }
        }
      } finally {
        await Promise.all(up.map((s) => s.server.stop()));
      }
    }
  } finally {
    rmSync(docroot, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = results.map((r) => {
    const m = (k) => median(r.rounds.map((x) => x[k]));
    const big = r.case === '10 MiB';
    return {
      pinning: r.pinning,
      case: r.case,
      server: r.server,
      'req/s': fmt(m('rps')),
      'MB/s': fmt(m('mbps'), 0),
      'p99 ms': fmt(m('p99Ms'), 2),
      'CPU us/req': fmt(m('cpuUsPerReq'), 1),
      'CPU ms/MB': big ? fmt(m('cpuMsPerMB'), 3) : '',
      'vs nginx': Number.isFinite(r.vsNginx) ? `${fmt(r.vsNginx, 2)}x (${fmt(r.vsNginxRange[0], 2)}-${fmt(r.vsNginxRange[1], 2)})` : 'n/a',
      load: fmt(m('load'), 2),
      errors: r.rounds.reduce((a, x) => a + x.errors, 0),
    };
  });
  // Ratios the issue asks about, per pinning and case, from the same rounds.
  for (const row of rows) {
    const same = (name) => results.find((r) => r.pinning === row.pinning && r.case === row.case && r.server === name);
    const mine = same(row.server);
    const ratioTo = (name) => {
      const other = same(name);
      if (!other || other === mine) return '';
      return `${fmt(median(mine.rounds.map((x, i) => x.rps / other.rounds[i].rps)), 2)}x`;
    };
    row['vs node:http'] = ratioTo('node:http (bare)');
    row['vs api'] = ratioTo('api (no log)');
    row['vs cli log off'] = ratioTo('cli (log off)');
    row['vs node:net'] = ratioTo('node:net (prebuilt response)');
    if (process.env.BASELINE_CLI) row['vs before'] = ratioTo('cli before (console log)');
  }
  console.log(`\n== cli: as users run it; ${connections} connections, wrk -t1, ${rounds} alternating rounds of ${seconds}s (medians; ratio = median of per-round ratios); unpinned: servers and wrk share both cores; pinned: server CPU 0, wrk CPU 1 ==`);
  table(rows);
  return { rows, results };
}

const sizes = new Map();
function statSize(root, path) {
  if (!sizes.has(path)) sizes.set(path, statSync(join(root, path)).size);
  return sizes.get(path);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({
    duration: Number(args.duration ?? 10),
    ...(args.rounds ? { rounds: args.rounds } : {}),
    ...(args['round-seconds'] ? { roundSeconds: args['round-seconds'] } : {}),
    ...(args.pinning ? { pinning: args.pinning } : {}),
    ...(args.cases ? { cases: args.cases } : {}),
    ...(args.servers ? { servers: args.servers } : {}),
  });
}
