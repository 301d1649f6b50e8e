// Access log formats, byte for byte against the Apache documentation's example lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessEntry, apacheTime, combinedLine, commonLine, escapeLogItem, jsonAccessLine, jsonEventLine, textEventLine, type AccessEntry } from '../../src/log/formats.ts';

// 10/Oct/2000:13:55:36 -0700 is 20:55:36 UTC.
const T = Date.UTC(2000, 9, 10, 20, 55, 36);
const ENTRY: AccessEntry = {
  remoteAddress: '127.0.0.1',
  user: 'frank',
  time: T,
  method: 'GET',
  target: '/apache_pb.gif',
  httpVersion: '1.0',
  status: 200,
  bytes: 2326,
  referer: 'http://www.example.com/start.html',
  userAgent: 'Mozilla/4.08 [en] (Win98; I ;Nav)',
  durationMs: 7,
};

test('common: the Apache example line exactly', () => {
  assert.equal(commonLine(ENTRY, -420), '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326');
});

test('combined: the Apache example line exactly (also nginx\'s combined)', () => {
  assert.equal(combinedLine(ENTRY, -420), '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"');
});

test('no user, no body, no referer or agent are dashes; v4-mapped addresses are shown as v4', () => {
  const e: AccessEntry = { ...ENTRY, remoteAddress: '::ffff:10.0.0.2', user: '-', status: 304, bytes: 0, referer: undefined, userAgent: undefined };
  assert.equal(combinedLine(e, 0), '10.0.0.2 - - [10/Oct/2000:20:55:36 +0000] "GET /apache_pb.gif HTTP/1.0" 304 - "-" "-"');
  assert.equal(commonLine({ ...e, remoteAddress: '::1' }, 330), '::1 - - [11/Oct/2000:02:25:36 +0530] "GET /apache_pb.gif HTTP/1.0" 304 -');
});

test('request fields are escaped so a client cannot forge fields or lines', () => {
  assert.equal(escapeLogItem('plain /path?q=1'), 'plain /path?q=1');
  assert.equal(escapeLogItem('a"b\\c'), 'a\\"b\\\\c');
  assert.equal(escapeLogItem('x\r\ny\t\x7f\xe9'), 'x\\x0d\\x0ay\\x09\\x7f\\xe9');
  const e: AccessEntry = { ...ENTRY, target: '/"q"', userAgent: 'evil"\n127.0.0.1 - - [x] "GET /"' };
  assert.equal(combinedLine(e, -420), '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /\\"q\\" HTTP/1.0" 200 2326 "http://www.example.com/start.html" "evil\\"\\x0a127.0.0.1 - - [x] \\"GET /\\""');
});

test('json: one object per line with the response time', () => {
  assert.equal(
    jsonAccessLine(ENTRY),
    '{"time":"2000-10-10T20:55:36.000Z","type":"access","remote_addr":"127.0.0.1","user":"frank","method":"GET","target":"/apache_pb.gif","protocol":"HTTP/1.0","status":200,"bytes":2326,"duration_ms":7,"referer":"http://www.example.com/start.html","user_agent":"Mozilla/4.08 [en] (Win98; I ;Nav)"}',
  );
  const line = jsonAccessLine({ ...ENTRY, target: '/a\nb' });
  assert.ok(!line.includes('\n'));
  assert.equal((JSON.parse(line) as { target: string }).target, '/a\nb');
});

test('apacheTime uses the local offset by default', () => {
  const offset = -new Date(T).getTimezoneOffset();
  assert.equal(apacheTime(T), apacheTime(T, offset));
  assert.equal(apacheTime(Date.UTC(2024, 1, 29, 0, 0, 5), 0), '29/Feb/2024:00:00:05 +0000');
});

test('server events: text and JSON lines', () => {
  assert.equal(textEventLine(T, 'WARNING', 'disk slow'), '2000-10-10T20:55:36.000Z WARNING disk slow');
  assert.equal(textEventLine(T, 'INFO', 'up'), '2000-10-10T20:55:36.000Z INFO    up');
  assert.equal(jsonEventLine(T, 'INFO', 'up'), '{"time":"2000-10-10T20:55:36.000Z","type":"event","level":"INFO","message":"up"}');
  const withError = JSON.parse(jsonEventLine(T, 'ERROR', 'boom', new TypeError('bad'))) as { error: { name: string; message: string } };
  assert.equal(withError.error.name, 'TypeError');
  assert.equal(withError.error.message, 'bad');
});

test('accessEntry reads the request and response', () => {
  const headers: Record<string, string> = { referer: 'http://r/', 'user-agent': 'ua' };
  const req = { remoteAddress: '::1', method: 'HEAD', target: '/x?y', httpVersion: '1.1', startTime: T, header: (n: string) => headers[n], local: () => undefined };
  const e = accessEntry(req, { status: 404, bodyBytes: 0 }, T + 12);
  assert.deepEqual(e, { remoteAddress: '::1', user: '-', time: T, method: 'HEAD', target: '/x?y', httpVersion: '1.1', status: 404, bytes: 0, referer: 'http://r/', userAgent: 'ua', durationMs: 12 });
});

test('accessEntry logs the user an auth middleware stored in req.locals, and leaves locals uncreated otherwise', async () => {
  const { Request } = await import('../../src/server/request.ts');
  const head = { method: 'GET', target: '/', targetForm: 'origin' as const, httpVersion: '1.1', rawHeaders: ['Host', 'h'], contentLength: 0, chunked: false, keepAlive: true, expect: '', host: 'h' };
  const source = { pauseReading() {}, resumeReading() {}, sendContinue() {} };
  const peer = { remoteAddress: '127.0.0.1', remotePort: 1, localPort: 2, secure: false };
  const anonymous = new Request(head, source, peer, T, 0);
  assert.equal(accessEntry(anonymous, { status: 200, bodyBytes: 1 }, T).user, '-');
  assert.equal(anonymous.local('user'), undefined);
  const signedIn = new Request(head, source, peer, T, 0);
  signedIn.locals.user = 'alice';
  assert.equal(accessEntry(signedIn, { status: 200, bodyBytes: 1 }, T).user, 'alice');
});
