// Instruction counts of the server on a fixed workload: repeatable where wall-clock figures on a
// shared machine are noise. The server runs under `valgrind --tool=callgrind` (only the server: the
// client is this process), answers exactly N keep-alive requests on one connection, then exits; the
// total Ir (instructions executed, start-up included) is printed per workload.
//
//   node bench/instructions.mjs [--n=20000] [--only=memory,static,close,big,big-cached,logged,tls,tls-full] [--out=DIR] [--delta] [--warm=W] [--trace-hub]
//
// --delta: each workload runs twice, at its count and at a fifth of it; the difference over the
// difference in requests (connections) is the cost of one without start-up, printed as Ir/req.
// --warm=W: W requests (connections) first with callgrind's counting off (V8 is still compiling hot
// code for the first ~10,000 connections, which a difference of two short runs would count), then
// the workload's count with it on (callgrind_control -i on): Ir/req is the steady state alone.
// --trace-hub: a TraceHub attached that nobody watches (as the CLI always runs): compare with and without.
//
// The server runs with the launcher's --max-semi-space-size=1 and V8's --predictable (one thread: no
// concurrent compilation or GC whose interleaving would move the count from run to run).
//
// memory: createServer with a handler answering a 1 KiB in-memory body (Response.end).
// static: the site handler on a 1 KiB cached file (Response.sendPrepared, the static fast path).
// close: the static workload with one request per connection (`Connection: close`), N/10 connections
//   one after another: accept, first response, close.
// big: the site handler on a 10 MiB file (streamed from disk), N/1000 keep-alive requests.
// big-cached: the same file from the memory cache (the default for a file up to 16 MiB from its
//   second request).
// tls: the static workload over TLS 1.3 (the ECDSA P-256 development certificate), N/20 new
//   connections one after another, each one `Connection: close` request, resuming the session the
//   previous connection was given (a ticket): what a returning HTTPS client costs.
// tls-full: the same with a full handshake each time (N/40 connections).
// tls-bare: the tls workload against a bare node:tls server (same certificate and ticket settings,
//   a prebuilt response, end()): what Node's TLS layer costs before any HTTP server runs.
// logged: the static workload with the CLI's default access log (common format, to stdout, which
//   is a file here as when the CLI's output is redirected), wired as cli-server.ts does.
// close-logged: the close workload with that access log (what `httpcraft` costs per connection).
// close-node: the close workload against a bare node:http server (1 KiB from memory): the baseline.
// close-net: the close workload against node:net answering a prebuilt response and closing: what
//   Node's socket layer costs before any HTTP server runs.
// close-nginx, tls-nginx: the close and tls workloads against nginx (one process: master_process
//   off; access_log off, sendfile on; the same certificate, its default session tickets), under the
//   same callgrind: the baseline of issue 20's targets, in instructions rather than a busy machine's
//   CPU time. Use --warm (a few hundred: nginx has no JIT, but its caches and pools fill).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const N = Number(args.n ?? 20_000);
const BODY = Buffer.alloc(1024, 'x');
const NODE_FLAGS = ['--max-semi-space-size=1', '--predictable'];

if (args.serve !== undefined) await serve(args.serve, Number(args.count));
else await main();

async function serve(kind, count) {
  if (kind === 'tls-bare') return serveBareTls(count);
  if (kind === 'close-node') return serveNodeHttp(count);
  if (kind === 'close-net') return serveBareNet(count);
  const { createServer } = await import('../dist/src/server/http-server.js');
  let handler;
  if (kind !== 'memory') {
    const { createSiteHandler } = await import('../dist/src/app/site.js');
    const { createConsoleLogger } = await import('../dist/src/log/logger.js');
    // big streams the file from disk (kept out of the memory cache, whose default now holds it from
    // its second request); big-cached is the default: from memory after the first two.
    handler = createSiteHandler({ documentRoot: realpathSync(args.root), showHiddenFiles: false, followSymlinks: false, logger: createConsoleLogger('ERROR'), ...(kind === 'big' ? { cacheFileMaxBytes: 1024 * 1024 } : {}) });
  } else {
    handler = (_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(BODY);
    };
  }
  let tls;
  if (kind.startsWith('tls')) {
    const { prepareHttps } = await import('../dist/src/tls/https.js');
    tls = (await prepareHttps({ certFile: args.cert, keyFile: args.key, pfxFile: null, password: null })).tls;
  }
  // --trace-hub: a TraceHub attached and nobody watching it, as the CLI always runs (issue 18: the
  // recording hooks must cost nothing then).
  const trace = args['trace-hub'] === undefined ? undefined : new (await import('../dist/src/trace/trace-hub.js')).TraceHub();
  const server = createServer({ handler, serverName: 'httpcraft', ...(tls === undefined ? {} : { tls }), ...(trace === undefined ? {} : { trace }) });
  let logger = null;
  if (kind === 'logged' || kind === 'close-logged') {
    const { createLogger } = await import('../dist/src/log/logger.js');
    const { accessEntry } = await import('../dist/src/log/formats.js');
    logger = createLogger({ level: 'INFO', format: 'common', console: process.stdout, color: false, consoleBatchMs: 50 }); // as cli-server.ts does when stdout is not a terminal
    server.on('response', (req, res) => logger.access(accessEntry(req, res, server.now(), false)));
  }
  let answered = 0;
  server.on('response', () => {
    if (++answered === count) void server.close(100).then(() => logger?.close()).then(() => process.exit(0));
  });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  process.stderr.write(`PORT ${address.port}\n`); // stdout may be the access log
}

async function main() {
  const dir = args.out ?? mkdtempSync(join(tmpdir(), 'httpcraft-ir-'));
  mkdirSync(dir, { recursive: true });
  const root = mkdtempSync(join(tmpdir(), 'httpcraft-ir-root-'));
  writeFileSync(join(root, 'file.txt'), BODY);
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(10 * 1024 * 1024, 1));
  const results = [];
  const { ensureDevCertificate } = await import('../dist/src/tls/self-signed.js');
  const cert = await ensureDevCertificate({ stateDir: join(root, '.state'), names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } });
  const tenth = Math.max(1, Math.round(N / 10));
  const COUNTS = { memory: N, static: N, logged: N, 'close-logged': tenth, 'close-node': tenth, 'close-net': tenth, 'close-nginx': tenth, 'tls-nginx': Math.max(1, Math.round(N / 20)), tls: Math.max(1, Math.round(N / 20)), 'tls-bare': Math.max(1, Math.round(N / 20)), 'tls-full': Math.max(1, Math.round(N / 40)), close: Math.max(1, Math.round(N / 10)), big: Math.max(1, Math.round(N / 1000)), 'big-cached': Math.max(1, Math.round(N / 1000)) };
  const kinds = args.only !== undefined ? args.only.split(',') : ['memory', 'static', 'close', 'big'];
  const runs = kinds.flatMap((kind) => (args.delta === undefined ? [{ kind, count: COUNTS[kind], tag: kind }] : [{ kind, count: Math.max(1, Math.round(COUNTS[kind] / 5)), tag: `${kind}.small` }, { kind, count: COUNTS[kind], tag: kind }]));
  for (const { kind, count, tag } of runs) {
    const out = join(dir, `callgrind.${tag}.out`);
    const logFd = openSync(join(dir, `access.${tag}.log`), 'w');
    const warm = Number(args.warm ?? 0);
    const nginx = kind.endsWith('-nginx') ? nginxCommand(root, dir, kind === 'tls-nginx' ? cert : null, await freePort()) : null;
    const command = nginx?.argv ?? [process.execPath, ...NODE_FLAGS, fileURLToPath(import.meta.url), `--serve=${kind}`, `--count=${count + warm}`, `--root=${root}`, `--cert=${cert.certFile}`, `--key=${cert.keyFile}`, ...(args['trace-hub'] === undefined ? [] : ['--trace-hub=1'])];
    const server = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, ...(warm > 0 ? ['--instr-atstart=no'] : []), ...command], { stdio: ['ignore', logFd, 'pipe'] });
    closeSync(logFd);
    let stderr = '';
    const port = nginx !== null ? await listening(nginx.port, server) : await new Promise((resolve, reject) => {
      server.stderr.on('data', (d) => {
        stderr += d;
        const m = /PORT (\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      server.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
    });
    const driveN = (n) => {
      if (kind.startsWith('close')) return driveClose(port, '/file.txt', n);
      if (kind.startsWith('tls')) return driveTls(port, '/file.txt', n, kind !== 'tls-full');
      return drive(port, kind === 'memory' ? '/' : kind.startsWith('big') ? '/big.bin' : '/file.txt', n);
    };
    if (warm > 0) {
      await driveN(warm);
      const on = spawnSync('callgrind_control', ['-i', 'on', String(server.pid)], { encoding: 'utf8' });
      if (on.status !== 0) throw new Error(`callgrind_control: ${on.stderr}`);
    }
    await driveN(count);
    if (nginx !== null) server.kill('SIGQUIT'); // graceful: it exits once idle (our servers exit by themselves)
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.on('exit', resolve)));
    if (kind === 'logged' || kind === 'close-logged') {
      const lines = readFileSync(join(dir, `access.${tag}.log`), 'latin1').split('\n').filter((l) => l.includes('"GET /file.txt HTTP/1.1" 200 1024')).length;
      if (lines !== count + warm) throw new Error(`logged: ${lines} access lines for ${count} requests`);
    }
    const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(out, 'latin1'));
    results.push({ workload: tag, kind, requests: count, Ir: Number(totals[1]), file: out, warm });
  }
  rmSync(root, { recursive: true, force: true }); // the docroot (a 10 MiB file among them); the profiles stay
  for (const r of results) console.log(`${r.workload}\t${r.requests} requests\tIr ${r.Ir.toLocaleString('en')}${r.warm > 0 ? `\tIr/req ${Math.round(r.Ir / r.requests).toLocaleString('en')} after ${r.warm} uncounted` : ''}\t(${r.file})`);
  if (args.delta !== undefined) {
    for (const kind of kinds) {
      const [small, large] = results.filter((r) => r.kind === kind);
      const per = (large.Ir - small.Ir) / (large.requests - small.requests);
      console.log(`${kind}\tIr/req ${Math.round(per).toLocaleString('en')}\t(${small.requests} → ${large.requests})`);
    }
  }
}

/** One keep-alive connection, one request at a time, N responses of a known Content-Length. */
function drive(port, path, n) {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ir-bench\r\nAccept: */*\r\n\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let received = 0;
    let buf = Buffer.alloc(0);
    let bodyLeft = 0; // of the response being read, past what buf holds (big bodies are counted, not kept)
    const next = () => {
      if (sent < n) {
        sent++;
        socket.write(request);
      }
    };
    socket.on('connect', next);
    socket.on('data', (chunk) => {
      if (bodyLeft > 0) {
        const used = Math.min(bodyLeft, chunk.length);
        bodyLeft -= used;
        chunk = chunk.subarray(used);
        if (bodyLeft > 0) return;
        if (++received === n) {
          socket.end();
          return resolve();
        }
        next();
      }
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 200')) return reject(new Error(`unexpected response: ${head}`));
        const length = Number(/content-length: *(\d+)/i.exec(head)[1]);
        if (buf.length < end + 4 + length) {
          bodyLeft = end + 4 + length - buf.length;
          buf = Buffer.alloc(0);
          return;
        }
        buf = buf.subarray(end + 4 + length);
        if (++received === n) {
          socket.end();
          return resolve();
        }
        next();
      }
    });
    socket.on('error', (e) => (received === n ? resolve() : reject(e)));
  });
}

/** n connections one after another, each with one `Connection: close` request, read to the server's close. */
async function driveClose(port, path, n) {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ir-bench\r\nAccept: */*\r\nConnection: close\r\n\r\n`, 'latin1');
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let head = '';
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk) => {
        if (head.length < 12) head += chunk.toString('latin1', 0, 12);
      });
      socket.on('end', () => socket.end());
      socket.on('close', () => (head.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`unexpected response: ${head}`))));
      socket.on('error', reject);
    });
  }
}

/** n TLS connections one after another, one `Connection: close` request each; resume: offer the
 * session the previous connection was given. */
async function driveTls(port, path, n, resume) {
  const { connect: tlsConnect } = await import('node:tls');
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ir-bench\r\nAccept: */*\r\nConnection: close\r\n\r\n`, 'latin1');
  let session;
  let resumed = 0;
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, noDelay: true, ...(resume && session ? { session } : {}) });
      let head = '';
      socket.on('session', (s) => (session = s));
      socket.on('secureConnect', () => {
        if (socket.isSessionReused()) resumed++;
        socket.write(request);
      });
      socket.on('data', (chunk) => {
        if (head.length < 12) head += chunk.toString('latin1', 0, 12);
      });
      socket.on('end', () => socket.end());
      socket.on('close', () => (head.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`unexpected response: ${head}`))));
      socket.on('error', reject);
    });
  }
  if (resume && resumed < n - 1) throw new Error(`only ${resumed} of ${n} TLS connections resumed`);
}

/** nginx in one process (no master, no daemon) serving root on port, over TLS with cert when given. */
function nginxCommand(root, dir, cert, port) {
  const ndir = mkdtempSync(join(dir, 'nginx-'));
  const conf = `master_process off;
daemon off;
pid ${ndir}/nginx.pid;
error_log ${ndir}/error.log warn;
events { worker_connections 1024; }
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
    listen 127.0.0.1:${port}${cert === null ? '' : ' ssl'};
    ${cert === null ? '' : `ssl_certificate ${cert.certFile};\n    ssl_certificate_key ${cert.keyFile};\n    ssl_protocols TLSv1.2 TLSv1.3;`}
    root ${root};
  }
}
`;
  writeFileSync(join(ndir, 'nginx.conf'), conf);
  return { port, argv: ['nginx', '-p', ndir, '-e', join(ndir, 'error.log'), '-c', join(ndir, 'nginx.conf')] };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with port once something accepts connections on it; rejects if the process exits first. */
async function listening(port, child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}) before listening`);
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** node:http answering the 1 KiB body from memory, as bench/servers/node-http.mjs does. */
async function serveNodeHttp(count) {
  const { createServer: createHttpServer } = await import('node:http');
  let answered = 0;
  const server = createHttpServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('Content-Length', BODY.length);
    res.end(BODY);
    if (++answered === count) res.on('close', () => server.close(() => process.exit(0)));
  });
  server.listen(0, '127.0.0.1', () => process.stderr.write(`PORT ${server.address().port}\n`));
}

/** node:net with a prebuilt response, closed once written: Node's socket layer and nothing else. */
async function serveBareNet(count) {
  const { createServer: createNetServer } = await import('node:net');
  const response = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY.toString('latin1')}`, 'latin1');
  let answered = 0;
  const server = createNetServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      if (chunk.indexOf('\r\n\r\n') === -1) return;
      // As httpcraft closes a connection with nothing unread: the bytes are in the kernel, close().
      socket.write(response);
      if (socket.writableLength === 0) socket.destroy();
      else socket.end();
      if (++answered === count) server.close(() => process.exit(0));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stderr.write(`PORT ${server.address().port}\n`));
}

async function serveBareTls(count) {
  const { createServer: createTlsServer } = await import('node:tls');
  const { prepareHttps } = await import('../dist/src/tls/https.js');
  const { tls } = await prepareHttps({ certFile: args.cert, keyFile: args.key, pfxFile: null, password: null });
  const response = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY.toString('latin1')}`, 'latin1');
  let answered = 0;
  const server = createTlsServer(tls, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      if (chunk.indexOf('\r\n\r\n') === -1) return;
      // As httpcraft closes a connection with nothing unread: the bytes are in the kernel, close().
      socket.write(response);
      if (socket.writableLength === 0) socket.destroy();
      else socket.end();
      if (++answered === count) server.close(() => process.exit(0));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stderr.write(`PORT ${server.address().port}\n`));
}
