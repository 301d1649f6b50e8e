// Issue 8's benchmark: requests/s on a 1 KiB static file with 1 and 2 workers, httpcraft (our real
// CLI) next to nginx (worker_processes 1 and 2, access log off), driven by wrk with keep-alive.
// Nothing is pinned: using every core is the point, and wrk shares those cores with the servers.
// Issue 20 adds the `auto` rows: `--workers auto` against nginx's `worker_processes auto` (one per
// core: 2 here), the setting a user picks to use the machine, with its scaling from 1 worker.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, PRODUCT_NODE_FLAGS, answering, cpuMs, fmt, freePort, median, runWrk, table } from './lib.mjs';

const CLI = join(BENCH_DIR, '../dist/src/cli.js');

/** CPU milliseconds of a process and its children (the workers). */
function treeCpuMs(pid) {
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  return [pid, ...children].reduce((sum, p) => sum + (Number.isFinite(cpuMs(p)) ? cpuMs(p) : 0), 0);
}

function stopProcess(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

async function startOurs(root, workers) {
  const port = await freePort();
  // Like the nginx side (access_log off): no request lines, so the comparison is of serving alone.
  const args = [...PRODUCT_NODE_FLAGS, CLI, '-H', '127.0.0.1', '-p', String(port), '--log-level', 'WARNING', '--access-log', 'off', ...(workers !== 1 ? ['--workers', String(workers)] : []), root];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  await answering(port, '/kib.txt');
  return { port, pid: child.pid, stop: () => stopProcess(child) };
}

async function startNginx(root, workers) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-nginx-'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  try {
    await answering(port, '/kib.txt');
  } catch (error) {
    await stopProcess(child, 'SIGKILL');
    throw new Error(`${error.message}; nginx error log:\n${safeRead(join(dir, 'error.log'))}`);
  }
  return {
    port,
    pid: child.pid,
    stop: async () => {
      await stopProcess(child, 'SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function haveNginx() {
  return spawnSync('nginx', ['-v']).error === undefined;
}

export async function run({ duration = 10, connections = 50, rounds = 3 } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'httpcraft-bench-workers-'));
  // Readable by nginx's unprivileged workers when the bench runs as root.
  chmodSync(root, 0o755);
  writeFileSync(join(root, 'kib.txt'), Buffer.alloc(1024, 'k'));
  chmodSync(join(root, 'kib.txt'), 0o644);
  const servers = [
    { name: 'httpcraft', workers: 1, start: () => startOurs(root, 1) },
    { name: 'httpcraft', workers: 2, start: () => startOurs(root, 2) },
    { name: 'httpcraft', workers: 'auto', start: () => startOurs(root, 'auto') },
  ];
  if (haveNginx()) servers.push({ name: 'nginx', workers: 1, start: () => startNginx(root, 1) }, { name: 'nginx', workers: 2, start: () => startNginx(root, 2) }, { name: 'nginx', workers: 'auto', start: () => startNginx(root, 'auto') });
  else console.error('nginx is not installed (sudo apt-get install -y nginx): its rows are skipped');
  // Other work on the machine skews every row; say how busy it was. All servers stay up and wrk
  // visits them in alternating rounds (the order rotates), so a slow spell hits every row alike;
  // figures are medians over the rounds.
  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
  const rows = [];
  const results = {};
  const seconds = Math.max(2, Math.round(Number(duration) / 2.5));
  const up = [];
  try {
    for (const s of servers) up.push({ ...s, server: await s.start(), rounds: [] });
    for (const s of up) await runWrk(`http://127.0.0.1:${s.server.port}/kib.txt`, { connections, duration: 2, pin: false }); // warm-up; every worker is up by now
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < up.length; i++) {
        const s = up[(i + round) % up.length];
        const url = `http://127.0.0.1:${s.server.port}/kib.txt`;
        const cpuBefore = treeCpuMs(s.server.pid);
        const r = await runWrk(url, { connections, duration: seconds, pin: false });
        s.rounds.push({ ...r, cpuUsPerReq: ((treeCpuMs(s.server.pid) - cpuBefore) * 1000) / r.total, load: loadavg()[0] });
      }
    }
    for (const s of up) {
      const m = (k) => median(s.rounds.map((x) => x[k]));
      results[`${s.name}/${s.workers}`] = { rps: m('rps'), rounds: s.rounds };
      rows.push({ server: s.name, workers: s.workers, 'req/s': fmt(m('rps')), 'p99 ms': fmt(m('p99Ms'), 2), 'server CPU us/req': fmt(m('cpuUsPerReq'), 1), load: fmt(m('load'), 2), errors: s.rounds.reduce((a, x) => a + x.errors, 0) });
    }
  } finally {
    await Promise.all(up.map((s) => s.server.stop()));
    rmSync(root, { recursive: true, force: true });
  }
  for (const r of rows) {
    const one = results[`${r.server}/1`];
    // Ratios per round (the same slow spell on both sides), then their median.
    const ratio = (a, b) => fmt(median(a.rounds.map((x, i) => x.rps / b.rounds[i].rps)), 2);
    r['vs 1 worker'] = r.workers !== 1 && one ? `${ratio(results[`${r.server}/${r.workers}`], one)}x` : '';
    const nginx = results[`nginx/${r.workers}`];
    r['vs nginx'] = nginx ? `${ratio(results[`${r.server}/${r.workers}`], nginx)}x` : 'n/a';
  }
  console.log(`\n== workers: GET /kib.txt (1 KiB static file), ${connections} keep-alive connections, ${rounds} alternating rounds of ${seconds}s (medians; ratios: median of per-round ratios), wrk 2 threads; unpinned, wrk shares the ${availableParallelism()} cores; load average before: ${loadBefore} ==`);
  table(rows);
  return { results };
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ duration: Number(process.env.BENCH_DURATION ?? 10) });
