// Issue 13's benchmark: HTTP/2 driven by h2load (nghttp2-client), httpcraft against nginx (http2,
// one worker, access log off, same certificate) and node:http2 (createSecureServer answering from
// memory), in one run: 1 KiB over TLS with 10 clients × 10 streams, 100 KiB over TLS, and 1 KiB over
// h2c (prior knowledge). The same run measures HTTP/1.1 over TLS with wrk for us and nginx, so the
// HTTP/1.1 figures are seen beside the new ones. Servers are pinned to CPU 0 and the load generator
// to CPU 1 (as every case here); rounds are interleaved and each server keeps its best round.
// "httpcraft (file)" is the site handler through the API with no access log; "CLI, default config"
// is the launcher as a user runs it (access log to the console, redirected to a file).
// "CPU us/req" is the server's own CPU time per request, from /proc.
// Targets: >= 1.0x nginx on 1 KiB over TLS, >= 1.5x node:http2.
// Run alone: node bench/http2.mjs [--duration=SECONDS] [--rounds=N] [--case=NAME-PREFIX]
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, PINNING, PRODUCT_NODE_FLAGS, cpuMs, fmt, measure, peakRssMiB, runWrk, startServer, stopProcess, table, freePort } from './lib.mjs';
import { findNginx, nginxConfig, startNginx } from './https.mjs';

const HAVE_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export function haveH2load() {
  return spawnSync('h2load', ['--version']).error === undefined;
}

const nginxHttp2Config = (options) => nginxConfig({ ...options, http2: true });

/** Runs h2load for `duration` seconds after a 1 s warm-up; resolves with {rps, total, errors}. */
function runH2load(url, { clients = 10, streams = 10, duration = 10 } = {}) {
  return new Promise((resolve, reject) => {
    const args = ['-t', '1', '-c', String(clients), '-m', String(streams), '-D', String(duration), '--warm-up-time=1', url];
    const child = HAVE_TASKSET ? spawn('taskset', ['-c', '1', 'h2load', ...args]) : spawn('h2load', args);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? NaN);
      const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
      const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
      const protocol = /Application protocol: (\S+)/.exec(out)?.[1] ?? '?';
      resolve({ rps, total: Number(m?.[4] ?? NaN), errors: Number(m?.[5] ?? 0) + Number(m?.[6] ?? 0) + Number(status?.[3] ?? 0) + Number(status?.[4] ?? 0), protocol, raw: out });
    });
  });
}

/**
 * httpcraft as a user starts it: the launcher (dist/src/cli.js, its node flags) with the default
 * configuration, which logs every request to the console, here redirected to a file. Only the
 * certificate is given, so that every server in the case uses the same one.
 */
async function startCli({ dir, certFile, keyFile, root }) {
  const port = await freePort();
  const cli = join(BENCH_DIR, '../dist/src/cli.js');
  const out = openSync(join(dir, `cli-${port}.log`), 'w');
  const argv = [...PRODUCT_NODE_FLAGS, cli, '-H', '127.0.0.1', '-p', String(port), '--ssl', '--ssl-cert', certFile, '--ssl-key', keyFile, root];
  const child = HAVE_TASKSET ? spawn('taskset', ['-c', '0', process.execPath, ...argv], { stdio: ['ignore', out, out], cwd: dir }) : spawn(process.execPath, argv, { stdio: ['ignore', out, out], cwd: dir });
  closeSync(out);
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(s.destroy() ?? true));
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null) throw new Error('the CLI exited at start; see its log in the bench folder');
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () => stopProcess(child);
  return { port, pid: child.pid, stop };
}

async function measureH2(pid, url, options) {
  const before = cpuMs(pid);
  const r = await runH2load(url, options);
  return { ...r, cpuUsPerReq: ((cpuMs(pid) - before) * 1000) / r.total };
}

export async function run({ duration = 10, rounds = 2, only = null } = {}) {
  if (!haveH2load()) {
    console.log('\n== http2: skipped, h2load is not installed (apt-get install -y nghttp2-client) ==');
    return null;
  }
  const nginx = findNginx();
  const dir = await mkdtemp(join(tmpdir(), 'httpcraft-bench-h2-'));
  try {
    await chmod(dir, 0o755);
    const root = join(dir, 'root');
    await mkdir(root, { mode: 0o755 });
    await writeFile(join(root, '1k.txt'), Buffer.alloc(1024, 'x'), { mode: 0o644 });
    await writeFile(join(root, '100k.txt'), Buffer.alloc(100 * 1024, 'x'), { mode: 0o644 });
    const { ensureDevCertificate } = await import(pathToFileURL(join(BENCH_DIR, '../dist/src/tls/self-signed.js')).href);
    const dev = await ensureDevCertificate({ stateDir: join(dir, 'state'), names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } });
    const env = { CERT_FILE: dev.certFile, KEY_FILE: dev.keyFile, DOC_ROOT: root };
    const ours = join(BENCH_DIR, 'servers/ours-https.mjs');
    const nodeH2 = join(BENCH_DIR, 'servers/node-http2.mjs');

    // Each case: the servers to compare and how to reach each (scheme, port offset for nginx's h2c).
    const cases = [
      {
        name: 'h2 TLS 1 KiB (-c 10 -m 10)',
        path: '/1k.txt',
        load: { clients: 10, streams: 10 },
        servers: [
          { name: 'httpcraft (file)', tls: true, start: () => startServer(ours, { env: { ...env, BODY_MODE: 'file' }, nodeFlags: PRODUCT_NODE_FLAGS }) },
          { name: 'httpcraft CLI, default config', tls: true, start: () => startCli({ dir, certFile: dev.certFile, keyFile: dev.keyFile, root }) },
          { name: 'httpcraft (memory)', tls: true, start: () => startServer(ours, { env: { ...env, BODY_MODE: 'memory' }, nodeFlags: PRODUCT_NODE_FLAGS }) },
          { name: 'node:http2 (memory)', tls: true, start: () => startServer(nodeH2, { env: { ...env, BODY_BYTES: '1024' } }) },
          ...(nginx === null ? [] : [{ name: 'nginx', tls: true, start: () => startNginx(nginx, { dir, certFile: dev.certFile, keyFile: dev.keyFile, root }, nginxHttp2Config) }]),
        ],
      },
      {
        name: 'h2 TLS 100 KiB (-c 10 -m 10)',
        path: '/100k.txt',
        load: { clients: 10, streams: 10 },
        servers: [
          { name: 'httpcraft (file)', tls: true, start: () => startServer(ours, { env: { ...env, BODY_MODE: 'file' }, nodeFlags: PRODUCT_NODE_FLAGS }) },
          { name: 'node:http2 (memory)', tls: true, start: () => startServer(nodeH2, { env: { ...env, BODY_BYTES: String(100 * 1024) } }) },
          ...(nginx === null ? [] : [{ name: 'nginx', tls: true, start: () => startNginx(nginx, { dir, certFile: dev.certFile, keyFile: dev.keyFile, root }, nginxHttp2Config) }]),
        ],
      },
      {
        name: 'h2c 1 KiB (-c 10 -m 10)',
        path: '/1k.txt',
        load: { clients: 10, streams: 10 },
        servers: [
          { name: 'httpcraft (file)', tls: false, start: () => startServer(ours, { env: { ...env, BODY_MODE: 'file', PLAIN: '1' }, nodeFlags: PRODUCT_NODE_FLAGS }) },
          { name: 'node:http2 (memory)', tls: false, start: () => startServer(nodeH2, { env: { ...env, BODY_BYTES: '1024', PLAIN: '1' } }) },
          ...(nginx === null ? [] : [{ name: 'nginx', tls: false, portOffset: 1, start: () => startNginx(nginx, { dir, certFile: dev.certFile, keyFile: dev.keyFile, root }, nginxHttp2Config) }]),
        ],
      },
      {
        name: 'HTTP/1.1 TLS 1 KiB (wrk -c 50)',
        path: '/1k.txt',
        wrk: true,
        servers: [
          { name: 'httpcraft (file)', tls: true, start: () => startServer(ours, { env: { ...env, BODY_MODE: 'file' }, nodeFlags: PRODUCT_NODE_FLAGS }) },
          ...(nginx === null ? [] : [{ name: 'nginx', tls: true, start: () => startNginx(nginx, { dir, certFile: dev.certFile, keyFile: dev.keyFile, root }, nginxHttp2Config) }]),
        ],
      },
    ];

    const summary = {};
    for (const c of cases) {
      if (only !== null && !c.name.startsWith(only)) continue;
      const best = {};
      for (let round = 0; round < rounds; round++) {
        for (const s of c.servers) {
          // A run that got no answer at all (seen now and then with nginx's TLS port right after
          // start) is retried once with a fresh server, and said so.
          for (let attempt = 0; attempt < 2; attempt++) {
            const server = await s.start();
            let r;
            try {
              const url = `${s.tls ? 'https' : 'http'}://127.0.0.1:${server.port + (s.portOffset ?? 0)}${c.path}`;
              if (c.wrk) {
                await runWrk(url, { connections: 50, duration: 2 });
                r = await measure(server.pid, url, { connections: 50, duration });
                r.protocol = 'http/1.1';
              } else r = await measureH2(server.pid, url, { ...c.load, duration });
              if (best[s.name] === undefined || r.rps > best[s.name].rps) best[s.name] = { ...r, rssMiB: peakRssMiB(server.pid) };
            } finally {
              await server.stop();
            }
            if (r.rps > 0) break;
            const log = join(dir, 'nginx-error.log');
            console.log(`${s.name}: no answers in this run${attempt === 0 ? ', retrying once' : ''}; h2load said:\n${r.raw.split('\n').filter((l) => /error|fail|protocol/i.test(l)).join('\n')}${s.name === 'nginx' && existsSync(log) ? `\nnginx error log: ${readFileSync(log, 'utf8').slice(-500)}` : ''}`);
          }
        }
      }
      const base = best.nginx;
      const node = best['node:http2 (memory)'];
      console.log(`\n== http2: ${c.name}, GET ${c.path}, ${duration}s, best of ${rounds} interleaved rounds; ${PINNING.replace('wrk', c.wrk ? 'wrk' : 'h2load')} ==`);
      table(
        c.servers.map((s) => {
          const r = best[s.name];
          return {
            server: s.name,
            protocol: r.protocol,
            'req/s': fmt(r.rps),
            'CPU us/req': fmt(r.cpuUsPerReq, 2),
            'peak RSS MiB': fmt(r.rssMiB, 1),
            errors: r.errors,
            'vs nginx': base === undefined ? 'n/a' : `${fmt(r.rps / base.rps, 2)}x`,
            'CPU vs nginx': base === undefined ? 'n/a' : `${fmt(base.cpuUsPerReq / r.cpuUsPerReq, 2)}x`,
            'vs node:http2': node === undefined ? 'n/a' : `${fmt(r.rps / node.rps, 2)}x`,
          };
        }),
      );
      summary[c.name] = best;
    }
    if (nginx === null) console.log('nginx is not installed (apt-get install -y nginx); only httpcraft and node:http2 were measured.');
    const tls1k = summary['h2 TLS 1 KiB (-c 10 -m 10)'];
    if (tls1k?.nginx !== undefined) {
      console.log(`h2 TLS 1 KiB: httpcraft / nginx = ${fmt(tls1k['httpcraft (file)'].rps / tls1k.nginx.rps, 2)}x (target >= 1.0x), httpcraft / node:http2 = ${fmt(tls1k['httpcraft (file)'].rps / tls1k['node:http2 (memory)'].rps, 2)}x (target >= 1.5x)`);
    }
    return summary;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opt = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const only = process.argv.find((a) => a.startsWith('--case='))?.split('=')[1] ?? null;
  await run({ duration: opt('duration', 10), rounds: opt('rounds', 2), only });
}
