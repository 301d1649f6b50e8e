// Issue 20's TLS case: new TLS connections per second, each one GET of a 1 KiB file with
// `Connection: close`, httpcraft (the API server, site handler) against nginx (one worker, access
// log off, its defaults otherwise: session tickets on) with the same certificate, in the same run.
// Handshakes: full (no session offered) and resumed (the client offers the session it was last
// given: a TLS 1.3 ticket), for an ECDSA P-256 certificate (what `--ssl` generates) and an RSA
// 2048 one. Servers on CPU 0, the client (bench/tls-client.mjs, 8 connections at a time) on CPU 1;
// rounds alternate between servers. Reported: connections/s, server CPU per connection (the
// figure that holds when the client is the bottleneck) and the ratios to nginx.
//
//   npm run build && node bench/tls-handshake.mjs [--rounds=3] [--round-seconds=4] [--certs=ecdsa,rsa]
//   (BASELINE_HTTPS_SERVER=…/bench/servers/ours-https.mjs of an older build: that build in the same rounds)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_DIR, PRODUCT_NODE_FLAGS, cpuMs, fmt, freePort, median, startServer, stopProcess, table } from './lib.mjs';

const HAVE_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

async function listening(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

async function startNginx(dir, root, cert) {
  const port = await freePort();
  const ndir = mkdtempSync(join(dir, 'nginx-'));
  const asRoot = process.getuid?.() === 0;
  writeFileSync(
    join(ndir, 'nginx.conf'),
    `${asRoot ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${ndir}/nginx.pid;
error_log ${ndir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${ndir}/body;
  proxy_temp_path ${ndir}/proxy;
  fastcgi_temp_path ${ndir}/fastcgi;
  uwsgi_temp_path ${ndir}/uwsgi;
  scgi_temp_path ${ndir}/scgi;
  types { text/plain txt; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${cert.certFile};
    ssl_certificate_key ${cert.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    root ${root};
  }
}
`,
  );
  const args = ['-p', ndir, '-e', join(ndir, 'error.log'), '-c', join(ndir, 'nginx.conf')];
  const child = HAVE_TASKSET ? spawn('taskset', ['-c', '0', 'nginx', ...args], { stdio: 'ignore' }) : spawn('nginx', args, { stdio: 'ignore' });
  await listening(port);
  const master = Number(readFileSync(join(ndir, 'nginx.pid'), 'utf8'));
  const worker = Number(readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/)[0]);
  return {
    port,
    pid: worker,
    stop: () => stopProcess(child, 'SIGQUIT', 3000),
  };
}

function runClient(port, mode, seconds) {
  return new Promise((resolve, reject) => {
    const script = join(BENCH_DIR, 'tls-client.mjs');
    const env = { ...process.env, PORT: String(port), MODE: mode, SECONDS: String(seconds), PATH_TO_GET: '/1k.txt' };
    const child = HAVE_TASKSET ? spawn('taskset', ['-c', '1', process.execPath, script], { env }) : spawn(process.execPath, [script], { env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (error) {
        reject(new Error(`tls client: ${out} (${error.message})`));
      }
    });
  });
}

export async function run({ duration = 10, rounds = 3, roundSeconds, certs = 'ecdsa,rsa' } = {}) {
  const seconds = Number(roundSeconds ?? Math.max(2, Math.round(Number(duration) / 2.5)));
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-bench-tls-'));
  chmodSync(dir, 0o755);
  const root = join(dir, 'root');
  mkdirSync(root, { mode: 0o755 });
  writeFileSync(join(root, '1k.txt'), Buffer.alloc(1024, 'x'), { mode: 0o644 });
  const { ensureDevCertificate } = await import(pathToFileURL(join(BENCH_DIR, '../dist/src/tls/self-signed.js')).href);
  const CERTS = {
    ecdsa: async () => ensureDevCertificate({ stateDir: join(dir, 'state'), names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } }),
    rsa: async () => {
      const certFile = join(dir, 'rsa-cert.pem');
      const keyFile = join(dir, 'rsa-key.pem');
      const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
      chmodSync(keyFile, 0o644);
      return { certFile, keyFile };
    },
  };
  const rows = [];
  try {
    for (const certName of String(certs).split(',')) {
      const cert = await CERTS[certName]();
      // httpcraft's HTTPS bench server (this build's, or an older one's script) on this certificate.
      const ours = (script = join(BENCH_DIR, 'servers/ours-https.mjs'), extraFlags = []) =>
        startServer(script, { env: { CERT_FILE: cert.certFile, KEY_FILE: cert.keyFile, DOC_ROOT: root, BODY_MODE: 'file' }, nodeFlags: [...PRODUCT_NODE_FLAGS, ...extraFlags] });
      const servers = [
        { name: 'httpcraft', start: () => ours() },
        { name: 'nginx', start: () => startNginx(dir, root, cert) },
      ];
      // BASELINE_HTTPS_SERVER=path/to/an/older/build's bench/servers/ours-https.mjs adds that build to
      // the same rounds: before and after a change, measured together.
      if (process.env.BASELINE_HTTPS_SERVER) servers.unshift({ name: 'httpcraft before', start: () => ours(process.env.BASELINE_HTTPS_SERVER) });
      // VARIANT_NODE_FLAGS="--flag …" adds httpcraft started with those node flags besides the launcher's:
      // a V8 or Node flag measured in the same rounds before the launcher adopts it.
      if (process.env.VARIANT_NODE_FLAGS) servers.splice(1, 0, { name: `httpcraft ${process.env.VARIANT_NODE_FLAGS}`, start: () => ours(undefined, process.env.VARIANT_NODE_FLAGS.split(/\s+/).filter(Boolean)) });
      const up = [];
      try {
        for (const s of servers) up.push({ ...s, server: await s.start() });
        for (const mode of ['full', 'resume']) {
          for (const s of up) await runClient(s.server.port, mode, 1); // warm-up
          const per = new Map(up.map((s) => [s.name, []]));
          for (let r = 0; r < Number(rounds); r++) {
            for (let i = 0; i < up.length; i++) {
              const s = up[(i + r) % up.length];
              const load = loadavg()[0];
              const before = cpuMs(s.server.pid);
              const c = await runClient(s.server.port, mode, seconds);
              const cpu = cpuMs(s.server.pid) - before;
              per.get(s.name).push({ cps: c.connections / c.seconds, cpuUs: (cpu * 1000) / c.connections, resumedShare: c.resumed / Math.max(1, c.connections), errors: c.errors, load });
            }
          }
          const base = per.get('nginx');
          for (const s of up) {
            const rs = per.get(s.name);
            const m = (k) => median(rs.map((x) => x[k]));
            rows.push({
              cert: certName === 'ecdsa' ? 'ECDSA P-256' : 'RSA 2048',
              handshake: mode === 'full' ? 'full' : 'resumed (ticket)',
              server: s.name,
              'conn/s': fmt(m('cps')),
              'CPU us/conn': fmt(m('cpuUs'), 0),
              resumed: `${fmt(100 * m('resumedShare'), 0)}%`,
              'vs nginx conn/s': `${fmt(median(rs.map((x, i) => x.cps / base[i].cps)), 2)}x`,
              'vs nginx CPU': `${fmt(median(rs.map((x, i) => base[i].cpuUs / x.cpuUs)), 2)}x`,
              load: fmt(m('load'), 2),
              errors: rs.reduce((a, x) => a + x.errors, 0),
            });
          }
        }
      } finally {
        await Promise.all(up.map((s) => s.server.stop()));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n== tls-handshake: new TLS connections (TLS 1.3), one GET /1k.txt each (Connection: close), 8 at a time; ${rounds} alternating rounds of ${seconds}s (medians); server CPU 0, client CPU 1; "vs nginx CPU" = nginx's CPU per connection / ours ==`);
  table(rows);
  return { rows };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  await run({ ...(args.rounds ? { rounds: args.rounds } : {}), ...(args['round-seconds'] ? { roundSeconds: args['round-seconds'] } : {}), ...(args.certs ? { certs: args.certs } : {}) });
}
