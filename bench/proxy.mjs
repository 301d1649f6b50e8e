// Issue 17's benchmark: the same node:http upstream (1 KiB and 100 KiB in-memory bodies) behind
// httpcraft, behind nginx (proxy_pass with an upstream keepalive pool, one worker) and behind
// http-proxy on node:http (a keep-alive agent), measured in the same run by wrk with keep-alive
// clients. httpcraft runs twice: through the API (site handler, no access log, the pool sized as
// nginx's) and as users run it, the launcher with its defaults (`httpcraft --no-config --proxy
// /=URL`: console access log, redirected to a file; the default pool). Pinned (the default): the
// proxies on CPU 0, wrk and the upstream share CPU 1 (taskset), the same for all; --unpinned: every
// process on both cores, as on a user's machine. Rounds alternate between the proxies (the order
// rotates), figures are medians over rounds and a ratio is the median of the per-round ratios.
// Targets: >= 0.8x nginx, >= 2x http-proxy.
//
//   npm run build && node bench/proxy.mjs [--rounds=5] [--round-seconds=4] [--unpinned]
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveNginx, waitForPort } from './static.mjs';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, answering, fmt, freePort, measure, median, peakRssMiB, startServer, stopProcess, table } from './lib.mjs';


/** The launcher with its defaults and one proxy route; stdout (the access log) to a file. */
async function startCli(upstreamPort, pinned) {
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-proxy-cli-'));
  const port = await freePort();
  const fd = openSync(join(dir, 'stdout'), 'w');
  const argv = [...PRODUCT_NODE_FLAGS, join(BENCH_DIR, '../dist/src/cli.js'), '--no-config', '-H', '127.0.0.1', '-p', String(port), '--proxy', `/=http://127.0.0.1:${upstreamPort}`, dir];
  const child = pinned ? spawn('taskset', ['-c', '0', process.execPath, ...argv], { stdio: ['ignore', fd, 'inherit'] }) : spawn(process.execPath, argv, { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  await answering(port, '/1k');
  return { port, pid: child.pid, stop: () => stopProcess(child).then(() => rmSync(dir, { recursive: true, force: true })) };
}

async function startNginx(upstreamPort, pinned) {
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-nginx-proxy-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const conf = `${asRoot ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 30s;
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
      # Buffers that hold a 100 KiB response in memory (the default 8 x 4k spools it to disk).
      proxy_buffer_size 16k;
      proxy_buffers 16 16k;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const nginxArgs = ['-p', dir, '-c', join(dir, 'nginx.conf')];
  const child = pinned ? spawn('taskset', ['-c', '0', 'nginx', ...nginxArgs], { stdio: ['ignore', 'ignore', 'inherit'] }) : spawn('nginx', nginxArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  const master = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8'));
  const worker = Number(readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/)[0]);
  return {
    port,
    pid: worker,
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => (rmSync(dir, { recursive: true, force: true }), done()));
        process.kill(master, 'SIGTERM');
      }),
  };
}

export async function run({ duration = 10, connections = 50, rounds = 5, roundSeconds, unpinned = false } = {}) {
  const seconds = Number(roundSeconds ?? Math.max(2, Math.round(Number(duration) / 2.5)));
  const pinned = !unpinned && PINNING.startsWith('server on CPU 0');
  const upstream = await startServer(join(BENCH_DIR, 'servers/proxy-upstream.mjs'), { cpu: pinned ? '1' : null });
  const env = { UPSTREAM: `http://127.0.0.1:${upstream.port}` };
  const cpu = pinned ? '0' : null;
  const proxies = [
    { name: 'httpcraft', start: () => startServer(join(BENCH_DIR, 'servers/proxy-ours.mjs'), { env, nodeFlags: PRODUCT_NODE_FLAGS, cpu }) },
    { name: 'httpcraft CLI', start: () => startCli(upstream.port, pinned) },
    ...(haveNginx() ? [{ name: 'nginx', start: () => startNginx(upstream.port, pinned) }] : []),
    { name: 'http-proxy', start: () => startServer(join(BENCH_DIR, 'servers/proxy-http-proxy.mjs'), { env, cpu }) },
  ];
  if (!haveNginx()) console.log('nginx is not installed (apt-get install -y nginx): its rows are skipped');
  const results = {};
  const running = [];
  try {
    for (const p of proxies) running.push({ ...p, server: await p.start() });
    for (const size of ['1k', '100k']) {
      for (const p of running) {
        p.rounds = [];
        await measure(p.server.pid, `http://127.0.0.1:${p.server.port}/${size}`, { connections, duration: 2, pin: pinned }); // warm-up
      }
      for (let r = 0; r < Number(rounds); r++) {
        for (let i = 0; i < running.length; i++) {
          const p = running[(i + r) % running.length];
          const w = await measure(p.server.pid, `http://127.0.0.1:${p.server.port}/${size}`, { connections, duration: seconds, pin: pinned, threads: 1 });
          p.rounds.push({ rps: w.rps, p99Ms: w.p99Ms, errors: w.errors, cpuUsPerReq: w.cpuUsPerReq });
        }
      }
      for (const p of running) results[`${size}/${p.name}`] = { rounds: p.rounds, rssMiB: peakRssMiB(p.server.pid) };
    }
  } finally {
    await Promise.all(running.map((p) => p.server.stop()));
    await upstream.stop();
  }
  const rows = [];
  const ratios = {};
  for (const size of ['1k', '100k']) {
    for (const p of proxies) {
      const { rounds: rs, rssMiB } = results[`${size}/${p.name}`];
      const ours = p.name.startsWith('httpcraft') ? rs : null;
      // Each httpcraft row against each baseline, from the same rounds.
      const vs = (other) => {
        const base = results[`${size}/${other}`]?.rounds;
        if (ours === null || base === undefined) return '';
        const per = ours.map((x, i) => x.rps / base[i].rps);
        ratios[`${size}/${p.name}/vs-${other}`] = { median: median(per), min: Math.min(...per), max: Math.max(...per) };
        return `${fmt(median(per), 2)}x (${fmt(Math.min(...per), 2)}-${fmt(Math.max(...per), 2)})`;
      };
      rows.push({
        case: `GET ${size}`,
        proxy: p.name,
        'req/s': fmt(median(rs.map((x) => x.rps))),
        'p99 ms': fmt(median(rs.map((x) => x.p99Ms)), 2),
        'CPU us/req': fmt(median(rs.map((x) => x.cpuUsPerReq)), 2),
        'peak RSS MiB': fmt(rssMiB, 1),
        errors: rs.reduce((a, x) => a + x.errors, 0),
        'vs nginx': vs('nginx'),
        'vs http-proxy': vs('http-proxy'),
      });
    }
  }
  console.log(`\n== proxy: node:http upstream behind each proxy, ${connections} keep-alive connections, ${rounds} alternating rounds of ${seconds}s (medians; ratio = median of per-round ratios, with range); ${pinned ? 'proxies on CPU 0, wrk and the upstream on CPU 1 (taskset)' : 'unpinned: every process on both cores'} ==`);
  table(rows);
  return { ratios };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ rounds: args.rounds ?? 5, roundSeconds: args['round-seconds'], unpinned: 'unpinned' in args });
}
