// Every decision of the catalogue (src/trace/decisions.ts) is reached by a request that triggers it,
// over a real socket, with a TraceHub watching: the record's decisions hold that code with the
// expected sentence and source. The coverage test fails when an entry has no case here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { mkdtemp, realpath, rm, writeFile, mkdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TraceHub } from '../../src/trace/trace-hub.ts';
import type { TraceRecord } from '../../src/trace/exchange-trace.ts';
import { DECISIONS, type DecisionCode } from '../../src/trace/decisions.ts';
import { createServer, type HttpServer, type ServerOptions } from '../../src/server/http-server.ts';
import type { Handler } from '../../src/server/connection.ts';
import type { Request } from '../../src/server/request.ts';
import { createSiteHandler, type SiteHandler, type SiteOptions } from '../../src/app/site.ts';
import type { Middleware } from '../../src/app/pipeline.ts';
import { StatusRecorder } from '../../src/status/metrics.ts';
import { hashPassword } from '../../src/access/password-hash.ts';
import { makeCert } from '../support/tls-helpers.ts';
import { silentLogger } from '../support/static-helpers.ts';
import { rawUpstream, httpUpstream, routes, recordingLogger, type Upstream } from '../support/proxy-helpers.ts';

// ---- watching ----

const hub = new TraceHub();
const records: TraceRecord[] = [];
const unsubscribe = hub.subscribe((r) => records.push(r));
after(unsubscribe);

const open: Socket[] = [];
const servers: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of open) s.destroy();
  for (const close of servers.reverse()) await close();
});

async function listen(options: Partial<ServerOptions> & { handler: Handler }): Promise<{ server: HttpServer; port: number }> {
  const server = createServer({ serverName: 'httpcraft-test', trace: hub, ...options });
  const port = ((await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo).port;
  servers.push(() => server.close(200));
  return { server, port };
}

/** Opens a connection and writes `data` (pieces in order); the socket is closed when the case ends. */
function send(port: number, ...data: Array<string | Buffer>): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.on('data', () => {});
  for (const d of data) socket.write(d);
  open.push(socket);
  return socket;
}

/** One request on its own connection; the response's head and body as text, once the server closes. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
    socket.setTimeout(5000, () => socket.destroy());
    socket.end(request);
  });
}

const field = (response: string, name: string): string => new RegExp(`^${name}: *([^\\r\\n]*)`, 'im').exec(response)?.[1] ?? '';

const get = (path: string, extra = '', version = '1.1'): string => `GET ${path} HTTP/${version}\r\nHost: test\r\n${extra}\r\n`;
const closing = (method: string, path: string, extra = ''): string => `${method} ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${extra}\r\n`;

interface Expected {
  code: DecisionCode;
  text: string;
  source: string;
}

/** Waits (bounded) for a record holding the decision; fails naming what was recorded instead. */
async function seen(expected: Expected, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = records.flatMap((r) => r.decisions);
    const hit = all.find((d) => d.code === expected.code && d.text === expected.text);
    if (hit !== undefined) {
      assert.equal(hit.source, expected.source, `${expected.code}: source`);
      return;
    }
    if (Date.now() > deadline) {
      const same = all.filter((d) => d.code === expected.code).map((d) => `${d.text} [${d.source}]`);
      assert.fail(`no decision ${expected.code} "${expected.text}"; recorded with that code: ${JSON.stringify(same)}; all: ${JSON.stringify(records.map((r) => [r.status, r.target, r.decisions.map((d) => d.code)]))}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---- servers ----

// The engine: a handler per path, no site in front (so a throw reaches the engine as a failure).
let releaseSlow: () => void = () => {};
const engineHandler: Handler = async (req, res) => {
  switch (req.path) {
    case '/stream':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('a');
      res.end('b');
      return;
    case '/empty':
      res.writeHead(204).end();
      return;
    case '/close':
      res.setHeader('Connection', 'close');
      res.send(200, 'bye\n');
      return;
    case '/echo':
      res.send(200, await req.text());
      return;
    case '/fail':
      throw new Error('planned failure');
    case '/switch':
      res.switchProtocols({ Upgrade: 'shout' }, (socket) => {
        socket.end();
        return { shutdown: () => socket.end() };
      });
      return;
    case '/slow':
      await new Promise<void>((resolve) => (releaseSlow = resolve));
      res.send(200, 'late\n');
      return;
    default:
      res.send(200, 'ok\n');
  }
};
const engine = await listen({ handler: engineHandler });
const timeouts = await listen({ handler: engineHandler, timeouts: { headersTimeoutMs: 200, requestTimeoutMs: 300 } });
const h2c = await listen({ handler: engineHandler, http2Cleartext: true });
const cert = makeCert({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
const tls = await listen({ handler: engineHandler, tls: { cert: cert.certPem, key: cert.keyPem } });

// The site: files, CORS, the status page, access rules and a rate limit on paths of their own.
const BIG_CSS = 'body { color: red; }\n'.repeat(100); // 2100 bytes, compressible
const root = await realpath(await mkdtemp(join(tmpdir(), 'httpcraft-decisions-')));
const outside = await realpath(await mkdtemp(join(tmpdir(), 'httpcraft-decisions-out-')));
after(() => Promise.all([rm(root, { recursive: true, force: true }), rm(outside, { recursive: true, force: true })]));
const files: Record<string, string | Buffer> = {
  'a.txt': 'hello',
  'fresh.txt': 'first asked for in one case only',
  'fresh.css': 'p{}',
  'big.css': BIG_CSS,
  'small.css': 'p{}',
  'image.png': Buffer.alloc(2000, 7),
  'large.bin': Buffer.alloc(8192, 1),
  '.secret': 'hidden',
  'config.json': '{}',
  'folder/index.html': '<p>index</p>',
  'nolist/x.txt': 'x',
  'about.html': 'about',
  'index.html': '<p>home</p>',
  'uploads/taken.txt': 'first',
  'secret/plans.txt': 'plans',
  'nobody/x.txt': 'x',
  'limited/x.txt': 'x',
};
for (const [rel, content] of Object.entries(files)) {
  await mkdir(join(root, rel, '..'), { recursive: true });
  await writeFile(join(root, rel), content);
}
await writeFile(join(root, 'pre.js'), 'let a = 1;\n');
await writeFile(join(root, 'pre.js.gz'), gzipSync('let a = 1;\n'));
const later = new Date(Date.now() + 1000);
await utimes(join(root, 'pre.js.gz'), later, later);
await writeFile(join(outside, 'elsewhere.txt'), 'outside');
const { symlink } = await import('node:fs/promises');
await symlink(join(outside, 'elsewhere.txt'), join(root, 'out.txt'));

/** Pretends the client comes from the address in X-Test-Peer (the tests only connect over loopback). */
const fakePeer: Middleware = (req, _res, next) => {
  const peer = req.header('x-test-peer');
  if (peer !== undefined) Object.defineProperty(req, 'remoteAddress', { value: peer });
  return next();
};
const recorder = new StatusRecorder({ name: 'httpcraft-test', version: '0.0.0' });
after(() => recorder.close());
const base: SiteOptions = { documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger };
async function site(options: Partial<SiteOptions>, server: Partial<ServerOptions> = {}): Promise<number> {
  const handler: SiteHandler = createSiteHandler({ ...base, ...options });
  const { port } = await listen({ ...server, handler });
  servers.push(() => handler.close());
  return port;
}
const siteA = await site({
  neverServe: { files: [join(root, 'config.json')] },
  cacheFileMaxBytes: 4096,
  enableCors: true,
  corsAllowOrigin: ['https://good.example'],
  middleware: [fakePeer],
  status: { recorder },
  access: {
    users: [{ name: 'alice', password_hash: await hashPassword('alice-pw', 4) }],
    rules: [
      { path: '/secret/**', read: ['alice'] },
      { path: '/nobody/**', read: [] },
    ],
    realm: 'test',
    maxFailures: 1,
  },
  rateLimit: { rules: [{ name: 'tight', path: '/limited/**', per: 'ip', rate: '1/hour', burst: 1 }], store: 'memory', fail: 'open', timeoutMs: 1000, maxKeys: 100, share: 1 },
});
// A second site: listings, no cache, no compression, and the site rules.
const siteB = await site({
  directoryListing: true,
  enableCache: false,
  enableCompression: false,
  enableBrowserCaching: false,
  siteRules: {
    redirects: [{ from: '/old', to: '/a.txt', status: 301 }],
    rewrites: [{ from: '/alias', to: '/a.txt' }],
    headers: [{ path: '/a.txt', headers: { 'X-Extra': 'yes' } }],
    cleanUrls: true,
    fallback: 'index.html',
  },
  cacheControl: [{ pattern: '*.css', value: 'max-age=60' }],
});
const uploads = await site({ uploads: { enabled: true, limits: { maxUploadSize: 10 } } });

// The proxy: a garbage-speaking backend, a good one, a silent one, and a closed port.
const upstreams: Upstream[] = [];
after(async () => {
  for (const u of upstreams) await u.close();
});
const garbage = await rawUpstream((socket) => socket.end('this is not HTTP\r\n\r\n'));
const good = await httpUpstream();
const silent = await rawUpstream(() => {});
upstreams.push(garbage, good, silent);
const closedPort = await (async () => {
  const u = await rawUpstream(() => {});
  await u.close();
  return u.port;
})();
const proxyHandler = createSiteHandler({
  ...base,
  logger: recordingLogger(),
  proxy: routes([
    { path: '/retry/', to: [garbage.url, good.url], strategy: 'round_robin' },
    { path: '/retry2/', to: [`http://127.0.0.1:${closedPort}`, good.url], strategy: 'round_robin' },
    { path: '/bad/', to: [garbage.url] },
    { path: '/slow/', to: [silent.url], timeout: 1 },
    { path: '/down/', to: [`http://127.0.0.1:${closedPort}`], max_fails: 1, fail_timeout: 60 },
  ]),
});
servers.push(() => proxyHandler.close());
const proxy = (await listen({ handler: proxyHandler })).port;

function h2session(url: string, options: Parameters<typeof h2connect>[1] = {}): ClientHttp2Session {
  const session = h2connect(url, options);
  session.on('error', () => {});
  servers.push(async () => void session.destroy());
  return session;
}

function h2get(session: ClientHttp2Session, path: string): Promise<void> {
  return new Promise((resolve) => {
    const stream = session.request({ ':path': path });
    stream.on('error', () => resolve());
    stream.on('data', () => {});
    stream.on('end', () => resolve());
    stream.end();
  });
}

// ---- the cases: one or more per catalogue code ----

interface Case extends Expected {
  run: () => Promise<unknown> | void;
}

const ETAG_OF_A = async (): Promise<string> => field(await exchange(siteA, closing('GET', '/a.txt')), 'ETag');
const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

const CASES: Case[] = [
  // framing and the connection
  { code: 'length', text: 'Content-Length: 3, the body was known in full before it was sent', source: 'RFC 9112 §6.2', run: () => exchange(engine.port, closing('GET', '/')) },
  { code: 'chunked', text: 'chunked: body length unknown and the client speaks 1.1', source: 'RFC 9112 §7.1', run: () => exchange(engine.port, closing('GET', '/stream')) },
  { code: 'close-delimited', text: 'close-delimited: body length unknown and an HTTP/1.0 client has no chunked coding, so the close ends the body', source: 'RFC 9112 §6.3', run: () => exchange(engine.port, get('/stream', '', '1.0')) },
  { code: 'no-content-head', text: 'no content: the response to HEAD carries the GET fields without a body', source: 'RFC 9110 §9.3.2', run: () => exchange(engine.port, closing('HEAD', '/')) },
  { code: 'no-content-status', text: 'no content: a 204 response never carries content', source: 'RFC 9110 §6.4.1', run: () => exchange(engine.port, closing('GET', '/empty')) },
  { code: 'keep-alive', text: 'connection kept open: HTTP/1.1 connections are persistent unless one side says close', source: 'RFC 9112 §9.3', run: () => void send(engine.port, get('/')) },
  { code: 'keep-alive', text: 'connection kept open: the HTTP/1.0 request asked for Connection: keep-alive', source: 'RFC 9112 §9.3', run: () => void send(engine.port, get('/', 'Connection: keep-alive\r\n', '1.0')) },
  { code: 'close-requested', text: 'connection closed: request had Connection: close', source: 'RFC 9112 §9.6', run: () => exchange(engine.port, closing('GET', '/')) },
  { code: 'close-http10', text: 'connection closed: an HTTP/1.0 request without Connection: keep-alive', source: 'RFC 9112 §9.3', run: () => exchange(engine.port, get('/', '', '1.0')) },
  { code: 'close-response', text: 'connection closed: the response said Connection: close', source: 'RFC 9112 §9.6', run: () => exchange(engine.port, get('/close')) },
  {
    code: 'close-draining',
    text: 'connection closed: the server is shutting down, so this response is its last on the connection',
    source: 'RFC 9112 §9.6',
    run: async () => {
      const draining = await listen({ handler: engineHandler });
      const socket = send(draining.port, get('/slow'));
      await new Promise((r) => setTimeout(r, 100));
      const closed = draining.server.close(2000);
      await new Promise((r) => setTimeout(r, 50));
      releaseSlow();
      await closed;
      socket.destroy();
    },
  },
  { code: 'close-unread-body', text: 'connection closed: the request body was not read, and a long or chunked one is not worth reading to reach the next request', source: 'RFC 9112 §9.3', run: () => void send(engine.port, 'POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel') },
  { code: 'close-continue', text: 'connection closed: the client was waiting for 100 Continue and the body was never asked for, so only a close makes the next request unambiguous', source: 'RFC 9110 §10.1.1', run: () => void send(engine.port, 'POST / HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n') },
  { code: 'close-error', text: 'connection closed: after an error the rest of what the client sent cannot be trusted', source: 'RFC 9112 §9.6', run: () => exchange(engine.port, 'GET / HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n') },
  {
    code: 'continue',
    text: '100 Continue sent: the client asked with Expect: 100-continue and the handler began reading the body',
    source: 'RFC 9110 §10.1.1',
    run: async () => {
      const socket = send(engine.port, 'POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write('hello');
    },
  },
  { code: 'expect-417', text: '417: Expect: teapot is not an expectation this server can meet (only 100-continue)', source: 'RFC 9110 §10.1.1', run: () => exchange(engine.port, closing('POST', '/', 'Expect: teapot\r\nContent-Length: 0\r\n')) },
  { code: 'parse-error', text: '400: Both Transfer-Encoding and Content-Length', source: 'RFC 9112 §6.1', run: () => exchange(engine.port, 'POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n') },
  { code: 'timeout-headers', text: '408: the request head did not arrive within 0.2 s', source: 'config headers_timeout', run: () => void send(timeouts.port, 'GET / HTTP/1.1\r\nHost: te') },
  { code: 'timeout-request', text: '408: the request body did not arrive within 0.3 s', source: 'config request_timeout', run: () => void send(timeouts.port, 'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nab') },
  { code: 'switch', text: '101: switched the connection to shout, which the client offered in Upgrade', source: 'RFC 9110 §7.8', run: () => exchange(engine.port, 'GET /switch HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n') },
  {
    code: 'h2c-upgrade',
    text: '101: Upgrade: h2c with one HTTP2-Settings field, so the connection switched to HTTP/2 and this request is answered as stream 1',
    source: 'RFC 7540 §3.2',
    run: () => void send(h2c.port, 'GET / HTTP/1.1\r\nHost: test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n', PREFACE, EMPTY_SETTINGS),
  },
  { code: 'h2-prior-knowledge', text: 'HTTP/2 without TLS: the client began with the connection preface (prior knowledge)', source: 'RFC 9113 §3.3', run: () => h2get(h2session(`http://127.0.0.1:${h2c.port}`), '/') },
  { code: 'h2-alpn', text: 'HTTP/2: agreed in the TLS handshake (ALPN "h2")', source: 'RFC 9113 §3.2', run: () => h2get(h2session(`https://127.0.0.1:${tls.port}`, { rejectUnauthorized: false }), '/') },
  { code: 'h2-framing', text: 'HTTP/2: the body ends with END_STREAM on its last frame, so no Content-Length or chunked framing is needed', source: 'RFC 9113 §8.1', run: () => h2get(h2session(`http://127.0.0.1:${h2c.port}`), '/stream') },
  { code: 'handler-failed', text: '500: the handler failed before answering (the details are in the server log, not the response)', source: 'RFC 9110 §15.6.1', run: () => exchange(engine.port, closing('GET', '/fail')) },

  // static files: preconditions and ranges
  { code: 'not-modified-etag', text: '304: If-None-Match matched the current ETag', source: 'RFC 9110 §13.1.2', run: async () => exchange(siteA, closing('GET', '/a.txt', `If-None-Match: ${await ETAG_OF_A()}\r\n`)) },
  { code: 'not-modified-date', text: '304: not modified since If-Modified-Since (and no If-None-Match to take precedence)', source: 'RFC 9110 §13.1.3', run: () => exchange(siteA, closing('GET', '/a.txt', `If-Modified-Since: ${new Date(Date.now() + 86_400_000).toUTCString()}\r\n`)) },
  { code: 'precondition-failed', text: '412: If-Match did not match the current representation', source: 'RFC 9110 §13.1.1', run: () => exchange(siteA, closing('GET', '/a.txt', 'If-Match: "nope"\r\n')) },
  { code: 'precondition-failed', text: '412: If-Unmodified-Since did not match the current representation', source: 'RFC 9110 §13.1.4', run: () => exchange(siteA, closing('GET', '/a.txt', 'If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n')) },
  { code: 'etag-no-match', text: 'full response: If-None-Match named no current ETag', source: 'RFC 9110 §13.1.2', run: () => exchange(siteA, closing('GET', '/a.txt', 'If-None-Match: "nope"\r\n')) },
  { code: 'range', text: '206: Range bytes=0-1 is satisfiable', source: 'RFC 9110 §14.2', run: () => exchange(siteA, closing('GET', '/a.txt', 'Range: bytes=0-1\r\n')) },
  { code: 'range-416', text: '416: no requested range starts inside the 5-byte file', source: 'RFC 9110 §15.5.17', run: () => exchange(siteA, closing('GET', '/a.txt', 'Range: bytes=100-200\r\n')) },
  { code: 'range-if-range', text: '200 not 206: If-Range did not match the current validator, so the whole file is sent', source: 'RFC 9110 §13.1.5', run: () => exchange(siteA, closing('GET', '/a.txt', 'Range: bytes=0-1\r\nIf-Range: "other"\r\n')) },
  { code: 'range-ignored', text: '200 not 206: the Range field is not a bytes range this server understands, so it is ignored', source: 'RFC 9110 §14.2', run: () => exchange(siteA, closing('GET', '/a.txt', 'Range: items=0-1\r\n')) },

  // static files: content codings
  { code: 'gzip', text: 'gzip: Accept-Encoding q=1 and text/css is compressible (compression_min_size 1024)', source: 'config compression_min_size', run: () => exchange(siteA, closing('GET', '/big.css', 'Accept-Encoding: gzip\r\n')) },
  { code: 'precompressed', text: 'gzip: served the precompressed sibling pre.js.gz (Accept-Encoding q=0.5)', source: 'RFC 9110 §8.4', run: () => exchange(siteA, closing('GET', '/pre.js', 'Accept-Encoding: gzip;q=0.5\r\n')) },
  { code: 'identity', text: 'not compressed: 3 bytes is less than compression_min_size 1024', source: 'config compression_min_size', run: () => exchange(siteA, closing('GET', '/small.css', 'Accept-Encoding: gzip\r\n')) },
  { code: 'identity', text: 'not compressed: image/png is not a compressible type', source: 'RFC 9110 §12.5.3', run: () => exchange(siteA, closing('GET', '/image.png', 'Accept-Encoding: gzip\r\n')) },
  { code: 'identity', text: 'not compressed: the client refused br and gzip (Accept-Encoding: identity)', source: 'RFC 9110 §12.5.3', run: () => exchange(siteA, closing('GET', '/big.css', 'Accept-Encoding: identity\r\n')) },
  { code: 'identity', text: 'not compressed: the request has no Accept-Encoding', source: 'RFC 9110 §12.5.3', run: () => exchange(siteA, closing('GET', '/big.css')) },
  { code: 'identity', text: 'not compressed: a Range request is answered from the uncompressed bytes', source: 'RFC 9110 §12.5.3', run: () => exchange(siteA, closing('GET', '/big.css', 'Accept-Encoding: gzip\r\nRange: bytes=0-9\r\n')) },
  { code: 'identity', text: 'not compressed: compression is off (enable_compression false)', source: 'config enable_compression', run: () => exchange(siteB, closing('GET', '/big.css', 'Accept-Encoding: gzip\r\n')) },

  // static files: what is served at all
  { code: 'hidden-404', text: '404 not 403: dotfiles are hidden (show_hidden_files false), and a 403 would tell that the file exists', source: 'config show_hidden_files', run: () => exchange(siteA, closing('GET', '/.secret')) },
  { code: 'protected-404', text: "404: the server's own files (state folder, logs, config) are never served", source: 'config state_dir', run: () => exchange(siteA, closing('GET', '/config.json')) },
  { code: 'outside-root', text: '404: the path leads outside the document root (a symbolic link, with follow_symlinks false)', source: 'config follow_symlinks', run: () => exchange(siteA, closing('GET', '/out.txt')) },
  { code: 'not-found', text: '404: no file at this path', source: 'RFC 9110 §15.5.5', run: () => exchange(siteA, closing('GET', '/nope.txt')) },
  { code: 'memory-cache', text: 'served from the memory cache', source: 'config enable_cache', run: async () => exchange(siteA, closing('GET', '/folder/index.html')).then(() => exchange(siteA, closing('GET', '/folder/index.html'))) },
  { code: 'from-disk', text: 'read from disk: not in the memory cache yet; kept there for the next request', source: 'config enable_cache', run: () => exchange(siteA, closing('GET', '/fresh.txt')) },
  { code: 'from-disk', text: 'read from disk: its 8192 bytes are more than cache_file_max_bytes 4096, so it is not cached', source: 'config cache_file_max_bytes', run: () => exchange(siteA, closing('GET', '/large.bin')) },
  { code: 'from-disk', text: 'read from disk: the memory cache is off', source: 'config enable_cache', run: () => exchange(siteB, closing('GET', '/large.bin')) },
  { code: 'index-file', text: 'folder URL: served its index file index.html', source: 'config index_file', run: () => exchange(siteB, closing('GET', '/folder/')) },
  { code: 'listing', text: 'folder URL with no index file: a generated listing (directory_listing true)', source: 'config directory_listing', run: () => exchange(siteB, closing('GET', '/nolist/')) },
  { code: 'no-listing', text: '404: a folder with no index file, and directory_listing is false', source: 'config directory_listing', run: () => exchange(siteA, closing('GET', '/nolist/')) },
  { code: 'folder-redirect', text: '301 to /folder/: a folder\'s URL ends in "/", so that relative links in its page resolve inside it', source: 'RFC 9110 §15.4.2', run: () => exchange(siteA, closing('GET', '/folder')) },
  { code: 'method-405', text: '405: the method is not one this resource supports (Allow: GET, HEAD, OPTIONS)', source: 'RFC 9110 §15.5.6', run: () => exchange(siteA, closing('DELETE', '/server-status')) },
  { code: 'method-405', text: '405: the method is not one this resource supports (Allow: POST, OPTIONS)', source: 'RFC 9110 §15.5.6', run: () => exchange(uploads, closing('GET', '/submit')) },
  { code: 'method-501', text: '501: no resource of this server implements POST', source: 'RFC 9110 §15.6.2', run: () => exchange(siteA, closing('POST', '/a.txt', 'Content-Length: 0\r\n')) },
  { code: 'cache-control', text: 'Cache-Control: no-cache', source: 'config browser_cache_time', run: () => exchange(siteA, closing('GET', '/fresh.css')) },
  { code: 'cache-control', text: 'Cache-Control: max-age=60', source: 'config cache_control', run: () => exchange(siteB, closing('GET', '/big.css')) },
  { code: 'cache-control', text: 'Cache-Control: no-cache', source: 'config enable_browser_caching', run: () => exchange(siteB, closing('GET', '/image.png')) },

  // site rules
  { code: 'redirect', text: '301 to /a.txt: the redirect rule from /old', source: 'config redirects', run: () => exchange(siteB, closing('GET', '/old')) },
  { code: 'rewrite', text: 'rewritten to /a.txt by the rule from /alias (the address bar keeps the original)', source: 'config rewrites', run: () => exchange(siteB, closing('GET', '/alias')) },
  { code: 'path-headers', text: 'header X-Extra set by the headers rule for /a.txt', source: 'config headers', run: () => exchange(siteB, closing('GET', '/a.txt')) },
  { code: 'clean-url', text: 'clean URL: no file at this path, so /about.html was tried', source: 'config clean_urls', run: () => exchange(siteB, closing('GET', '/about')) },
  { code: 'clean-url-redirect', text: '301 to /about?x=1: clean URLs are on, so the page has one URL, the one without .html', source: 'config clean_urls', run: () => exchange(siteB, closing('GET', '/about.html?x=1')) },
  { code: 'spa-fallback', text: 'SPA fallback: no file at this path and the request is a navigation, so /index.html was served with 200', source: 'config fallback', run: () => exchange(siteB, closing('GET', '/app/route')) },

  // the proxy
  { code: 'proxy-route', text: `proxied by the route /retry/ to ${garbage.url} (strategy round_robin)`, source: 'config proxy', run: () => exchange(proxy, closing('GET', '/retry/x')) },
  { code: 'proxy-retry', text: `http://127.0.0.1:${closedPort} failed (connect ECONNREFUSED 127.0.0.1:${closedPort}) before any answer, and the method is idempotent: retried on another backend`, source: 'RFC 9110 §9.2.2', run: () => exchange(proxy, closing('GET', '/retry2/y')) },
  { code: 'proxy-502', text: '502: the backend failed to answer properly (sent an invalid response: Malformed status line from upstream)', source: 'RFC 9110 §15.6.3', run: () => exchange(proxy, closing('GET', '/bad/x')) },
  { code: 'proxy-504', text: '504: the backend did not answer in time (no response within the timeout)', source: 'RFC 9110 §15.6.5', run: () => exchange(proxy, closing('GET', '/slow/x')) },
  { code: 'proxy-503', text: '503: no backend of the route is available (all down or failing health checks)', source: 'RFC 9110 §15.6.4', run: async () => exchange(proxy, closing('GET', '/down/x')).then(() => exchange(proxy, closing('GET', '/down/y'))) },

  // access rules and limits
  { code: 'auth-401', text: '401: the access rule for /secret/** admits only some users, and no credentials came', source: 'RFC 9110 §15.5.2', run: () => exchange(siteA, closing('GET', '/secret/plans.txt')) },
  { code: 'auth-403', text: '403: the rule lets nobody read (access rule for /nobody/**); signing in would not help', source: 'RFC 9110 §15.5.4', run: () => exchange(siteA, closing('GET', '/nobody/x.txt')) },
  {
    code: 'auth-429',
    text: '429: too many failed sign-ins from this address (auth_max_failures 1)',
    source: 'config auth_max_failures',
    run: async () => {
      const wrong = `Authorization: Basic ${Buffer.from('alice:wrong').toString('base64')}\r\nX-Test-Peer: 192.0.2.9\r\n`;
      await exchange(siteA, closing('GET', '/secret/plans.txt', wrong));
      await exchange(siteA, closing('GET', '/secret/plans.txt', wrong));
    },
  },
  {
    code: 'rate-limit-429',
    text: '429: rate limit "tight" (1 per 3600 s) is used up for 127.0.0.1',
    source: 'config rate_limits',
    run: async () => {
      await exchange(siteA, closing('GET', '/limited/x.txt'));
      await exchange(siteA, closing('GET', '/limited/x.txt'));
    },
  },

  // CORS
  { code: 'cors-preflight', text: '204: CORS preflight answered: https://good.example may send PUT (Access-Control-Allow-Methods)', source: 'config cors_allow_methods', run: () => exchange(siteA, closing('OPTIONS', '/a.txt', 'Origin: https://good.example\r\nAccess-Control-Request-Method: PUT\r\n')) },
  { code: 'cors-origin-refused', text: 'CORS: https://evil.example is not in cors_allow_origin, so no Access-Control-Allow-Origin is sent and the browser withholds the response', source: 'config cors_allow_origin', run: () => exchange(siteA, closing('GET', '/a.txt', 'Origin: https://evil.example\r\n')) },

  // write methods and uploads
  { code: 'writes-off', text: '405: PUT writes files, and uploads are off (enable_file_uploads false)', source: 'config enable_file_uploads', run: () => exchange(siteA, closing('PUT', '/a.txt', 'Content-Length: 0\r\n')) },
  { code: 'upload-too-large', text: '413: Content-Length 20 is over max_upload_size 10, so the body is refused before it is read', source: 'config max_upload_size', run: () => exchange(uploads, closing('PUT', '/uploads/new.txt', 'Content-Length: 20\r\n')) },
  { code: 'upload-exists', text: '409: taken.txt exists and upload_overwrite is false, so PUT does not replace it', source: 'config upload_overwrite', run: () => exchange(uploads, closing('PUT', '/uploads/taken.txt', 'Content-Length: 3\r\n') + 'new') },

  // the status page
  { code: 'status-hidden', text: '404: the status pages are shown only to loopback, status_allow networks or a status_token holder', source: 'config status_allow', run: () => exchange(siteA, closing('GET', '/server-status', 'X-Test-Peer: 203.0.113.7\r\n')) },
];

test('coverage: every catalogue code has a case that triggers it, and every case names a catalogue code', () => {
  const covered = [...new Set(CASES.map((c) => c.code))].sort();
  assert.deepEqual(covered, Object.keys(DECISIONS).sort());
});

for (const c of CASES) {
  test(`${c.code}: "${c.text}" [${c.source}]`, async () => {
    records.length = 0;
    await c.run();
    await seen(c);
    for (const s of open.splice(0)) s.destroy();
  });
}

test('with nobody watching, no request has a trace and nothing is recorded', async () => {
  const quiet = new TraceHub();
  const traces: Array<Request['trace']> = [];
  const watched: Handler = (req, res) => {
    traces.push(req.trace);
    return engineHandler(req, res);
  };
  const { port } = await listen({ handler: watched, trace: quiet });
  await exchange(port, closing('GET', '/'));
  await exchange(port, closing('GET', '/stream'));
  await exchange(port, get('/', '', '1.0'));
  const h2 = await listen({ handler: watched, trace: quiet, http2Cleartext: true });
  await h2get(h2session(`http://127.0.0.1:${h2.port}`), '/');
  assert.equal(traces.length, 4);
  assert.ok(traces.every((t) => t === null));
  assert.equal(quiet.subscribers, 0);
});
