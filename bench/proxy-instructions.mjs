// Instruction counts per proxied request, load-independent where req/s on a shared machine are
// noise: each proxy runs under `valgrind --tool=callgrind` (only the proxy: the node:http upstream
// and the client, this process, run normally) and answers N, then 2N keep-alive requests on one
// connection, one at a time; the cost of one request is (Ir(2N) - Ir(N)) / N, so start-up and JIT
// warm-up cancel out. User-space instructions only: the kernel's share (socket copies, syscalls) is
// not counted, which is a large part of a proxy's cost and the same work for all three.
//
//   npm run build && node bench/proxy-instructions.mjs [--n=2000] [--only=httpcraft,nginx,http-proxy] [--sizes=1k,100k]
//
// Node proxies need N in the thousands: below that, JIT compilation between N and 2N is counted too.
//
// httpcraft runs with the launcher's --max-semi-space-size=1 and V8's --predictable (one thread),
// http-proxy with --predictable; nginx with master_process off (one process).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BENCH_DIR, fmt, freePort, startServer, table } from './lib.mjs';
import { waitForPort } from './static.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const N = Number(args.n ?? 2000);
const only = args.only ? new Set(args.only.split(',')) : null;

/** The instructions of every process a run traced (files out.<pid>). */
function callgrindTotal(out) {
  const base = basename(out);
  let total = 0;
  for (const f of readdirSync(dirname(out))) {
    if (!f.startsWith(`${base}.`)) continue;
    const m = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dirname(out), f), 'latin1'));
    if (m) total += Number(m[1]);
  }
  return total;
}

/** Starts a proxy under callgrind; resolves {port, done: Promise} once it listens. */
async function startUnderCallgrind(name, upstreamPort, out) {
  const port = await freePort();
  const env = { ...process.env, UPSTREAM: `http://127.0.0.1:${upstreamPort}`, PORT: String(port) };
  let argv;
  if (name === 'nginx') {
    const dir = mkdtempSync(join(tmpdir(), 'httpcraft-ir-nginx-'));
    const asRoot = process.getuid?.() === 0;
    writeFileSync(
      join(dir, 'nginx.conf'),
      `${asRoot ? 'user root;\n' : ''}daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  # One client connection carries all 2N requests: nginx's default (1000) would close it midway.
  keepalive_requests 10000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffer_size 16k;
      proxy_buffers 16 16k;
    }
  }
}
`,
    );
    argv = ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf')];
  } else {
    const script = join(BENCH_DIR, name === 'httpcraft' ? 'servers/proxy-ours.mjs' : 'servers/proxy-http-proxy.mjs');
    argv = [process.execPath, ...(name === 'httpcraft' ? ['--max-semi-space-size=1'] : []), '--predictable', script];
  }
  // nginx may fork a worker even as one process (master_process off is a debugging aid): children are
  // traced too, one file each (%p), and summed.
  const child = spawn('valgrind', ['--tool=callgrind', '--trace-children=yes', `--callgrind-out-file=${out}.%p`, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise((resolve) => child.on('exit', resolve));
  await waitForPort(port, 180_000).catch((e) => {
    throw new Error(`${name} did not listen under valgrind: ${e.message}\n${stderr}`);
  });
  return { port, child, done };
}

/** One keep-alive connection, one request at a time, n responses of a known Content-Length. */
function drive(port, path, n) {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ir-bench\r\nAccept: */*\r\n\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let received = 0;
    let parts = [];
    let have = 0;
    const next = () => {
      if (sent < n) {
        sent++;
        socket.write(request);
      }
    };
    socket.on('connect', next);
    socket.on('data', (chunk) => {
      parts.push(chunk);
      have += chunk.length;
      for (;;) {
        const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        parts = [buf];
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 200')) return reject(new Error(`unexpected response: ${head}`));
        const length = Number(/content-length: *(\d+)/i.exec(head)[1]);
        if (have < end + 4 + length) return;
        const rest = buf.subarray(end + 4 + length);
        parts = rest.length === 0 ? [] : [rest];
        have = rest.length;
        if (++received === n) {
          socket.end();
          return resolve();
        }
        next();
      }
    });
    socket.on('error', (e) => (received === n ? resolve() : reject(e)));
    // A proxy closing the connection early would otherwise leave this run waiting for ever.
    socket.on('close', () => (received === n ? resolve() : reject(new Error(`connection closed after ${received} of ${n} responses`))));
  });
}

const upstream = await startServer(join(BENCH_DIR, 'servers/proxy-upstream.mjs'), { cpu: null });
const dir = mkdtempSync(join(tmpdir(), 'httpcraft-proxy-ir-'));
const haveNginx = spawnSync('nginx', ['-v']).error === undefined;
const names = ['httpcraft', ...(haveNginx ? ['nginx'] : []), 'http-proxy'].filter((n) => only === null || only.has(n));
const rows = [];
const perRequest = {};
try {
  for (const size of (args.sizes ?? '1k,100k').split(',')) {
    for (const name of names) {
      const counts = [];
      for (const n of [N, 2 * N]) {
        const out = join(dir, `callgrind.${name}.${size}.${n}.out`);
        const p = await startUnderCallgrind(name, upstream.port, out);
        await drive(p.port, `/${size}`, n);
        // nginx (master_process off) may miss a SIGTERM under valgrind: ask again until it is gone.
        const signal = name === 'nginx' ? 'SIGINT' : 'SIGTERM';
        p.child.kill(signal);
        const again = setInterval(() => p.child.kill(signal), 10_000);
        await p.done;
        clearInterval(again);
        counts.push(callgrindTotal(out));
      }
      const ir = (counts[1] - counts[0]) / N;
      perRequest[`${size}/${name}`] = ir;
      rows.push({ case: `GET ${size}`, proxy: name, [`Ir (${N})`]: counts[0].toLocaleString('en'), [`Ir (${2 * N})`]: counts[1].toLocaleString('en'), 'Ir per request': fmt(ir) });
    }
  }
} finally {
  await upstream.stop();
}
for (const r of rows) {
  const size = r.case.split(' ')[1];
  const ours = perRequest[`${size}/httpcraft`];
  r['httpcraft / this'] = ours === undefined || r.proxy === 'httpcraft' ? '' : `${fmt(ours / perRequest[`${size}/${r.proxy}`], 2)}x`;
}
console.log(`\n== proxy instructions: user-space Ir per proxied request, (Ir(2N) - Ir(N)) / N with N = ${N}, one keep-alive connection (callgrind; load-independent) ==`);
table(rows);
