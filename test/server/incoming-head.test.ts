// Request built from a protocol-neutral head, as an HTTP/2 stream will build one (RFC 9113 §8.3.1:
// :method, :path, :authority, fields lower-case, a body of unknown length arriving as DATA): what
// handlers and the access log read works without an HTTP/1.1 RequestHead.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Request } from '../../src/server/request.ts';
import type { IncomingHead } from '../../src/server/incoming-head.ts';
import { accessEntry, accessLine } from '../../src/log/formats.ts';

const PEER = { remoteAddress: '127.0.0.1', remotePort: 50000, localPort: 8443, secure: true };
const T = Date.UTC(2026, 11, 2, 12, 0, 0);

function source(log: string[]) {
  return { pauseReading: () => log.push('pause'), resumeReading: () => log.push('resume'), sendContinue: () => log.push('continue') };
}

test('an HTTP/2-style head: path and query, host from :authority, version 2.0 in the access line', () => {
  const head: IncomingHead = {
    method: 'GET',
    target: '/docs/a%20b.html?x=1',
    targetForm: 'origin',
    httpVersion: '2.0',
    rawHeaders: ['user-agent', 'h2-client', 'cookie', 'a=1', 'cookie', 'b=2'],
    contentLength: 0,
    host: 'example.test:8443',
    expect: '',
    keepAlive: true,
  };
  const req = new Request(head, source([]), PEER, T, 0);
  assert.equal(req.path, '/docs/a%20b.html');
  assert.equal(req.query, 'x=1');
  assert.equal(req.host, 'example.test:8443');
  assert.equal(req.httpVersion, '2.0');
  assert.equal(req.header('Cookie'), 'a=1; b=2');
  assert.equal(req.hasBody, false);
  assert.equal(req.bodyComplete, true);
  assert.match(accessLine('combined', accessEntry(req, { status: 200, bodyBytes: 5 }, T)), /"GET \/docs\/a%20b.html\?x=1 HTTP\/2.0" 200 5 "-" "h2-client"/);
});

test('a body of unknown length (-1) arrives as pushed data; Expect: 100-continue holds outside HTTP/1.0', async () => {
  const log: string[] = [];
  const head: IncomingHead = { method: 'POST', target: '/up', targetForm: 'origin', httpVersion: '2.0', rawHeaders: ['expect', '100-continue'], contentLength: -1, host: 'h', expect: '100-continue', keepAlive: true };
  const req = new Request(head, source(log), PEER, T, 0);
  assert.equal(req.hasBody, true);
  assert.equal(req.bodyComplete, false);
  assert.equal(req.expectsContinue, true);
  const body = req.text();
  req.pushBody(Buffer.from('hello '));
  req.pushBody(Buffer.from('world'));
  req.endBody();
  assert.equal(await body, 'hello world');
  assert.ok(log.includes('continue'));
  const old = new Request({ ...head, httpVersion: '1.0' }, source([]), PEER, T, 0);
  assert.equal(old.expectsContinue, false);
});
