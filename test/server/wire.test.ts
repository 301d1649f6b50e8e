// Wire tests: raw bytes in over a real socket, raw bytes out, read by a strict response reader.
// Each test checks the exact status, the headers that matter, the body, and whether the connection
// stays open (by sending a second request on it) or is closed.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { RawClient, rawRequest, type RawResponse } from '../support/raw-client.ts';
import { startServer, type StartedServer } from '../support/start-server.ts';
import { compose } from '../../src/app/pipeline.ts';
import { Router } from '../../src/app/router.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { HttpError } from '../../src/app/http-error.ts';
import type { Handler } from '../../src/server/connection.ts';

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

function get(path: string, extra = '', method = 'GET'): string {
  return `${method} ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;
}

function app(): Handler {
  const router = new Router();
  router.route('/hello', { GET: (_req, res) => res.send(200, 'hello world\n') });
  router.route('/stream', {
    GET: async (_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      await res.stream(Readable.from(['one ', 'two ', 'three\n'].map((s) => Buffer.from(s))));
    },
  });
  router.route('/write-end', {
    GET: (_req, res) => {
      res.write('part 1, ');
      res.end('part 2');
    },
  });
  router.route('/no-content', { GET: (_req, res) => res.writeHead(204).end('ignored') });
  router.route('/not-modified', {
    GET: (_req, res) => {
      res.setHeader('ETag', '"v1"');
      res.writeHead(304).end('ignored');
    },
  });
  router.route('/framing-headers', {
    GET: (_req, res) => {
      res.setHeader('Transfer-Encoding', 'gzip');
      res.setHeader('Connection', 'upgrade');
      res.send(200, 'ok');
    },
  });
  router.route('/injection', {
    GET: (_req, res) => {
      res.setHeader('X-Evil', 'a\r\nSet-Cookie: owned=1');
      res.send(200, 'should not get here');
    },
  });
  router.route('/echo', {
    POST: async (req, res) => {
      const body = await req.buffer();
      res.setHeader('X-Trailers', req.trailers.join('|'));
      res.send(200, body, 'application/octet-stream');
    },
  });
  router.route('/items', { GET: (_req, res) => res.send(200, 'items'), POST: (_req, res) => res.send(201, 'created'), DELETE: (_req, res) => res.send(200, 'deleted') });
  return compose([errorHandler()], router.handle);
}

async function assertStillOpen(client: RawClient): Promise<void> {
  await client.write(get('/hello'));
  const r = await client.response();
  assert.equal(r.status, 200, 'a second request on the same connection is answered');
  assert.equal(r.text, 'hello world\n');
}

function assertMinimalError(r: RawResponse, statusLine: string): void {
  assert.equal(r.head.split('\r\n')[0], statusLine);
  assert.equal(r.header('connection'), 'close');
  assert.match(r.header('content-type') ?? '', /^text\/plain/);
  assert.equal(Number(r.header('content-length')), r.body.length);
  assert.match(r.header('date') ?? '', IMF_FIXDATE);
}

describe('response writer', () => {
  let s: StartedServer;
  before(async () => {
    s = await startServer(app());
  });
  after(() => s.close());

  test('a known body gets status line, Date, Server and Content-Length, and the connection stays open', async () => {
    const client = await rawRequest(s.port, get('/hello'));
    const r = await client.response();
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 200 OK');
    assert.match(r.header('date')!, IMF_FIXDATE);
    assert.ok(Math.abs(Date.parse(r.header('date')!) - Date.now()) < 5000, 'Date is the current time');
    assert.equal(r.header('server'), 'httpcraft-test');
    assert.equal(r.header('content-length'), '12');
    assert.equal(r.header('content-type'), 'text/plain; charset=utf-8');
    assert.equal(r.headerCount('transfer-encoding'), 0);
    assert.equal(r.headerCount('connection'), 0, 'HTTP/1.1 persistence is the default: no Connection header needed');
    assert.equal(r.text, 'hello world\n');
    await assertStillOpen(client);
    client.destroy();
  });

  test('Date is one string per second: many responses in a row carry at most two distinct values', async () => {
    const client = await rawRequest(s.port, get('/hello').repeat(50));
    const rs = await client.responses(50);
    const dates = new Set(rs.map((r) => r.header('date')));
    assert.ok(dates.size <= 2, `dates seen: ${[...dates].join(' / ')}`);
    client.destroy();
  });

  test('Date moves on with the clock: the cached value is dropped at the second boundary', async () => {
    const client = await rawRequest(s.port, get('/hello'));
    const first = Date.parse((await client.response()).header('date')!);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await client.write(get('/hello'));
    const second = Date.parse((await client.response()).header('date')!);
    assert.ok(second > first, `Date did not advance: ${first} then ${second}`);
    assert.ok(Math.abs(second - Date.now()) < 1500, 'the later Date is the current second');
    client.destroy();
  });

  test('an unknown length is sent chunked to an HTTP/1.1 client', async () => {
    const client = await rawRequest(s.port, get('/stream'));
    const r = await client.response();
    assert.equal(r.status, 200);
    assert.equal(r.header('transfer-encoding'), 'chunked');
    assert.equal(r.headerCount('content-length'), 0);
    assert.equal(r.chunked, true);
    assert.equal(r.text, 'one two three\n');
    await assertStillOpen(client);
    client.destroy();
  });

  test('write() then end() is chunked; the raw chunk framing is exact', async () => {
    const client = await rawRequest(s.port, get('/write-end'));
    const r = await client.response({ bodySink: () => {} });
    assert.equal(r.header('transfer-encoding'), 'chunked');
    assert.equal(r.bodyLength, 'part 1, part 2'.length);
    client.destroy();
    const raw = await rawRequest(s.port, get('/write-end', 'Connection: close\r\n'));
    const bytes = (await raw.closed()).toString('latin1');
    assert.ok(bytes.endsWith('\r\n\r\n8\r\npart 1, \r\n6\r\npart 2\r\n0\r\n\r\n'), JSON.stringify(bytes));
  });

  test('an unknown length to an HTTP/1.0 client is delimited by closing the connection', async () => {
    const client = await rawRequest(s.port, 'GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const r = await client.response();
    assert.equal(r.status, 200);
    assert.equal(r.headerCount('transfer-encoding'), 0, 'HTTP/1.0 has no chunked coding');
    assert.equal(r.header('connection'), 'close');
    assert.equal(r.closeDelimited, true);
    assert.equal(r.text, 'one two three\n');
  });

  test('HEAD gets the GET headers (with Content-Length) and no body', async () => {
    const client = await rawRequest(s.port, get('/hello', '', 'HEAD'));
    const r = await client.response({ method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.header('content-length'), '12');
    assert.equal(r.body.length, 0);
    // Any stray body byte would corrupt the next response on this connection.
    await assertStillOpen(client);
    client.destroy();
  });

  test('HEAD of a streamed resource sends neither chunked framing nor body', async () => {
    const client = await rawRequest(s.port, get('/stream', '', 'HEAD'));
    const r = await client.response({ method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headerCount('transfer-encoding'), 0);
    await assertStillOpen(client);
    client.destroy();
  });

  test('204 carries no body and no Content-Length (RFC 9110 §8.6, §15.3.5)', async () => {
    const client = await rawRequest(s.port, get('/no-content'));
    const r = await client.response();
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 204 No Content');
    assert.equal(r.headerCount('content-length'), 0);
    assert.equal(r.headerCount('transfer-encoding'), 0);
    await assertStillOpen(client);
    client.destroy();
  });

  test('304 carries no body', async () => {
    const client = await rawRequest(s.port, get('/not-modified'));
    const r = await client.response();
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 304 Not Modified');
    assert.equal(r.header('etag'), '"v1"');
    assert.equal(r.headerCount('transfer-encoding'), 0);
    await assertStillOpen(client);
    client.destroy();
  });

  test('framing headers set by a handler are ignored: the engine decides them', async () => {
    const client = await rawRequest(s.port, get('/framing-headers'));
    const r = await client.response();
    assert.equal(r.status, 200);
    assert.equal(r.headerCount('transfer-encoding'), 0);
    assert.equal(r.headerCount('connection'), 0);
    assert.equal(r.header('content-length'), '2');
    assert.equal(r.text, 'ok');
    await assertStillOpen(client);
    client.destroy();
  });

  test('a header value with CRLF is refused (500), never written to the wire', async () => {
    const client = await rawRequest(s.port, get('/injection'));
    const r = await client.response();
    assert.equal(r.status, 500);
    assert.equal(r.headerCount('set-cookie'), 0);
    assert.equal(r.headerCount('x-evil'), 0);
    client.destroy();
  });

  test('a chunked request body with trailers is decoded and echoed', async () => {
    const client = await rawRequest(s.port, 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n');
    const r = await client.response();
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello, world');
    assert.equal(r.header('x-trailers'), 'X-Sum|12');
    await assertStillOpen(client);
    client.destroy();
  });

  test('an absolute-form target is routed by its path (RFC 9112 §3.2.2)', async () => {
    const client = await rawRequest(s.port, 'GET http://test/hello?x=1 HTTP/1.1\r\nHost: other\r\n\r\n');
    const r = await client.response();
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello world\n');
    client.destroy();
  });

  test('a head assembled as bytes is exact: fields in order and case, repeats, latin1 and long values', async () => {
    const long = 'v'.repeat(200);
    const srv = await startServer((_req, res) => {
      res.setHeader('X-Short', 'a');
      res.appendHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('x-latin1', 'caf\u00e9');
      res.setHeader('X-Long', long);
      res.setHeader('X-Number', 42);
      res.send(200, 'ok');
    });
    try {
      const client = await rawRequest(srv.port, get('/').repeat(2));
      for (const r of await client.responses(2)) {
        const lines = r.head.split('\r\n');
        assert.match(lines[1]!, /^Date: /);
        assert.deepEqual(
          [lines[0], ...lines.slice(2)],
          ['HTTP/1.1 200 OK', 'Server: httpcraft-test', 'X-Short: a', 'Set-Cookie: a=1', 'Set-Cookie: b=2', 'x-latin1: caf\u00e9', `X-Long: ${long}`, 'X-Number: 42', 'Content-Type: text/plain; charset=utf-8', 'Content-Length: 2'],
        );
        assert.equal(r.text, 'ok');
      }
      client.destroy();
    } finally {
      await srv.close();
    }
  });

  test('appendFields adds a shared list of fields as they are, and refuses a list that could split the head', async () => {
    const shared = Object.freeze(['X-One', '1', 'X-Two', 'two']);
    const unsafe = Object.freeze(['X-Ok', 'fine', 'X-Evil', 'a\r\nSet-Cookie: owned=1']);
    const srv = await startServer(
      compose([errorHandler()], (req, res) => {
        res.appendFields(req.path === '/unsafe' ? unsafe : shared);
        res.send(200, 'ok');
      }),
    );
    try {
      const client = await rawRequest(srv.port, get('/').repeat(2) + get('/unsafe'));
      const [a, b, bad] = await client.responses(3);
      for (const r of [a!, b!]) assert.deepEqual(r.headers.filter(([n]) => n.startsWith('X-')), [['X-One', '1'], ['X-Two', 'two']]);
      assert.equal(bad!.status, 500);
      assert.equal(bad!.headerCount('set-cookie'), 0);
      assert.equal(bad!.headerCount('x-ok'), 0, 'nothing of a refused list is sent');
      client.destroy();
    } finally {
      await srv.close();
    }
  });

  test('a head larger than the buffer small responses are assembled in still goes out whole', async () => {
    const huge = 'h'.repeat(70_000);
    const srv = await startServer((_req, res) => {
      res.setHeader('X-Huge', huge);
      res.end(Buffer.from('body'));
    });
    try {
      const client = await rawRequest(srv.port, get('/').repeat(2));
      for (const r of await client.responses(2)) {
        assert.equal(r.header('x-huge'), huge);
        assert.equal(r.header('content-length'), '4');
        assert.equal(r.text, 'body');
      }
      client.destroy();
    } finally {
      await srv.close();
    }
  });

  test('no Server header when serverName is empty', async () => {
    const quiet = await startServer((_req, res) => res.send(200, 'x'), { serverName: '' });
    try {
      const client = await rawRequest(quiet.port, get('/'));
      const r = await client.response();
      assert.equal(r.headerCount('server'), 0);
      assert.match(r.header('date')!, IMF_FIXDATE);
      client.destroy();
    } finally {
      await quiet.close();
    }
  });
});

describe('methods: OPTIONS, 405, 501 (RFC 9110 §9, §15.5.6, §15.6.2)', () => {
  let s: StartedServer;
  before(async () => {
    s = await startServer(app());
  });
  after(() => s.close());

  test('OPTIONS on a resource answers 204 with Allow', async () => {
    const client = await rawRequest(s.port, get('/items', '', 'OPTIONS'));
    const r = await client.response();
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 204 No Content');
    assert.deepEqual(r.header('allow')!.split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST']);
    await assertStillOpen(client);
    client.destroy();
  });

  test('OPTIONS * answers for the whole server', async () => {
    const client = await rawRequest(s.port, 'OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n');
    const r = await client.response();
    assert.equal(r.status, 204);
    const allow = r.header('allow')!.split(', ');
    for (const m of ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS']) assert.ok(allow.includes(m), `${m} in ${allow.join(', ')}`);
    client.destroy();
  });

  test('a method the resource does not allow gets 405 with Allow', async () => {
    const client = await rawRequest(s.port, get('/hello', 'Content-Length: 0\r\n', 'DELETE'));
    const r = await client.response();
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 405 Method Not Allowed');
    assert.equal(r.header('allow'), 'GET, HEAD, OPTIONS');
    await assertStillOpen(client);
    client.destroy();
  });

  test('a method no resource supports gets 501 (RFC 9110 §15.6.2: "not capable of supporting it for any resource")', async () => {
    const client = await rawRequest(s.port, get('/hello', 'Content-Length: 0\r\n', 'PUT'));
    const r = await client.response();
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 501 Not Implemented');
    await assertStillOpen(client);
    client.destroy();
  });

  test('a method the server does not implement gets 501', async () => {
    const client = await rawRequest(s.port, get('/hello', '', 'BREW'));
    const r = await client.response();
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 501 Not Implemented');
    await assertStillOpen(client);
    client.destroy();
  });
});

describe('parse errors end to end: minimal response, Connection: close, then the socket closes', () => {
  let s: StartedServer;
  before(async () => {
    s = await startServer(app(), { limits: { maxBodyBytes: 1000, maxRequestLineBytes: 200, maxHeaderBytes: 500, maxHeaderCount: 10 } });
  });
  after(() => s.close());

  const cases: Array<[string, string, string]> = [
    ['400 for a malformed request line', 'GET /hello\r\nHost: t\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['400 for a bare LF line ending (RFC 9112 §2.2)', 'GET /hello HTTP/1.1\nHost: t\n\n', 'HTTP/1.1 400 Bad Request'],
    ['400 for an HTTP/1.1 request without Host (RFC 9112 §3.2)', 'GET /hello HTTP/1.1\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['400 for Content-Length with Transfer-Encoding (RFC 9112 §6.3)', 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['400 for obs-fold (RFC 9112 §5.2)', 'GET /hello HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  2\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['413 for a declared body over the limit', 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n', 'HTTP/1.1 413 Content Too Large'],
    ['413 for a chunked body that grows over the limit', `POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n${'x'.repeat(1001)}\r\n0\r\n\r\n`, 'HTTP/1.1 413 Content Too Large'],
    ['414 for a request line over the limit', `GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: t\r\n\r\n`, 'HTTP/1.1 414 URI Too Long'],
    ['431 for a header section over the limit', `GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(600)}\r\n\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['431 for too many header fields', `GET /hello HTTP/1.1\r\nHost: t\r\n${'X-A: 1\r\n'.repeat(11)}\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['501 for a transfer coding we do not implement', 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 'HTTP/1.1 501 Not Implemented'],
    ['505 for HTTP/2.0 in a request line', 'GET /hello HTTP/2.0\r\nHost: t\r\n\r\n', 'HTTP/1.1 505 HTTP Version Not Supported'],
  ];
  for (const [name, bytes, statusLine] of cases) {
    test(name, async () => {
      const client = await rawRequest(s.port, bytes);
      const r = await client.response();
      assertMinimalError(r, statusLine);
      const rest = await client.closed();
      assert.equal(rest.length, 0, 'nothing after the error response');
    });
  }

  test('a parse error in a pipelined request comes after the earlier response, then the close', async () => {
    const client = await rawRequest(s.port, get('/hello') + 'GET /x HTTP/9.9\r\nHost: t\r\n\r\n' + get('/hello'));
    const first = await client.response();
    assert.equal(first.status, 200);
    assert.equal(first.text, 'hello world\n');
    const second = await client.response();
    assertMinimalError(second, 'HTTP/1.1 505 HTTP Version Not Supported');
    const rest = await client.closed();
    assert.equal(rest.length, 0, 'the request after the bad one is never answered');
  });

  test('a bad chunk in a body being read ends the request with 400 and closes', async () => {
    const client = await rawRequest(s.port, 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n');
    const r = await client.response();
    assertMinimalError(r, 'HTTP/1.1 400 Bad Request');
    await client.closed();
  });
});

describe('handler pipeline and streamed bodies', () => {
  test('middleware runs in order, can act after next(), and errors become proper responses', async () => {
    const order: string[] = [];
    const router = new Router();
    router.route('/ok', { GET: (_req, res) => void (order.push('handler'), res.send(200, 'ok')) });
    router.route('/limited', {
      GET: () => {
        throw new HttpError(429, 'slow down', { headers: { 'Retry-After': '7' } });
      },
    });
    router.route('/twice', { GET: () => undefined });
    const handler = compose(
      [
        errorHandler(),
        async (req, res, next) => {
          order.push('outer in');
          res.setHeader('X-Outer', '1');
          await next();
          order.push(`outer out ${res.status}`);
        },
        (req, _res, next) => {
          order.push('inner');
          if (req.path === '/twice') {
            void next();
            return next();
          }
          return next();
        },
      ],
      router.handle,
    );
    const s = await startServer(handler);
    try {
      const c = await rawRequest(s.port, get('/ok'));
      const r = await c.response();
      assert.equal(r.text, 'ok');
      assert.equal(r.header('x-outer'), '1');
      assert.deepEqual(order, ['outer in', 'inner', 'handler', 'outer out 200']);

      await c.write(get('/limited', 'Accept: application/json\r\n'));
      const limited = await c.response();
      assert.equal(limited.status, 429);
      assert.equal(limited.header('retry-after'), '7');
      assert.equal(limited.header('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(limited.text), { error: { status: 429, reason: 'Too Many Requests', message: 'slow down' } });
      assert.equal(limited.headerCount('connection'), 0, 'an HttpError does not cost the connection');

      await c.write(get('/twice'));
      const twice = await c.response();
      assert.equal(twice.status, 500, 'next() called twice is a bug, answered 500');
      assert.doesNotMatch(twice.text, /twice/);
      c.destroy();
    } finally {
      await s.close();
    }
  });

  test('request and response bodies are streams: pipeline(req.body, transform, res.writable)', async () => {
    const handler: Handler = async (req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      const upper = new Transform({
        transform(chunk: Buffer, _enc, done) {
          done(null, Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'));
        },
      });
      await pipeline(req.body, upper, res.writable);
    };
    const s = await startServer(handler);
    try {
      const c = await rawRequest(s.port, 'POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n');
      await delay(20);
      await c.write('5\r\nworld\r\n0\r\n\r\n');
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.header('transfer-encoding'), 'chunked');
      assert.equal(r.text, 'HELLO WORLD');
      await c.write('POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc');
      assert.equal((await c.response()).text, 'ABC');
      c.destroy();
    } finally {
      await s.close();
    }
  });

  test('bytes pipelined after a Connection: close request are never answered', async () => {
    const s = await startServer(app());
    try {
      const c = await rawRequest(s.port, get('/hello', 'Connection: close\r\n') + get('/hello'));
      const r = await c.response();
      assert.equal(r.header('connection'), 'close');
      assert.equal((await c.closed()).length, 0);
    } finally {
      await s.close();
    }
  });
});

describe('Content-Length declared by a handler is held to', () => {
  const handler: Handler = async (req, res) => {
    if (req.path === '/short') {
      res.setHeader('Content-Length', 10);
      await res.stream(Readable.from([Buffer.from('12345')]));
    } else if (req.path === '/long') {
      res.setHeader('Content-Length', 3);
      await res.stream(Readable.from([Buffer.from('123'), Buffer.from('456')]));
    } else if (req.path === '/mismatch') {
      res.setHeader('Content-Length', 3);
      res.end('too long');
    } else if (req.path === '/bad') {
      res.setHeader('Content-Length', 'abc');
      res.end('x');
    } else res.send(200, 'fine');
  };

  test('a body shorter than its Content-Length closes the connection rather than desync it', async () => {
    const s = await startServer(handler);
    try {
      const c = await rawRequest(s.port, get('/short') + get('/next'));
      // Whether the partial response reached the wire before the close does not matter; what matters
      // is that the client never sees a complete response, nor the next one taken as its body.
      await assert.rejects(c.response(), /body bytes missing|closed before a complete response/);
      assert.ok(c.ended);
    } finally {
      await s.close();
    }
  });

  test('a body longer than its Content-Length never goes past the length; the connection is closed', async () => {
    const s = await startServer(handler);
    try {
      const c = await rawRequest(s.port, get('/long') + get('/next'));
      const raw = (await c.closed()).toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      if (end !== -1) assert.equal(raw.slice(end + 4), '123', 'not one byte past the declared length');
      assert.doesNotMatch(raw, /456/);
      assert.equal(raw.split('HTTP/1.1').length - 1, end === -1 ? 0 : 1, 'the next request is not answered');
    } finally {
      await s.close();
    }
  });

  test('end(body) that contradicts the declared length, or a malformed length, is a clean 500', async () => {
    const s = await startServer(handler);
    try {
      for (const path of ['/mismatch', '/bad']) {
        const c = await rawRequest(s.port, get(path));
        const r = await c.response();
        assert.equal(r.status, 500, path);
        assert.equal(Number(r.header('content-length')), r.body.length);
        c.destroy();
      }
      const c = await rawRequest(s.port, get('/ok'));
      assert.equal((await c.response()).text, 'fine', 'the server keeps serving');
      c.destroy();
    } finally {
      await s.close();
    }
  });
});

describe('interim 1xx responses (RFC 9110 §15.2)', () => {
  const handler: Handler = (req, res) => {
    if (req.path === '/final-1xx') {
      res.writeHead(102).end();
      return;
    }
    res.inform(103, { Link: ['</style.css>; rel=preload; as=style', '</app.js>; rel=preload; as=script'] });
    res.send(200, 'final');
  };

  test('103 Early Hints goes out before the final response, with its fields and no body', async () => {
    const s = await startServer(handler);
    try {
      const c = await rawRequest(s.port, get('/page'));
      const { interim, response } = await c.finalResponse();
      assert.equal(interim.length, 1);
      assert.equal(interim[0]!.head.split('\r\n')[0], 'HTTP/1.1 103 Early Hints');
      assert.equal(interim[0]!.headerCount('link'), 2);
      assert.equal(interim[0]!.body.length, 0);
      assert.equal(response.text, 'final');
      await c.write(get('/again'));
      assert.equal((await c.finalResponse()).response.text, 'final', 'the connection stays in sync');
      c.destroy();
    } finally {
      await s.close();
    }
  });

  test('an HTTP/1.0 client gets no 1xx', async () => {
    const s = await startServer(handler);
    try {
      const c = await rawRequest(s.port, 'GET /page HTTP/1.0\r\n\r\n');
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.text, 'final');
    } finally {
      await s.close();
    }
  });

  test('a 1xx used as a final status is refused with a 500, not sent', async () => {
    const s = await startServer(handler);
    try {
      const c = await rawRequest(s.port, get('/final-1xx'));
      assert.equal((await c.response()).status, 500);
    } finally {
      await s.close();
    }
  });
});
