// Differential test of ResponseParser against Node's own HTTP client (llhttp), the oracle: the same
// raw bytes come from a net server to http.request and are fed to our parser (the upstream closing
// after them). Both must accept or refuse alike, and agree on status, field lines and body. Every
// deliberate difference is listed in DIFFERENCES with its RFC reason.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { feedResponses } from '../support/response-harness.ts';

interface Outcome {
  ok: boolean;
  status?: number;
  rawHeaders?: string[];
  body?: string;
}

const CASES: Array<[string, string, string?]> = [
  ['content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello'],
  ['chunked with trailers', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n'],
  ['close-delimited', 'HTTP/1.1 200 OK\r\nX: y\r\n\r\nuntil the close'],
  ['HTTP/1.0 close-delimited', 'HTTP/1.0 200 OK\r\n\r\nold style'],
  ['204 with a Content-Length', 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'],
  ['304', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'],
  ['100 then 200', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['103 then 200', 'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['HEAD with Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'HEAD'],
  ['empty reason without SP', 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok'],
  ['reason with obs-text', 'HTTP/1.1 200 caf\xe9\r\nContent-Length: 2\r\n\r\nok'],
  ['identical duplicate Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok'],
  ['CL and TE', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['differing Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
  ['bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'],
  ['garbage', 'this is not http at all\r\n\r\n'],
  ['HTTP/2.0 status line', 'HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'],
  ['status 99', 'HTTP/1.1 99 X\r\nContent-Length: 0\r\n\r\n'],
  ['space before colon', 'HTTP/1.1 200 OK\r\nX : y\r\nContent-Length: 0\r\n\r\n'],
  ['NUL in a value', 'HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n'],
  ['truncated Content-Length body', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
  ['truncated chunked body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'],
  ['truncated head', 'HTTP/1.1 200 OK\r\nX: y'],
  ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n'],
  ['chunk data without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n'],
  ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok'],
  ['TE gzip (not chunked)', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw bytes'],
];

// Deliberate differences, each with its reason. Where we refuse and Node accepts, it is because a
// proxy must not read an upstream's bytes in a way another hop might not; where we accept, the
// framing we forward is our own and unambiguous.
const DIFFERENCES: Record<string, string> = {
  'identical duplicate Content-Length': 'RFC 9110 §8.6 lets a recipient take identical values as one (the request parser does); we forward a single Content-Length, so no hop after us sees two',
  'TE gzip (not chunked)': 'RFC 9112 §6.3 rule 4 allows read-until-close; we refuse a coding we would have to forward undecoded (502)',
  'HTTP/2.0 status line': 'RFC 9112 §2.3: a 2.x status line is not HTTP/1 framing; Node reads it as 1.x',
};

let server: Server;
let port = 0;
let reply: Buffer = Buffer.alloc(0);

before(async () => {
  server = createServer((socket) => {
    socket.once('data', () => socket.end(reply));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function oracle(bytes: Buffer, method: string): Promise<Outcome> {
  reply = bytes;
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/', agent: false, timeout: 3000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ ok: true, status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(parts).toString('latin1') }));
      res.on('error', () => resolve({ ok: false }));
      res.on('aborted', () => resolve({ ok: false }));
    });
    req.on('error', () => resolve({ ok: false }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function ours(bytes: Buffer, method: string): Outcome {
  const { events } = feedResponses([bytes], [method], true);
  if (events.some((e) => e.type === 'error')) return { ok: false };
  const head = events.find((e) => e.type === 'head');
  if (head === undefined || events.at(-1)?.type !== 'end') return { ok: false };
  const body = events.filter((e) => e.type === 'data').map((e) => (e as { data: string }).data).join('');
  return { ok: true, status: head.head.status, rawHeaders: head.head.rawHeaders, body };
}

function compare(name: string, a: Outcome, b: Outcome): void {
  if (DIFFERENCES[name] !== undefined) {
    // A listed difference must still be one: when Node starts agreeing, the entry goes.
    assert.notDeepEqual(a, b, `${name} is listed as a difference but both agree`);
    return;
  }
  assert.deepEqual(a, b, name);
}

for (const [name, text, method = 'GET'] of CASES) {
  test(`agrees with Node's client on: ${name}`, async () => {
    const bytes = Buffer.from(text, 'latin1');
    compare(name, ours(bytes, method), await oracle(bytes, method));
  });
}

test('agrees with Node on random valid responses (Content-Length and chunked)', async () => {
  const samples = fc.sample(
    fc.record({
      status: fc.constantFrom(200, 201, 404, 500),
      chunked: fc.boolean(),
      body: fc.string({ maxLength: 200 }),
      fields: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/), fc.stringMatching(/^[!-~]([ !-~]{0,20}[!-~])?$/)), { maxLength: 4 }),
    }),
    { seed: 20261205, numRuns: 40 },
  );
  for (const s of samples) {
    const fields = s.fields.filter(([n]) => !/^(content-length|transfer-encoding|connection|upgrade|keep-alive)$/i.test(n));
    const data = Buffer.from(s.body, 'latin1');
    let text = `HTTP/1.1 ${s.status} R\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}`;
    text += s.chunked ? `Transfer-Encoding: chunked\r\n\r\n${data.length > 0 ? `${data.length.toString(16)}\r\n${s.body}\r\n` : ''}0\r\n\r\n` : `Content-Length: ${data.length}\r\n\r\n${s.body}`;
    const bytes = Buffer.from(text, 'latin1');
    assert.deepEqual(ours(bytes, 'GET'), await oracle(bytes, 'GET'), text);
  }
});
