// HTTP/2 served end to end, as clients see it: node:http2 (nghttp2) and curl against the real site
// handler over TLS (ALPN h2) and over h2c. Every feature of the site must work unchanged over the
// new protocol: files, listings, ranges, conditionals, compression, uploads, status, errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createServer, type HttpServer, type ServerOptions } from '../../src/server/http-server.ts';
import { createSiteHandler, type SiteOptions } from '../../src/app/site.ts';
import type { Handler } from '../../src/server/connection.ts';
import type { Request } from '../../src/server/request.ts';
import type { Response } from '../../src/server/response.ts';
import { makeTree, silentLogger, type Tree } from '../support/static-helpers.ts';
import { hasBinary, makeCert } from '../support/tls-helpers.ts';
import { closeSession, curl, h2connect, h2get, h2request } from '../support/h2-client.ts';

const cert = makeCert();
const TLS = { key: cert.keyPem, cert: cert.certPem };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const BIG = randomBytes(10 * 1024 * 1024);

interface Started {
  server: HttpServer;
  port: number;
  log: Array<{ method: string; path: string; version: string; status: number; bytes: number }>;
  close(): Promise<void>;
}

async function start(handler: Handler, options: Partial<ServerOptions> = {}): Promise<Started> {
  const server = createServer({ handler, serverName: 'httpcraft-test', ...options });
  const log: Started['log'] = [];
  server.on('response', (req: Request, res: Response) => log.push({ method: req.method, path: req.path, version: req.httpVersion, status: res.status, bytes: res.bodyBytes }));
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  return { server, port, log, close: () => server.close(500) };
}

async function site(tree: Tree, options: Partial<SiteOptions> = {}, server: Partial<ServerOptions> = { tls: TLS }): Promise<Started> {
  const handler = createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger, directoryListing: true, ...options });
  return start(handler, server);
}

const treeSpec = { 'index.html': '<!doctype html><title>home</title><p>hello</p>\n', 'styles.css': 'body { color: red; }\n'.repeat(200), 'sub/a.txt': 'a\n', 'big.bin': BIG };

test('over TLS a client that offers h2 gets the site over HTTP/2: files, HEAD, listing, ranges, 304, gzip, 404', async (t) => {
  const tree = await makeTree(treeSpec);
  const s = await site(tree);
  t.after(async () => {
    await s.close();
    await tree.cleanup();
  });
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  assert.equal(session.alpnProtocol, 'h2');

  const home = await h2get(session, '/');
  assert.equal(home.status, 200);
  assert.match(home.body.toString(), /<title>home<\/title>/);
  assert.equal(home.headers['server'], 'httpcraft-test');
  assert.ok(home.headers['date']);
  assert.equal(home.headers['content-length'], String(home.body.length));
  // RFC 9113 §8.2.2: no connection-specific field ever goes out over HTTP/2.
  for (const name of ['connection', 'keep-alive', 'transfer-encoding']) assert.equal(home.headers[name], undefined, name);

  const head = await h2get(session, '/styles.css', { ':method': 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String(treeSpec['styles.css'].length));

  const listing = await h2get(session, '/sub/');
  assert.equal(listing.status, 200);
  assert.match(listing.body.toString(), /a\.txt/);

  const range = await h2get(session, '/big.bin', { range: 'bytes=1000-1999' });
  assert.equal(range.status, 206);
  assert.equal(range.headers['content-range'], `bytes 1000-1999/${BIG.length}`);
  assert.ok(range.body.equals(BIG.subarray(1000, 2000)));

  const etag = String(home.headers['etag']);
  const again = await h2get(session, '/', { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);

  const gz = await h2get(session, '/styles.css', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.body).toString(), treeSpec['styles.css']);

  const missing = await h2get(session, '/nope');
  assert.equal(missing.status, 404);

  const whole = await h2get(session, '/big.bin');
  assert.equal(whole.status, 200);
  assert.equal(sha(whole.body), sha(BIG));

  // Every exchange reached the access log as HTTP/2.0, with the bytes the client got.
  assert.equal(s.log.length, 8);
  for (const e of s.log) assert.equal(e.version, '2.0');
  assert.equal(s.log.find((e) => e.path === '/big.bin' && e.status === 200)?.bytes, BIG.length);
  assert.equal(s.server.stats.http2.total, 1);
});

test('a large file from the memory cache over HTTP/2: whole, a 3 MiB range and HEAD, byte-exact', async (t) => {
  const tree = await makeTree(treeSpec);
  const handler = createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger });
  const s = await start(handler, { tls: TLS });
  t.after(async () => {
    await s.close();
    await tree.cleanup();
  });
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  await h2get(session, '/big.bin'); // a large file enters the cache on its second request
  await h2get(session, '/big.bin');
  assert.equal(handler.cacheStats().entries, 1);
  const whole = await h2get(session, '/big.bin');
  assert.equal(sha(whole.body), sha(BIG));
  const range = await h2get(session, '/big.bin', { range: 'bytes=1048576-4194303' });
  assert.equal(range.status, 206);
  assert.equal(sha(range.body), sha(BIG.subarray(1048576, 4194304)));
  const head = await h2request(session, { ':method': 'HEAD', ':path': '/big.bin' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(BIG.length));
  assert.equal(head.body.length, 0);
  assert.equal(handler.cacheStats().hits, 3);
});

test('many streams at once on one connection are answered concurrently and correctly', async (t) => {
  const tree = await makeTree(treeSpec);
  const s = await site(tree);
  t.after(async () => {
    await s.close();
    await tree.cleanup();
  });
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  const paths = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? '/big.bin' : i % 3 === 1 ? '/styles.css' : '/sub/a.txt'));
  const answers = await Promise.all(paths.map((p) => h2get(session, p)));
  answers.forEach((a, i) => {
    assert.equal(a.status, 200);
    const expected = paths[i] === '/big.bin' ? BIG : Buffer.from(paths[i] === '/styles.css' ? treeSpec['styles.css'] : 'a\n');
    assert.equal(sha(a.body), sha(expected), paths[i]);
  });
});

test('an upload over HTTP/2 lands byte-exact (PUT and multipart), and a body over the limit gets 413', async (t) => {
  const tree = await makeTree({ 'uploads/': '' });
  const s = await site(tree, { uploads: { enabled: true, uploadDir: tree.path('uploads'), limits: { maxUploadSize: 8 * 1024 * 1024 } } }, { tls: TLS, limits: { maxBodyBytes: Number.MAX_SAFE_INTEGER } });
  t.after(async () => {
    await s.close();
    await tree.cleanup();
  });
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const put = await h2request(session, { ':method': 'PUT', ':path': '/uploads/data.bin', 'content-type': 'application/octet-stream' }, data);
  assert.ok(put.status === 201 || put.status === 204, `PUT answered ${put.status}: ${put.body.toString()}`);
  assert.equal(sha(await readFile(tree.path('uploads/data.bin'))), sha(data));

  const boundary = 'h2boundary';
  const file = randomBytes(200_000);
  const form = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="profile_picture"; filename="pic.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const post = await h2request(session, { ':method': 'POST', ':path': '/submit', 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json' }, form);
  assert.equal(post.status, 201, post.body.toString());
  const stored = JSON.parse(post.body.toString()) as { files: Array<{ path?: string; name?: string; url?: string }> };
  assert.ok(stored.files.length === 1);

  const tooBig = await h2request(session, { ':method': 'PUT', ':path': '/uploads/huge.bin' }, randomBytes(9 * 1024 * 1024));
  assert.equal(tooBig.status, 413);
  // The connection is still good after the refused body.
  const after = await h2request(session, { ':method': 'PUT', ':path': '/uploads/small.txt' }, 'small');
  assert.ok(after.status === 201 || after.status === 204);
});

test('request-body backpressure: a handler that does not read holds the client to its window', async (t) => {
  let started!: () => void;
  const reading = new Promise<void>((r) => (started = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const s = await start(
    async (req, res) => {
      started();
      await gate; // nothing read until released
      const body = await req.buffer(64 * 1024 * 1024);
      res.send(200, sha(body));
    },
    { http2Cleartext: true, limits: { maxBodyBytes: Number.MAX_SAFE_INTEGER } },
  );
  t.after(() => s.close());
  let serverSocketRead = (): number => 0;
  s.server.on('connection', (socket) => (serverSocketRead = () => socket.bytesRead));
  const session = await h2connect(`http://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  const body = randomBytes(8 * 1024 * 1024);
  const answer = h2request(session, { ':method': 'POST', ':path': '/' }, body);
  await reading;
  await new Promise((r) => setTimeout(r, 400));
  // The stream window (256 KiB) bounds what the client could send while nobody read; 8 MiB were offered.
  assert.ok(serverSocketRead() < 400 * 1024, `server read ${serverSocketRead()} bytes while the handler read nothing`);
  release();
  const done = await answer;
  assert.equal(done.body.toString(), sha(body));
});

test('h2c: prior knowledge and Upgrade: h2c on the plain port, beside HTTP/1.1', { skip: hasBinary('curl') ? false : 'curl is not installed' }, async (t) => {
  const tree = await makeTree(treeSpec);
  const s = await site(tree, {}, { http2Cleartext: true });
  t.after(async () => {
    await s.close();
    await tree.cleanup();
  });
  const base = `http://127.0.0.1:${s.port}`;
  const prior = await curl(['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${base}/`]);
  assert.equal(prior.stdout, '2 200', prior.stderr);
  const upgraded = await curl(['-sS', '--http2', '-w', '\n%{http_version} %{http_code}', `${base}/sub/a.txt`]);
  assert.equal(upgraded.stdout, 'a\n\n2 200', upgraded.stderr);
  const plain = await curl(['-sS', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${base}/`]);
  assert.equal(plain.stdout, '1.1 200');
  const session = await h2connect(base);
  t.after(() => closeSession(session));
  const r = await h2get(session, '/big.bin', { range: 'bytes=-100' });
  assert.equal(r.status, 206);
  assert.ok(r.body.equals(BIG.subarray(BIG.length - 100)));
  const versions = s.log.map((e) => e.version);
  assert.deepEqual(versions, ['2.0', '2.0', '1.1', '2.0'], 'the upgraded request is logged once, as HTTP/2.0');
  assert.equal(s.server.stats.http2.total, 3);
});

test('h2c is off unless asked: the preface on a plain port is not HTTP/1.1 and is refused', async (t) => {
  const s = await start((_req, res) => res.send(200, 'ok'));
  t.after(() => s.close());
  const answer = await new Promise<string>((resolve) => {
    const socket = netConnect(s.port, '127.0.0.1', () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', () => resolve(got));
  });
  assert.match(answer, /^HTTP\/1\.1 505 /);
});

test('curl --http2 over TLS answers over HTTP/2, and http2: false keeps HTTPS on HTTP/1.1', { skip: hasBinary('curl') ? false : 'curl is not installed' }, async (t) => {
  const tree = await makeTree(treeSpec);
  const on = await site(tree);
  const off = await site(tree, {}, { tls: TLS, http2: false });
  t.after(async () => {
    await on.close();
    await off.close();
    await tree.cleanup();
  });
  const a = await curl(['-sSk', '--http2', '-o', '/dev/null', '-w', '%{http_version}', `https://127.0.0.1:${on.port}/`]);
  assert.equal(a.stdout, '2', a.stderr);
  const b = await curl(['-sSk', '--http2', '-o', '/dev/null', '-w', '%{http_version}', `https://127.0.0.1:${off.port}/`]);
  assert.equal(b.stdout, '1.1', b.stderr);
});

test('a handler that throws gets its stream a 500; a stream the client resets is logged 499; others go on', async (t) => {
  let resetSeen!: (res: Response) => void;
  const cut = new Promise<Response>((r) => (resetSeen = r));
  const s = await start(
    async (req, res) => {
      if (req.path === '/throw') throw new Error('boom');
      if (req.path === '/slow') {
        res.setHeader('content-type', 'application/octet-stream');
        const chunk = Buffer.alloc(64 * 1024, 1);
        for (let i = 0; i < 1000 && !res.aborted; i++) if (!res.write(chunk)) await res.drained();
        res.end();
        return;
      }
      res.send(200, `ok ${req.path}`);
    },
    { tls: TLS },
  );
  s.server.on('response', (req, res) => req.path === '/slow' && resetSeen(res));
  const errors: unknown[] = [];
  s.server.on('error', (e) => errors.push(e));
  t.after(() => s.close());
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  const thrown = await h2get(session, '/throw');
  assert.equal(thrown.status, 500);
  assert.equal(errors.length, 1);
  const slow = session.request({ ':path': '/slow' });
  await new Promise<void>((r) => slow.once('data', () => r()));
  slow.close(0x8); // RST_STREAM CANCEL
  const res = await cut;
  assert.equal(res.status, 499);
  assert.ok(res.bodyBytes > 0 && res.bodyBytes < 1000 * 64 * 1024);
  const fine = await h2get(session, '/after');
  assert.equal(fine.body.toString(), 'ok /after');
});

test('graceful shutdown: GOAWAY, the response in flight completes, then the connection closes', async (t) => {
  let inFlight!: () => void;
  const arrived = new Promise<void>((r) => (inFlight = r));
  const s = await start(
    async (req, res) => {
      if (req.path !== '/slow') return res.send(200, 'quick');
      inFlight();
      await new Promise((r) => setTimeout(r, 300));
      res.send(200, 'finished after shutdown began');
    },
    { tls: TLS },
  );
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  let goaway = false;
  session.on('goaway', () => (goaway = true));
  const slow = h2get(session, '/slow');
  await arrived;
  const closing = s.server.close(5000);
  const answer = await slow;
  assert.equal(answer.body.toString(), 'finished after shutdown began');
  await closing;
  assert.ok(goaway, 'the client was sent GOAWAY');
  for (let i = 0; i < 100 && s.server.stats.open > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.server.stats.open, 0);
});

test('an idle HTTP/2 connection is closed with GOAWAY after keep_alive_timeout', async (t) => {
  const s = await start((_req, res) => res.send(200, 'ok'), { tls: TLS, timeouts: { keepAliveTimeoutMs: 300, headersTimeoutMs: 1000 } });
  t.after(() => s.close());
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  await h2get(session, '/');
  const started = Date.now();
  await new Promise<void>((resolve) => session.once('goaway', () => resolve()));
  assert.ok(Date.now() - started < 3000);
  await new Promise<void>((resolve) => (session.closed ? resolve() : session.once('close', () => resolve())));
});

test('Expect: 100-continue over HTTP/2 gets an interim 100 once the body is read; 103 Early Hints pass through', async (t) => {
  const s = await start(
    async (req, res) => {
      if (req.path === '/hints') {
        res.inform(103, { link: '</styles.css>; rel=preload; as=style' });
        return res.send(200, 'hinted');
      }
      res.send(200, `got ${(await req.buffer()).length}`);
    },
    { tls: TLS },
  );
  t.after(() => s.close());
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  const continued = await new Promise<{ cont: boolean; body: string }>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/', expect: '100-continue' }, { endStream: false });
    let cont = false;
    stream.on('continue', () => {
      cont = true;
      stream.end('twelve bytes');
    });
    let body = '';
    stream.on('data', (d: Buffer) => (body += d.toString()));
    stream.on('end', () => resolve({ cont, body }));
    stream.on('error', reject);
  });
  assert.deepEqual(continued, { cont: true, body: 'got 12' });
  const hints = await new Promise<{ info: Array<Record<string, unknown>>; body: string }>((resolve, reject) => {
    const stream = session.request({ ':path': '/hints' });
    const info: Array<Record<string, unknown>> = [];
    stream.on('headers', (h) => info.push(h));
    let body = '';
    stream.on('data', (d: Buffer) => (body += d.toString()));
    stream.on('end', () => resolve({ info, body }));
    stream.on('error', reject);
  });
  assert.equal(hints.info[0]?.[':status'], 103);
  assert.equal(hints.info[0]?.['link'], '</styles.css>; rel=preload; as=style');
  assert.equal(hints.body, 'hinted');
});

test('timeouts carry over: a body that does not come gets 408, a client that does not read is cut', async (t) => {
  const s = await start(
    async (req, res) => {
      if (req.path === '/upload') return res.send(200, `got ${(await req.buffer()).length}`);
      res.setHeader('content-type', 'application/octet-stream');
      const chunk = Buffer.alloc(64 * 1024, 2);
      for (let i = 0; i < 200 && !res.aborted; i++) if (!res.write(chunk)) await res.drained();
      res.end();
    },
    { tls: TLS, timeouts: { requestTimeoutMs: 400, writeStallTimeoutMs: 400 } },
  );
  const statuses: number[] = [];
  s.server.on('response', (_req, res) => statuses.push(res.status));
  t.after(() => s.close());
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  // Headers without END_STREAM, then nothing: the body never arrives.
  const waited = await new Promise<number>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/upload' }, { endStream: false });
    stream.on('response', (h) => resolve(Number(h[':status'])));
    stream.on('error', reject);
  });
  assert.equal(waited, 408);
  // A stream the client pauses: its window (node's default 64 KiB) fills and stays shut.
  const stalled = await new Promise<{ code: number; got: number }>((resolve) => {
    const stream = session.request({ ':path': '/big' });
    let got = 0;
    stream.once('data', (d: Buffer) => {
      got += d.length;
      stream.pause();
    });
    stream.on('close', () => resolve({ code: stream.rstCode ?? -1, got }));
  });
  assert.equal(stalled.code, 0x8, 'reset with CANCEL after the write-stall timeout');
  assert.ok(statuses.includes(408));
  // The connection itself goes on.
  const after = await h2request(session, { ':method': 'POST', ':path': '/upload' }, 'abc');
  assert.equal(after.body.toString(), 'got 3');
});

test('the connection cap counts HTTP/2 connections; one over it is refused with GOAWAY, not HTTP/1.1 bytes', async (t) => {
  const s = await start((_req, res) => res.send(200, 'ok'), { tls: TLS, maxConnections: 1 });
  t.after(() => s.close());
  const first = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(first));
  assert.equal((await h2get(first, '/')).body.toString(), 'ok');
  const second = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(second));
  second.on('error', () => {}); // node:http2 reports a GOAWAY with an error code as a session error too
  const code = await new Promise<number>((resolve) => second.once('goaway', (c: number) => resolve(c)));
  assert.equal(code, 0x7); // REFUSED_STREAM
  assert.equal(s.server.stats.refused, 1);
  assert.equal(s.server.stats.http2.open, 1);
});

test('the status page over HTTP/2: counts by protocol, HTTP/2 connections and open streams, in JSON and /metrics', async (t) => {
  const { StatusRecorder } = await import('../../src/status/metrics.ts');
  const tree = await makeTree(treeSpec);
  const recorder = new StatusRecorder({ name: 'httpcraft-test' });
  const handler = createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger, status: { recorder, statusPath: '/server-status', metricsPath: '/metrics' } });
  const s = await start(handler, { tls: TLS });
  recorder.attach(s.server);
  t.after(async () => {
    recorder.close();
    await s.close();
    await tree.cleanup();
  });
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  await Promise.all([h2get(session, '/'), h2get(session, '/styles.css'), h2get(session, '/nope')]);
  const json = JSON.parse((await h2get(session, '/server-status?format=json', { accept: 'application/json' })).body.toString()) as {
    requests: { byProtocol: Record<string, number> };
    connections: { http2: { active: number; total: number; streams: number } };
  };
  assert.deepEqual(json.requests.byProtocol, { 'HTTP/1.0': 0, 'HTTP/1.1': 0, 'HTTP/2.0': 3 });
  // The snapshot is made while its own stream is open.
  assert.deepEqual(json.connections.http2, { active: 1, total: 1, streams: 1 });
  const metrics = (await h2get(session, '/metrics')).body.toString();
  assert.match(metrics, /^httpcraft_http_protocol_requests_total\{protocol="HTTP\/2\.0"\} 4$/m);
  assert.match(metrics, /^httpcraft_http2_connections_active 1$/m);
  assert.match(metrics, /^httpcraft_http2_streams_open 1$/m);
});
