// What the engine records for a watcher, seen through a TraceHub on a real server: the request head
// exactly as its bytes came (pipelined requests each their own), refusals that never became a
// request, HTTP/2 exchanges with their frames both ways, and the filter --trace-filter applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createServer } from '../../src/server/http-server.ts';
import { TraceHub } from '../../src/trace/trace-hub.ts';
import type { TraceRecord } from '../../src/trace/exchange-trace.ts';
import { parseTraceFilter, type TraceFilter } from '../../src/trace/trace-filter.ts';
import { H2FrameTap } from '../../src/trace/h2-frame-tap.ts';
import type { FrameNote } from '../../src/trace/exchange-trace.ts';
import type { Handler } from '../../src/server/connection.ts';
import { closeSession, h2connect, h2get } from '../support/h2-client.ts';

async function traced(t: import('node:test').TestContext, handler: Handler, options: { http2Cleartext?: boolean } = {}) {
  const hub = new TraceHub();
  const records: TraceRecord[] = [];
  const waiters: Array<() => void> = [];
  hub.subscribe((r) => {
    records.push(r);
    for (const w of waiters.splice(0)) w();
  });
  const server = createServer({ handler, trace: hub, ...options });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close(100));
  const port = typeof address === 'string' ? 0 : address.port;
  const until = async (n: number): Promise<TraceRecord[]> => {
    const deadline = Date.now() + 5000;
    while (records.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${records.length} of ${n} records`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return records;
  };
  return { hub, port, records, until };
}

function send(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => (got += s));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

const hello: Handler = (req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end(`hello ${req.path}`);
};

test('pipelined requests are recorded each with its own head bytes, response head and body sample', async (t) => {
  const { port, until } = await traced(t, hello);
  await send(port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const [a, b] = await until(2);
  assert.equal(a!.requestHead, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(b!.requestHead, 'GET /b?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(a!.connection, b!.connection);
  assert.match(a!.responseHead, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 8\r\n\r\n$/);
  assert.equal(a!.bodySample, 'hello /a');
  assert.equal(a!.contentType, 'text/plain');
  assert.deepEqual(a!.decisions.map((d) => d.code), ['keep-alive', 'length']);
  assert.deepEqual(b!.decisions.map((d) => d.code), ['close-requested', 'length']);
  assert.ok(a!.timings.headers >= 0 && a!.timings.firstByte >= a!.timings.headers && a!.timings.lastByte >= a!.timings.firstByte);
});

test('a refused head is recorded with the bytes that were refused and the rule it broke', async (t) => {
  const { port, until } = await traced(t, hello);
  const answer = await send(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 400 /);
  const [r] = await until(1);
  assert.equal(r!.status, 400);
  assert.equal(r!.requestHead, 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n');
  assert.equal(r!.method, 'GET');
  const refusal = r!.decisions.find((d) => d.code === 'parse-error');
  assert.equal(refusal?.source, 'RFC 9110 §5.5');
  assert.match(refusal!.text, /^400: Invalid character in header value$/);
  assert.equal(refusal!.url, 'https://www.rfc-editor.org/rfc/rfc9110#section-5.5');
  assert.match(r!.responseHead, /^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\n$/);
});

test('a bare LF line end is recorded as it came (no CR)', async (t) => {
  const { port, until } = await traced(t, hello);
  await send(port, 'GET / HTTP/1.1\nHost: x\r\n\r\n');
  const [r] = await until(1);
  assert.equal(r!.requestHead, 'GET / HTTP/1.1\n');
  assert.equal(r!.decisions.find((d) => d.code === 'parse-error')?.source, 'RFC 9112 §2.2');
});

test('nothing is recorded once the last watcher leaves, and recording resumes with a new one', async (t) => {
  const hub = new TraceHub();
  let seen: Array<TraceRecord['target']> = [];
  let traces = 0;
  const server = createServer({
    trace: hub,
    handler: (req, res) => {
      if (req.trace !== null) traces++;
      res.end('ok');
    },
  });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close(100));
  const port = typeof address === 'string' ? 0 : address.port;
  const stop = hub.subscribe((r) => seen.push(r.target));
  await send(port, 'GET /one HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  stop();
  assert.equal(hub.watching, false);
  await send(port, 'GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.deepEqual(seen, ['/one']);
  assert.equal(traces, 1);
  seen = [];
  hub.subscribe((r) => seen.push(r.target));
  await send(port, 'GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.deepEqual(seen, ['/three']);
});

test('HTTP/2 (prior knowledge): fields HPACK-decoded, frames both ways with flags and stream ids, and how HTTP/2 was agreed', async (t) => {
  const { port, until } = await traced(t, hello, { http2Cleartext: true });
  const session = await h2connect(`http://127.0.0.1:${port}`);
  const res = await h2get(session, '/h2', { 'x-learn': 'yes' });
  assert.equal(res.status, 200);
  await closeSession(session);
  const [r] = await until(1);
  assert.equal(r!.protocol, 'h2');
  assert.equal(r!.stream, 1);
  assert.match(r!.requestHead, /^:method: GET\n:scheme: http\n:authority: 127\.0\.0\.1:\d+\n:path: \/h2\n[^]*x-learn: yes\n/);
  assert.match(r!.responseHead, /^:status: 200\n[^]*content-type: text\/plain\n/);
  assert.deepEqual(r!.decisions.map((d) => d.code), ['h2-prior-knowledge', 'h2-framing']);
  const frames = r!.frames.map((f) => `${f.dir} ${f.type} ${f.stream}${f.flags.length === 0 ? '' : ' ' + f.flags.join('+')}`);
  assert.ok(frames.includes('out SETTINGS 0'), frames.join(', '));
  assert.ok(frames.includes('in HEADERS 1 END_STREAM+END_HEADERS'), frames.join(', '));
  assert.ok(frames.includes('out HEADERS 1 END_HEADERS'), frames.join(', '));
  assert.ok(frames.includes('out DATA 1 END_STREAM'), frames.join(', '));
  assert.ok(r!.frames.find((f) => f.dir === 'in' && f.type === 'HEADERS')!.hpack!.length > 0);
});

test('the frame tap reads frames split anywhere, skips the client preface, and names settings and flags', () => {
  const notes: FrameNote[] = [];
  const tap = new H2FrameTap('in', (n) => notes.push(n));
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  const settings = Buffer.from([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]);
  const headers = Buffer.from([0, 0, 3, 1, 5, 0, 0, 0, 1, 0x82, 0x86, 0x84]);
  const window = Buffer.from([0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
  const all = Buffer.concat([preface, settings, headers, window]);
  for (let i = 0; i < all.length; i++) tap.push(all.subarray(i, i + 1));
  assert.deepEqual(notes.map((n) => [n.type, n.flags.join('+'), n.stream, n.length, n.detail]), [
    ['SETTINGS', '', 0, 6, 'SETTINGS_MAX_CONCURRENT_STREAMS=100'],
    ['HEADERS', 'END_STREAM+END_HEADERS', 1, 3, 'field block of 3 bytes'],
    ['WINDOW_UPDATE', '', 0, 4, 'increment 65535'],
  ]);
  assert.equal(notes[1]!.hpack, '828684');
});

function filter(text: string): TraceFilter {
  const f = parseTraceFilter(text);
  assert.notEqual(typeof f, 'string', String(f));
  return f as TraceFilter;
}

test('--trace-filter: one term of every kind given must match; path globs ignore the query', () => {
  const ex = (method: string, target: string, status: number) => ({ method, target, status });
  const f = filter('/api/* POST,put 4xx 500');
  assert.equal(f.matches(ex('POST', '/api/items?x=1', 404)), true);
  assert.equal(f.matches(ex('PUT', '/api/a/b', 500)), true);
  assert.equal(f.matches(ex('GET', '/api/items', 404)), false);
  assert.equal(f.matches(ex('POST', '/apis', 404)), false);
  assert.equal(f.matches(ex('POST', '/api/x', 201)), false);
  assert.equal(filter('/*.css').matches(ex('GET', '/a/b.css', 200)), true);
  assert.equal(filter('/a?c').matches(ex('GET', '/abc', 200)), true);
  assert.equal(filter('3xx').matches(ex('GET', 'http://h/x', 304)), true);
  assert.match(parseTraceFilter('4x') as string, /"4x" is neither a path glob/);
  assert.match(parseTraceFilter('  ') as string, /is empty/);
});

test('a WebSocket opened while someone watches: its 101 is an exchange, then every frame both ways, unmasked', async (t) => {
  const { Router } = await import('../../src/app/router.ts');
  const { default: WsClient } = await import('ws');
  const router = new Router();
  router.websocket('/ws', (ws) => void ws.on('message', (data: Buffer) => ws.send(`echo ${data.toString()}`)), { perMessageDeflate: false });
  const hub = new TraceHub();
  const records: TraceRecord[] = [];
  const frames: Array<import('../../src/trace/trace-hub.ts').FrameRecord> = [];
  hub.subscribe((r) => records.push(r));
  hub.subscribeFrames((f) => frames.push(f));
  const server = createServer({ handler: router.handle, trace: hub });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close(100));
  const port = typeof address === 'string' ? 0 : address.port;
  const client = new WsClient(`ws://127.0.0.1:${port}/ws`);
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  const reply = new Promise<string>((resolve) => client.once('message', (d: Buffer) => resolve(d.toString())));
  client.send('hi');
  assert.equal(await reply, 'echo hi');
  client.close(1000, 'bye');
  await new Promise((resolve) => client.once('close', resolve));
  const deadline = Date.now() + 3000;
  while (frames.filter((f) => f.opcode === 'CLOSE').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(records[0]!.status, 101);
  assert.ok(records[0]!.decisions.some((d) => d.code === 'switch' && d.text.includes('websocket')));
  assert.deepEqual(frames.map((f) => `${f.dir} ${f.opcode}${f.fin ? ' FIN' : ''}${f.masked ? ' masked' : ''} ${f.length} ${f.sample}`), [
    'in TEXT FIN masked 2 hi',
    'out TEXT FIN 7 echo hi',
    'in CLOSE FIN masked 5 \x03\xe8bye',
    'out CLOSE FIN 2 \x03\xe8',
  ]);
  assert.ok(frames.every((f) => f.connection === records[0]!.connection));
});
