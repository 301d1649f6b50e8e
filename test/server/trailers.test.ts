// Response trailers (RFC 9110 §6.5) as clients see them: after the last chunk over HTTP/1.1
// (RFC 9112 §7.1.2), as a final HEADERS frame over HTTP/2 (RFC 9113 §8.1); dropped where the framing
// has no place for them; fields that must come before the content refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer } from '../support/start-server.ts';
import { makeCert } from '../support/tls-helpers.ts';
import { closeSession, h2connect } from '../support/h2-client.ts';

/** Sends raw bytes and collects everything until the server has sent `until` (or closes). */
function exchange(port: number, bytes: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (until.test(got)) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

test('HTTP/1.1: trailers follow the last chunk, announced in Trailer; the connection stays usable', async (t) => {
  const s = await startServer((req, res) => {
    if (req.path === '/streamed') {
      res.write('part one, ');
      res.addTrailers({ 'Server-Timing': 'total;dur=12' }); // after the head: no Trailer field possible
      return res.end('part two');
    }
    if (req.path === '/declared') {
      res.setHeader('Content-Length', '5');
      res.addTrailers({ 'X-Checksum': 'abc' });
      return res.end('hello');
    }
    res.addTrailers({ 'X-Checksum': 'sha256=deadbeef', 'Server-Timing': ['db;dur=5', 'app;dur=7'] });
    res.end('hello');
  });
  t.after(() => s.close());
  const both = await exchange(s.port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\nGET /streamed HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', /0\r\nServer-Timing: total;dur=12\r\n\r\n$/);
  const [first, second] = both.split(/(?=HTTP\/1\.1 200)/);
  assert.match(first!, /\r\nTrailer: X-Checksum, Server-Timing\r\n/);
  assert.match(first!, /\r\nTransfer-Encoding: chunked\r\n/);
  assert.doesNotMatch(first!, /Content-Length/i);
  assert.ok(first!.endsWith('\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: sha256=deadbeef\r\nServer-Timing: db;dur=5\r\nServer-Timing: app;dur=7\r\n\r\n'), JSON.stringify(first));
  assert.doesNotMatch(second!, /\r\nTrailer:/);
  assert.match(second!, /a\r\npart one, \r\n8\r\npart two\r\n0\r\nServer-Timing: total;dur=12\r\n\r\n$/);
  // A Content-Length of the handler's leaves no place for trailers: the body is intact, they are dropped.
  const declared = await exchange(s.port, 'GET /declared HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', /\r\n\r\nhello$/);
  assert.match(declared, /\r\nContent-Length: 5\r\n/);
  assert.doesNotMatch(declared, /abc/);
});

test('trailer fields the recipient needs before the content are refused (RFC 9110 §6.5.1)', async (t) => {
  const errors: string[] = [];
  const s = await startServer((_req, res) => {
    for (const name of ['Content-Length', 'transfer-encoding', 'Content-Type', 'Set-Cookie', 'Host', 'Trailer']) {
      try {
        res.addTrailers({ [name]: 'x' });
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    res.end('ok');
  });
  t.after(() => s.close());
  await exchange(s.port, 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', /\r\n\r\nok$/);
  assert.equal(errors.length, 6);
  assert.ok(errors.every((m) => /cannot be a trailer field/.test(m)));
});

test('HTTP/2: trailers arrive as the final HEADERS frame of the stream', async (t) => {
  const cert = makeCert();
  const s = await startServer(
    (_req, res) => {
      res.addTrailers({ 'X-Checksum': 'sha256=deadbeef' });
      res.end('hello over h2');
    },
    { tls: { key: cert.keyPem, cert: cert.certPem } },
  );
  t.after(() => s.close());
  const session = await h2connect(`https://127.0.0.1:${s.port}`);
  t.after(() => closeSession(session));
  const got = await new Promise<{ head: Record<string, unknown>; body: string; trailers: Record<string, unknown> }>((resolve, reject) => {
    const stream = session.request({ ':path': '/' });
    let head: Record<string, unknown> = {};
    let body = '';
    let trailers: Record<string, unknown> = {};
    stream.on('response', (h) => (head = h));
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (d: Buffer) => (body += d.toString()));
    stream.on('end', () => resolve({ head, body, trailers }));
    stream.on('error', reject);
  });
  assert.equal(got.head['trailer'], 'X-Checksum');
  assert.equal(got.body, 'hello over h2');
  assert.equal(got.trailers['x-checksum'], 'sha256=deadbeef');
});
