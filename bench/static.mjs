// Issue 3's benchmark: static files served by httpcraft (cache on, the default), nginx (one worker,
// sendfile on, started here on loopback with a generated config) and a minimal node:http
// createReadStream server, all on the same generated folder, in the same run. Cases: a 1 KiB file,
// a 100 KiB JS file, a 10 MiB file, and a directory listing of 200 entries (nginx autoindex).
// Each (case, server) pair gets a fresh server process, so peak RSS belongs to that case alone.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, fmt, measure, peakRssMiB, runWrk, startServer, table, freePort } from './lib.mjs';

export const CASES = [
  { name: '1 KiB file', path: '/file-1k.txt' },
  { name: '100 KiB JS', path: '/app-100k.js' },
  { name: '10 MiB file', path: '/file-10m.bin' },
  { name: 'listing (200)', path: '/list/' },
];

function makeDocroot() {
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-static-'));
  writeFileSync(join(dir, 'file-1k.txt'), 'x'.repeat(1023) + '\n');
  writeFileSync(join(dir, 'app-100k.js'), 'console.log("httpcraft static benchmark");\n'.repeat(Math.ceil(102400 / 43)).slice(0, 102400));
  writeFileSync(join(dir, 'file-10m.bin'), Buffer.alloc(10 * 1024 * 1024, 1));
  mkdirSync(join(dir, 'list'));
  for (let i = 0; i < 200; i++) {
    if (i % 20 === 0) mkdirSync(join(dir, 'list', `folder-${i}`));
    else writeFileSync(join(dir, 'list', `file-${String(i).padStart(3, '0')}.txt`), 'y'.repeat(i * 37));
  }
  return dir;
}


export function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listening on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export function haveNginx() {
  return spawnSync('nginx', ['-v']).error === undefined;
}

/** Starts nginx in the foreground with a config of our own (one worker, sendfile, autoindex). */
async function startNginx(docroot) {
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-nginx-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const conf = `${asRoot ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30s;
  keepalive_requests 10000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${docroot};
    autoindex on;
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('taskset', ['-c', '0', 'nginx', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  const master = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8'));
  const workerPid = () => Number(readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/)[0]);
  return {
    port,
    pid: workerPid(),
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          done();
        });
        process.kill(master, 'SIGTERM');
      }),
  };
}

function transferMBps(raw) {
  const m = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(raw);
  if (!m) return NaN;
  return Number(m[1]) * { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[m[2]];
}

export async function run({ duration = 10, connections = 50 } = {}) {
  const docroot = makeDocroot();
  const servers = [
    { name: 'httpcraft', start: () => startServer(join(BENCH_DIR, 'servers/static-ours.mjs'), { env: { DOCROOT: docroot }, nodeFlags: PRODUCT_NODE_FLAGS }) },
    ...(haveNginx() ? [{ name: 'nginx', start: () => startNginx(docroot) }] : []),
    { name: 'node:http', start: () => startServer(join(BENCH_DIR, 'servers/static-node-http.mjs'), { env: { DOCROOT: docroot } }) },
  ];
  if (!haveNginx()) console.log('nginx is not installed (apt-get install -y nginx): its rows are skipped');
  const results = {};
  try {
    for (const c of CASES) {
      for (const s of servers) {
        const server = await s.start();
        try {
          const url = `http://127.0.0.1:${server.port}${c.path}`;
          await runWrk(url, { connections, duration: 2 });
          const r = await measure(server.pid, url, { connections, duration });
          results[`${c.name}/${s.name}`] = {
            rps: r.rps,
            p99Ms: r.p99Ms,
            errors: r.errors,
            mbps: transferMBps(r.raw),
            cpuUsPerReq: r.cpuUsPerReq,
            rssMiB: peakRssMiB(server.pid),
          };
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(docroot, { recursive: true, force: true });
  }
  const rows = [];
  const ratios = {};
  for (const c of CASES) {
    const ours = results[`${c.name}/httpcraft`];
    const nginx = results[`${c.name}/nginx`];
    const node = results[`${c.name}/node:http`];
    ratios[c.name] = { vsNginx: nginx ? ours.rps / nginx.rps : NaN, vsNodeHttp: ours.rps / node.rps };
    for (const s of servers) {
      const r = results[`${c.name}/${s.name}`];
      rows.push({
        case: c.name,
        server: s.name,
        'req/s': fmt(r.rps),
        'MB/s': fmt(r.mbps, 1),
        'p99 ms': fmt(r.p99Ms, 2),
        'CPU us/req': fmt(r.cpuUsPerReq, 1),
        'peak RSS MiB': fmt(r.rssMiB, 1),
        errors: r.errors,
        'vs nginx': nginx ? `${fmt(r.rps / nginx.rps, 2)}x` : 'n/a',
        'vs node:http': `${fmt(r.rps / node.rps, 2)}x`,
      });
    }
  }
  console.log(`\n== static: ${connections} connections, ${duration}s per case; ${PINNING} ==`);
  table(rows);
  return { ratios, results };
}

// Run alone: node bench/static.mjs [--duration=S] [--connections=N]
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ duration: Number(args.duration ?? 10), connections: Number(args.connections ?? 50) });
}
