// The reverse proxy end to end: our site in front of real upstreams on loopback (node:http servers,
// and raw servers written to misbehave), reached with fetch, curl and raw sockets.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { connect as http2Connect } from 'node:http2';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { httpUpstream, proxySite, rawUpstream } from '../support/proxy-helpers.ts';
import { rawExchange, parseResponse } from '../support/static-helpers.ts';
import { makeCert } from '../support/tls-helpers.ts';
import { closeSession, h2connect, h2get, h2request } from '../support/h2-client.ts';

const json = async (r: Response): Promise<Record<string, unknown>> => (await r.json()) as Record<string, unknown>;

describe('forwarding (RFC 9110 §7.6)', () => {
  test('the prefix is kept by default, with query; / is still the site', async (t) => {
    const up = await httpUpstream();
    const site = await proxySite([{ path: '/api/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const r = await fetch(`${site.url}/api/x?y=1`);
    assert.equal(r.status, 200);
    assert.equal((await json(r)).url, '/api/x?y=1');
    assert.equal(up.seen[0]!.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(up.seen[0]!.headers['x-forwarded-proto'], 'http');
    assert.equal(up.seen[0]!.headers['via'], '1.1 httpcraft');
    assert.match(r.headers.get('via') ?? '', /1\.1 httpcraft$/);
    assert.equal(await (await fetch(`${site.url}/`)).text(), '<h1>site</h1>');
    // "/api/" does not take "/apix" nor "/ap"
    assert.equal((await fetch(`${site.url}/apix`)).status, 404);
  });

  test('strip_prefix and host: "upstream"', async (t) => {
    const up = await httpUpstream();
    const site = await proxySite([{ path: '/api', to: [up.url], strip_prefix: true, host: 'upstream' }]);
    t.after(async () => (await site.close(), await up.close()));
    assert.equal((await json(await fetch(`${site.url}/api/a/b?c`))).url, '/a/b?c');
    assert.equal((await json(await fetch(`${site.url}/api`))).url, '/');
    assert.equal(up.seen[0]!.headers.host, `127.0.0.1:${up.port}`);
  });

  test('the client Host is kept by default', async (t) => {
    const up = await httpUpstream();
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const s = await rawExchange(site.port, 'GET /x HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n');
    assert.equal(parseResponse(s).status, 200);
    assert.equal(up.seen[0]!.headers.host, 'shop.example');
    assert.equal(up.seen[0]!.headers['x-forwarded-host'], 'shop.example');
  });

  test('hop-by-hop fields go neither way, including those named in Connection (RFC 9110 §7.6.1)', async (t) => {
    const up = await httpUpstream((_req, res) => {
      res.setHeader('Connection', 'X-Up-Secret');
      res.setHeader('X-Up-Secret', 'hidden');
      res.setHeader('Keep-Alive', 'timeout=5');
      res.setHeader('X-Kept', 'yes');
      res.end('ok');
    });
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const bytes = await rawExchange(site.port, 'GET /h HTTP/1.1\r\nHost: a\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 300\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nX-Other: 2\r\n\r\n');
    const res = parseResponse(bytes);
    assert.equal(res.status, 200);
    const h = up.seen[0]!.headers;
    for (const name of ['x-secret', 'keep-alive', 'te', 'proxy-connection']) assert.equal(h[name], undefined, name);
    assert.equal(h['x-other'], '2');
    assert.equal(res.h('x-up-secret'), undefined);
    assert.equal(res.h('keep-alive'), undefined);
    assert.equal(res.h('x-kept'), 'yes');
  });

  test('forwarding fields from an untrusted client are replaced, from a trusted proxy appended to', async (t) => {
    const up = await httpUpstream();
    const plain = await proxySite([{ path: '/', to: [up.url] }]);
    const trusting = await proxySite([{ path: '/', to: [up.url] }], { trustedProxies: ['127.0.0.1/32'] });
    t.after(async () => (await plain.close(), await trusting.close(), await up.close()));
    const spoof = { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', Forwarded: 'for=6.6.6.6', Via: '1.0 earlier' };
    await fetch(`${plain.url}/a`, { headers: spoof });
    await fetch(`${trusting.url}/b`, { headers: spoof });
    const [a, b] = up.seen;
    assert.equal(a!.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(a!.headers['x-forwarded-proto'], 'http');
    assert.match(String(a!.headers['forwarded']), /^for=127\.0\.0\.1;/);
    assert.equal(a!.headers['via'], '1.0 earlier, 1.1 httpcraft'); // Via is a record of hops, always appended
    assert.equal(b!.headers['x-forwarded-for'], '6.6.6.6, 127.0.0.1');
    assert.equal(b!.headers['x-forwarded-proto'], 'https');
    assert.match(String(b!.headers['forwarded']), /^for=6\.6\.6\.6, for=127\.0\.0\.1;/);
  });

  test('request bodies stream through: Content-Length and chunked, framing normalised', async (t) => {
    const up = await httpUpstream();
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const r1 = await fetch(`${site.url}/up`, { method: 'POST', body: big });
    assert.equal((await json(r1)).bytes, big.length);
    assert.equal(up.seen[0]!.headers['content-length'], String(big.length));
    const res = parseResponse(await rawExchange(site.port, 'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n'));
    assert.equal(res.status, 200);
    assert.equal(up.seen[1]!.body.toString(), 'abcdefg');
    assert.equal(up.seen[1]!.headers['transfer-encoding'], 'chunked');
    // A bodiless POST goes with Content-Length: 0 (RFC 9110 §8.6)
    await fetch(`${site.url}/e`, { method: 'POST' });
    assert.equal(up.seen[2]!.headers['content-length'], '0');
  });

  test('a large response streams through intact', async (t) => {
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const up = await httpUpstream((_req, res) => res.end(body));
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const got = Buffer.from(await (await fetch(`${site.url}/big`)).arrayBuffer());
    assert.equal(got.length, body.length);
    assert.ok(got.equals(body));
  });

  test('HEAD, 204 and 304 come back without a body; HEAD keeps the announced length', async (t) => {
    const up = await httpUpstream((req, res) => {
      if (req.url === '/204') return void res.writeHead(204).end();
      if (req.url === '/304') return void res.writeHead(304, { ETag: '"x"' }).end();
      res.setHeader('Content-Length', '5');
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const client = connect(site.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    client.on('data', (c: Buffer) => chunks.push(c));
    client.write('HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /204 HTTP/1.1\r\nHost: a\r\n\r\nGET /304 HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await new Promise((r) => client.on('end', r));
    const text = Buffer.concat(chunks).toString('latin1');
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '204', '304', '200']);
    assert.match(text.split('HTTP/1.1 204')[0]!, /Content-Length: 5\r\n/);
    assert.ok(text.endsWith('hello'));
  });

  test('103 Early Hints is passed on before the final response (RFC 9110 §15.2)', async (t) => {
    const up = await rawUpstream((s) => s.end('HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const text = (await rawExchange(site.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toString('latin1');
    assert.match(text, /^HTTP\/1\.1 103 Early Hints\r\nLink: <\/s\.css>; rel=preload\r\n/);
    assert.match(text, /HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nok$/);
  });

  test('trailers from upstream are passed on after the last chunk; fields a trailer may not carry are dropped', async (t) => {
    const up = await rawUpstream((s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 3\r\nContent-Length: 99\r\n\r\n'));
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const bytes = (await rawExchange(site.port, 'GET /t HTTP/1.1\r\nHost: a\r\nTE: trailers\r\nConnection: close\r\n\r\n')).toString('latin1');
    assert.match(bytes, /\r\nTransfer-Encoding: chunked\r\n/);
    assert.ok(bytes.endsWith('\r\n3\r\nabc\r\n0\r\nX-Sum: 3\r\n\r\n'), JSON.stringify(bytes));
    const r = await fetch(`${site.url}/t`);
    assert.equal(await r.text(), 'abc');
  });
});

describe('failures: 502, 504, never a crash or a hang', () => {
  const cases: Array<[string, string]> = [
    ['garbage', 'this is not HTTP\r\n\r\n'],
    ['a smuggling response: Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['a smuggling response: two Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc'],
    ['a bare-LF response', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok'],
  ];
  for (const [name, bytes] of cases) {
    test(`${name} gives 502 and a log line naming the upstream`, async (t) => {
      const up = await rawUpstream((s) => s.end(bytes));
      const site = await proxySite([{ path: '/', to: [up.url], retries: 0 }]);
      t.after(async () => (await site.close(), await up.close()));
      const r = await fetch(`${site.url}/g`);
      assert.equal(r.status, 502);
      assert.match(await r.text(), /failed to answer properly/);
      assert.ok(site.logger.lines.some((l) => l.startsWith('WARN') && l.includes(up.url)), site.logger.lines.join('\n'));
    });
  }

  test('a refused connection gives 502', async (t) => {
    const up = await httpUpstream();
    const url = up.url;
    await up.close();
    const site = await proxySite([{ path: '/', to: [url] }]);
    t.after(() => site.close());
    const r = await fetch(`${site.url}/x`);
    assert.equal(r.status, 502);
    assert.ok(site.logger.lines.some((l) => l.includes(url) && l.includes('ECONNREFUSED')));
  });

  test('an upstream that never answers gives 504 within about the timeout', async (t) => {
    const up = await rawUpstream(() => {});
    const site = await proxySite([{ path: '/', to: [up.url], timeout: 0.5, retries: 0 }]);
    t.after(async () => (await site.close(), await up.close()));
    const start = Date.now();
    const r = await fetch(`${site.url}/slow`);
    const took = Date.now() - start;
    assert.equal(r.status, 504);
    assert.ok(took >= 400 && took < 3000, `took ${took} ms`);
  });

  test('an upstream dying inside a small body: 502 (the body was gathered, nothing reached the client)', async (t) => {
    const up = await rawUpstream((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
      setTimeout(() => s.destroy(), 50);
    });
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const res = parseResponse(await rawExchange(site.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'));
    assert.equal(res.status, 502);
    assert.ok(site.logger.lines.some((l) => l.includes(up.url) && l.includes('mid-response')), site.logger.lines.join('\n'));
  });

  test('an upstream dying inside a streamed body cuts the client connection (no hang, no crash)', async (t) => {
    const part = Buffer.alloc(300 * 1024, 'z');
    const up = await rawUpstream((s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${1024 * 1024}\r\n\r\n`);
      s.write(part);
      setTimeout(() => s.destroy(), 50);
    });
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const bytes = await rawExchange(site.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const text = bytes.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    assert.equal(bytes.length - bytes.indexOf('\r\n\r\n') - 4, part.length, 'the client got what there was, then the close');
    // The server still serves (the same cut-short answer again).
    const again = (await rawExchange(site.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n')).toString('latin1');
    assert.match(again, /^HTTP\/1\.1 200 OK/);
    assert.ok(site.logger.lines.some((l) => l.includes('mid-response') && l.includes(up.url)));
  });

  test('a pooled connection the upstream closes as we reuse it: GET is retried, POST gets 502', async (t) => {
    // Each connection answers its first request with keep-alive, then closes without answering.
    const counts = new Map<unknown, number>();
    const up = await rawUpstream((s) => {
      const n = (counts.get(s) ?? 0) + 1;
      counts.set(s, n);
      if (n === 1) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else s.destroy();
    });
    const site = await proxySite([{ path: '/', to: [up.url], retries: 0 }]);
    t.after(async () => (await site.close(), await up.close()));
    assert.equal((await fetch(`${site.url}/1`)).status, 200);
    assert.equal((await fetch(`${site.url}/2`)).status, 200, 'GET on a stale pooled connection is sent again on a fresh one');
    const r = await fetch(`${site.url}/3`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 502, 'a POST may have been acted on: never replayed');
  });
});

describe('any bytes from a backend (property)', () => {
  test('mutated responses never crash the server nor leave the client waiting', async (t) => {
    let reply = Buffer.alloc(0);
    const up = await rawUpstream((s) => s.end(reply));
    const good = await httpUpstream();
    const site = await proxySite([
      { path: '/fuzz/', to: [up.url], timeout: 1, retries: 0, max_fails: 0 },
      { path: '/', to: [good.url] },
    ]);
    t.after(async () => (await site.close(), await up.close(), await good.close()));
    const base = ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'];
    const samples = fc.sample(
      fc.record({ base: fc.constantFrom(...base), edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), cut: fc.option(fc.nat(), { nil: undefined }) }),
      { seed: 20261207, numRuns: 40 },
    );
    for (const sample of samples) {
      const bytes = Buffer.from(sample.base, 'latin1');
      for (const [at, b] of sample.edits) bytes[at % bytes.length] = b;
      reply = sample.cut === undefined ? bytes : bytes.subarray(0, sample.cut % (bytes.length + 1));
      const started = Date.now();
      const answer = (await rawExchange(site.port, 'GET /fuzz/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toString('latin1');
      assert.ok(Date.now() - started < 3000, 'the client was answered or closed within the timeout');
      assert.ok(answer === '' || /^HTTP\/1\.1 \d{3} /.test(answer), JSON.stringify(answer.slice(0, 80)));
    }
    assert.equal((await fetch(`${site.url}/still-up`)).status, 200);
  });
});

describe('early responses', () => {
  test('a backend that answers before reading the whole upload is not reused mid-body', async (t) => {
    // Like a real server, it reads the rest of a declared body before the next request on the
    // same connection: a proxy that sent a GET there without the rest of the upload gets no answer.
    const owed = new Map<unknown, number>();
    const up = await rawUpstream((s, data) => {
      let rest = owed.get(s) ?? 0;
      const skip = Math.min(rest, data.length);
      rest -= skip;
      owed.set(s, rest);
      const text = data.subarray(skip).toString('latin1');
      if (text.startsWith('POST')) {
        const end = text.indexOf('\r\n\r\n');
        owed.set(s, Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0) - (text.length - end - 4));
        s.write('HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n');
        // Read nothing for a while: the answer reaches the proxy before the upload is all sent.
        s.pause();
        setTimeout(() => s.resume(), 300);
      } else if (text.startsWith('GET')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const site = await proxySite([{ path: '/', to: [up.url], timeout: 2 }]);
    t.after(async () => (await site.close(), await up.close()));
    const r = await fetch(`${site.url}/upload`, { method: 'POST', body: Buffer.alloc(8 * 1024 * 1024, 1) }).catch(() => null);
    if (r !== null) assert.equal(r.status, 413);
    const g = await fetch(`${site.url}/next`);
    assert.equal(g.status, 200);
    assert.equal(await g.text(), 'ok');
  });
});

describe('HTTP/2 clients to HTTP/1.1 backends', () => {
  test('requests, bodies without a length and split cookies arrive as HTTP/1.1 (RFC 9113 §8.2.3)', async (t) => {
    const cert = makeCert();
    const body = Buffer.alloc(300 * 1024, 'q');
    const up = await httpUpstream((req, res, got) => (req.url === '/big' ? res.end(body) : res.end(`got ${got.length}`)));
    const site = await proxySite([{ path: '/', to: [up.url] }], {}, { tls: { key: cert.keyPem, cert: cert.certPem } });
    const session = await h2connect(`https://127.0.0.1:${site.port}`);
    t.after(async () => (await closeSession(session), await site.close(), await up.close()));
    const r = await h2get(session, '/x?y=1', { cookie: ['a=1', 'b=2'] });
    assert.equal(r.status, 200);
    const seen = up.seen[0]!;
    assert.equal(seen.url, '/x?y=1');
    assert.equal(seen.headers.cookie, 'a=1; b=2');
    assert.equal(seen.rawHeaders.filter((h) => h.toLowerCase() === 'cookie').length, 1);
    assert.equal(seen.headers.via, '2 httpcraft');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers.host, `127.0.0.1:${site.port}`);
    const post = await h2request(session, { ':method': 'POST', ':path': '/up' }, Buffer.alloc(70_000, 'p'));
    assert.equal(post.body.toString(), 'got 70000');
    assert.equal(up.seen[1]!.headers['transfer-encoding'], 'chunked', 'a body of unknown length goes chunked');
    const big = await h2get(session, '/big');
    assert.ok(big.body.equals(body));
  });
});

describe('WebSocket and Upgrade pass-through', () => {
  test('a WebSocket echo works through the proxy', async (t) => {
    const { WebSocketServer, WebSocket } = await import('ws');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`echo ${String(m)} ${req.url} ${req.headers['x-forwarded-for']}`)));
    const port = (wss.address() as { port: number }).port;
    const site = await proxySite([{ path: '/ws', to: [`http://127.0.0.1:${port}`] }]);
    t.after(async () => (await site.close(), await new Promise((r) => wss.close(r))));
    const ws = new WebSocket(`ws://127.0.0.1:${site.port}/ws/chat`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hi'));
      ws.on('message', (m) => resolve(String(m)));
      ws.on('error', reject);
    });
    assert.equal(reply, 'echo hi /ws/chat 127.0.0.1');
    ws.close();
  });
});

describe('streaming and backpressure', () => {
  test('a backend that does not read makes the proxy stop reading the upload', async (t) => {
    let got = 0;
    const up = await rawUpstream((s, data) => {
      got += data.length;
      s.pause(); // read no more: the kernel buffers fill, then the proxy must stop
    });
    const total = 512 * 1024 * 1024;
    // The engine's body limit applies to proxied bodies too: raised for this upload.
    const site = await proxySite([{ path: '/', to: [up.url], timeout: 30 }], {}, { limits: { maxBodyBytes: total } });
    t.after(async () => (await site.close(), await up.close()));
    const client = connect(site.port, '127.0.0.1');
    client.on('error', () => {});
    client.write(`PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: ${total}\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 7);
    let sent = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!client.write(chunk)) return void client.once('drain', pump);
        }
      };
      pump();
      setTimeout(resolve, 600);
    });
    // Only what the sockets' kernel buffers hold has left the client: far less than the whole body.
    assert.ok(sent < total / 8, `the client could write ${sent} of ${total} bytes to a proxy whose backend reads nothing`);
    assert.ok(got > 0);
    client.destroy();
  });

  test('a slow client gets every byte of a large body while other requests reuse its backend connection', async (t) => {
    // Backend connections read into a buffer they reuse (src/proxy/read-buffer.ts): a body of many
    // reads to a client that reads slowly, then requests of another client over the same backend
    // connection while the slow one still reads (how much sits in kernel buffers rather than in our
    // socket queue is the kernel's choice; the next test pins the queued case down).
    const bodyA = randomBytes(3 * 1024 * 1024);
    const bodyB = randomBytes(300 * 1024);
    const up = await httpUpstream((req, res) => res.end(req.url === '/a' ? bodyA : bodyB));
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const slow = connect(site.port, '127.0.0.1');
    slow.write('GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    const parts: Buffer[] = [];
    const slowDone = new Promise<Buffer>((resolve, reject) => {
      slow.on('data', (c: Buffer) => {
        parts.push(c);
        slow.pause();
        setTimeout(() => slow.resume(), 3);
      });
      slow.on('end', () => resolve(Buffer.concat(parts)));
      slow.on('error', reject);
    });
    let finished = false;
    void slowDone.then(() => (finished = true), () => (finished = true));
    // Once the whole body has reached the proxy, its backend connection is the only one, idle in the
    // pool, while the slow client still has much of it to read: the other requests go over it.
    const backend = (): { idleConnections: number; openConnections: number } => site.handler.proxy!.figures()[0]!.backends[0]!;
    while (!finished && backend().idleConnections === 0) await new Promise((r) => setTimeout(r, 1));
    assert.ok(!finished, 'the slow client read the whole body before the proxy had it all: nothing tested');
    let others = 0;
    while (!finished) {
      const got = Buffer.from(await (await fetch(`${site.url}/b`)).arrayBuffer());
      assert.ok(got.equals(bodyB), `response ${others} to the fast client differs`);
      others++;
    }
    const raw = await slowDone;
    const headEnd = raw.indexOf('\r\n\r\n');
    assert.match(raw.subarray(0, headEnd).toString('latin1'), /^HTTP\/1\.1 200 /);
    const got = raw.subarray(headEnd + 4);
    assert.equal(got.length, bodyA.length);
    assert.ok(got.equals(bodyA), `the slow client's body differs from byte ${got.findIndex((v, i) => v !== bodyA[i])}`);
    assert.ok(others > 0);
    assert.equal(backend().openConnections, 1, 'every request went over the one backend connection');
  });

  test('bytes queued for a client are never overwritten by the next response read on the same backend connection', async (t) => {
    // An HTTP/2 client granting a tiny stream window makes the proxy queue a streamed body (views of
    // the backend connection's read buffer) while the exchange is over and the connection back in
    // the pool; the next request over it must be read into another buffer.
    const cert = makeCert();
    const bodyA = randomBytes(40 * 1024); // streamed (past the 32 KiB gathered), in one or two reads
    const bodyB = randomBytes(40 * 1024);
    const up = await httpUpstream((req, res) => res.end(req.url === '/a' ? bodyA : bodyB));
    const site = await proxySite([{ path: '/', to: [up.url] }], {}, { tls: { key: cert.keyPem, cert: cert.certPem } });
    const session = http2Connect(`https://127.0.0.1:${site.port}`, { rejectUnauthorized: false, settings: { initialWindowSize: 1024 } });
    t.after(async () => (await closeSession(session), await site.close(), await up.close()));
    const stream = session.request({ ':path': '/a' });
    stream.pause();
    const parts: Buffer[] = [];
    const aDone = new Promise<Buffer>((resolve, reject) => {
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => resolve(Buffer.concat(parts)));
      stream.on('error', reject);
    });
    const backend = (): { idleConnections: number; openConnections: number } => site.handler.proxy!.figures()[0]!.backends[0]!;
    const deadline = Date.now() + 5000;
    while (backend().idleConnections === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const other = await h2connect(`https://127.0.0.1:${site.port}`);
    for (let i = 0; i < 3; i++) assert.ok((await h2get(other, '/b')).body.equals(bodyB), `response ${i} to the other client differs`);
    await closeSession(other);
    assert.equal(backend().openConnections, 1, 'every request went over the one backend connection');
    stream.resume();
    const got = await aDone;
    assert.equal(got.length, bodyA.length);
    assert.ok(got.equals(bodyA), `the slow client's body differs from byte ${got.findIndex((v, i) => v !== bodyA[i])}`);
  });

  test('a slow client does not make the proxy hold the whole response', async (t) => {
    const total = 64 * 1024 * 1024;
    let sent = 0;
    const up = await httpUpstream((_req, res) => {
      res.setHeader('Content-Length', total);
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    await new Promise<void>((resolve) => {
      const req = httpRequest({ port: site.port, host: '127.0.0.1', path: '/stream' }, (res) => {
        res.pause(); // read nothing for a while
        setTimeout(() => {
          // Far less than the whole body has left the upstream: the proxy stopped reading it.
          assert.ok(sent < total / 4, `upstream sent ${sent} of ${total} bytes to a client that read nothing`);
          res.destroy();
          resolve();
        }, 400);
      });
      req.end();
    });
  });
});
