// ServerSession (sans-IO): a conversation's events and output, fed whole and byte by byte; every
// §5.1 state-machine error with its stream-vs-connection outcome; the HTTP semantics of §8.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODE } from '../../src/http2/errors.ts';
import { FLAG, FRAME_TYPE } from '../../src/http2/frame-types.ts';
import { rawFrame } from '../support/frame-harness.ts';
import { Harness, type HarnessOptions, REQUEST, TestClient, ofType, opening, type OutFrame, type SessionEvent } from '../support/session-harness.ts';


/** Runs input after the opening whole and byte by byte; the two must agree exactly. */
function run(build: (c: TestClient) => Buffer[], options: HarnessOptions = {}): { events: SessionEvent[]; frames: OutFrame[]; h: Harness } {
  const results = [false, true].map((bytes) => {
    const c = new TestClient();
    const input = Buffer.concat([opening(c), ...build(c)]);
    const h = new Harness(options).feed(input, bytes);
    return { events: h.events, frames: h.out(), h };
  });
  assert.deepEqual(results[1]!.events, results[0]!.events, 'byte-by-byte events differ');
  assert.deepEqual(results[1]!.frames, results[0]!.frames, 'byte-by-byte output differs');
  return results[0]!;
}

const rsts = (frames: OutFrame[]): [number, number][] => ofType(frames, 'rst').map((f) => [f.id, f.code]);
const goaways = (frames: OutFrame[]): [number, number][] => ofType(frames, 'goaway').map((f) => [f.lastStreamId, f.code]);
const requests = (events: SessionEvent[]): number[] => events.filter((e) => e.type === 'request').map((e) => (e as { id: number }).id);

const hello: HarnessOptions = {
  onRequest: (s) => {
    s.respond(200, ['content-type', 'text/plain']);
    s.write(Buffer.from('hello'));
    s.end();
  },
};

test('the server preface: SETTINGS first (no push, limits), a connection WINDOW_UPDATE, then the ACK of the client SETTINGS', () => {
  const { frames, events } = run(() => []);
  assert.deepEqual(frames[0], {
    type: 'settings',
    settings: { enablePush: false, maxConcurrentStreams: 100, initialWindowSize: 262_144, maxHeaderListSize: 65_536 },
  });
  assert.deepEqual(frames[1], { type: 'window-update', id: 0, increment: 1_048_576 - 65_535 });
  assert.deepEqual(frames[2], { type: 'settings-ack' });
  assert.deepEqual(events, [{ type: 'settings-acked' }]);
});

test('awaitingSettingsAck and settingsSentAt tell the shell about the SETTINGS timeout', () => {
  const h = new Harness({ now: 1234 });
  assert.equal(h.session.awaitingSettingsAck, true);
  assert.equal(h.session.settingsSentAt, 1234);
  h.feed(opening(new TestClient()));
  assert.equal(h.session.awaitingSettingsAck, false);
});

test('GET: the request head, then HEADERS and DATA with END_STREAM; the stream closes', () => {
  const { events, frames } = run((c) => [c.headers(1, REQUEST('/a?b', 'GET', ['accept', '*/*', 'priority', 'u=1']))], hello);
  assert.deepEqual(events.slice(1), [
    { type: 'request', id: 1, method: 'GET', scheme: 'http', authority: 'example.test', path: '/a?b', fields: ['accept', '*/*', 'priority', 'u=1'], endStream: true },
    { type: 'close', id: 1 },
  ]);
  const out = frames.filter((f) => f.type === 'headers' || f.type === 'data');
  assert.deepEqual(out, [
    { type: 'headers', id: 1, endStream: false, fields: [':status', '200', 'content-type', 'text/plain'] },
    { type: 'data', id: 1, data: Buffer.from('hello'), endStream: true },
  ]);
});

test('POST: body chunks, trailers, end; padding is granted back at once', () => {
  const { events } = run((c) => [
    c.headers(1, REQUEST('/up', 'POST', ['content-length', '6']), false),
    c.data(1, 'abc', false, 10),
    c.data(1, 'def'),
    c.headers(1, ['x-checksum', '42'], true),
  ]);
  assert.deepEqual(
    events.filter((e) => e.type !== 'settings-acked' && e.type !== 'request'),
    [
      { type: 'data', id: 1, data: 'abc' },
      { type: 'data', id: 1, data: 'def' },
      { type: 'trailers', id: 1, fields: ['x-checksum', '42'] },
      { type: 'end', id: 1 },
    ],
  );
});

test('1xx then the final response; trailers after the body; respond() on a reset stream is false, not a throw', () => {
  let stream: import('../../src/http2/session.ts').ServerStream | null = null;
  const h = new Harness({ onRequest: (s) => (stream = s) });
  const C = new TestClient();
  h.feed(Buffer.concat([opening(C), C.headers(1, REQUEST('/', 'POST'), false)]));
  h.out();
  const s = stream!;
  assert.equal(s.respond(103, ['link', '</a.css>; rel=preload']), true);
  assert.equal(s.respond(200, ['connection', 'keep-alive', 'transfer-encoding', 'chunked', 'x-a', 'b']), true);
  s.write(Buffer.from('body'));
  s.end(['x-trailer', 'yes']);
  const out = h.out();
  assert.deepEqual(out, [
    { type: 'headers', id: 1, endStream: false, fields: [':status', '103', 'link', '</a.css>; rel=preload'] },
    // §8.2.2: connection-specific fields of an HTTP/1.1-minded handler are dropped.
    { type: 'headers', id: 1, endStream: false, fields: [':status', '200', 'x-a', 'b'] },
    { type: 'data', id: 1, data: Buffer.from('body'), endStream: false },
    { type: 'headers', id: 1, endStream: true, fields: ['x-trailer', 'yes'] },
  ]);
  h.feed(C.rst(1, ERROR_CODE.CANCEL));
  assert.equal(s.respond(200), false);
  assert.equal(s.write(Buffer.from('x')), false);
  assert.equal(s.state, 'closed');
});

test('handler misuse throws (our bug, not the peer’s): write() before respond() or after the end', () => {
  const streams: import('../../src/http2/session.ts').ServerStream[] = [];
  const C = new TestClient();
  const h = new Harness({ onRequest: (s) => streams.push(s) });
  h.feed(Buffer.concat([opening(C), C.headers(1, REQUEST('/', 'POST'), false), C.headers(3, REQUEST('/', 'POST'), false)]));
  assert.throws(() => streams[0]!.write(Buffer.from('x')), /before respond/);
  streams[0]!.respond(204, [], { endStream: true });
  assert.throws(() => streams[0]!.write(Buffer.from('x')), /after the response ended/);
  streams[1]!.respond(200);
  streams[1]!.end();
  assert.throws(() => streams[1]!.write(Buffer.from('x')), /after the response ended/);
  assert.throws(() => streams[1]!.respond(200), /after the final response head/);
});

test('response headers are split by the client SETTINGS_MAX_FRAME_SIZE into HEADERS + CONTINUATION', () => {
  const big = 'v'.repeat(40_000);
  const h = new Harness({ onRequest: (s) => s.respond(200, ['x-big', big], { endStream: true }) });
  const C = new TestClient();
  h.feed(Buffer.concat([opening(C), C.headers(1, REQUEST())]));
  let frames = 0;
  let maxLen = 0;
  for (;;) {
    const bufs = h.session.takeOutput();
    if (bufs === null) break;
    const all = Buffer.concat(bufs);
    for (let at = 0; at < all.length; ) {
      const len = all.readUIntBE(at, 3);
      if (all[at + 3] === FRAME_TYPE.HEADERS || all[at + 3] === FRAME_TYPE.CONTINUATION) {
        frames++;
        maxLen = Math.max(maxLen, len);
      }
      at += 9 + len;
    }
  }
  assert.ok(frames >= 2, `expected HEADERS + CONTINUATION, got ${frames} frames`);
  assert.ok(maxLen <= 16_384);
});

// --- §5.1: every state-machine error, stream or connection ---

interface ErrorCase {
  name: string;
  build: (c: TestClient) => Buffer[];
  rst?: [number, number][];
  goaway?: number;
  options?: HarnessOptions;
}

const P = ERROR_CODE.PROTOCOL_ERROR;
// A response complete at once: the stream is closed (not half-closed) when the next frame comes.
const done: HarnessOptions = { onRequest: (s) => s.respond(204, [], { endStream: true }) };
const CASES: ErrorCase[] = [
  { name: 'DATA on an idle stream', build: (c) => [c.data(1, 'x')], goaway: P },
  { name: 'RST_STREAM on an idle stream', build: (c) => [c.rst(1, 8)], goaway: P },
  { name: 'WINDOW_UPDATE on an idle stream', build: (c) => [c.windowUpdate(5, 10)], goaway: P },
  { name: 'WINDOW_UPDATE of 0 on an idle stream', build: () => [rawFrame(FRAME_TYPE.WINDOW_UPDATE, 0, 5, Buffer.alloc(4))], goaway: P },
  { name: 'HEADERS on an even (server) stream id', build: (c) => [c.headers(2, REQUEST())], goaway: P },
  { name: 'a stream id lower than one already opened', build: (c) => [c.headers(5, REQUEST()), c.headers(3, REQUEST())], goaway: P },
  { name: 'DATA on a half-closed (remote) stream', build: (c) => [c.headers(1, REQUEST()), c.data(1, 'x')], rst: [[1, ERROR_CODE.STREAM_CLOSED]] },
  { name: 'HEADERS on a half-closed (remote) stream', build: (c) => [c.headers(1, REQUEST()), c.headers(1, ['x', 'y'])], rst: [[1, ERROR_CODE.STREAM_CLOSED]] },
  { name: 'a second HEADERS without END_STREAM (neither trailers nor allowed)', build: (c) => [c.headers(1, REQUEST(), false), c.headers(1, ['x', 'y'], false)], rst: [[1, P]] },
  { name: 'HEADERS again on a stream closed normally', build: (c) => [c.headers(1, REQUEST()), c.headers(1, REQUEST())], goaway: ERROR_CODE.STREAM_CLOSED, options: done },
  { name: 'DATA on a stream closed normally', build: (c) => [c.headers(1, REQUEST()), c.data(1, 'x')], rst: [[1, ERROR_CODE.STREAM_CLOSED]], options: done },
  { name: 'DATA after the client reset the stream', build: (c) => [c.headers(1, REQUEST(), false), c.rst(1, 8), c.data(1, 'x')], rst: [[1, ERROR_CODE.STREAM_CLOSED]] },
  { name: 'DATA after we reset the stream (ignored)', build: (c) => [c.headers(1, REQUEST(), false), c.data(1, 'late'), c.data(1, 'later', true)], rst: [], options: { onRequest: (s) => s.reset(ERROR_CODE.CANCEL) } },
  { name: 'WINDOW_UPDATE and PRIORITY on a closed stream (ignored)', build: (c) => [c.headers(1, REQUEST()), c.windowUpdate(1, 100), rawFrame(FRAME_TYPE.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 0, 15]))], rst: [], options: hello },
  { name: 'PRIORITY on an idle stream (ignored)', build: () => [rawFrame(FRAME_TYPE.PRIORITY, 0, 9, Buffer.from([0, 0, 0, 0, 15]))], rst: [] },
  { name: 'a PRIORITY frame of the wrong length on an open stream', build: (c) => [c.headers(1, REQUEST(), false), rawFrame(FRAME_TYPE.PRIORITY, 0, 1, Buffer.alloc(4))], rst: [[1, ERROR_CODE.FRAME_SIZE_ERROR]] },
  { name: 'a zero WINDOW_UPDATE on an open stream', build: (c) => [c.headers(1, REQUEST(), false), rawFrame(FRAME_TYPE.WINDOW_UPDATE, 0, 1, Buffer.alloc(4))], rst: [[1, P]] },
  { name: 'a frame larger than our SETTINGS_MAX_FRAME_SIZE', build: (c) => [c.headers(1, REQUEST(), false), rawFrame(FRAME_TYPE.DATA, 0, 1, Buffer.alloc(16_385))], goaway: ERROR_CODE.FRAME_SIZE_ERROR },
  { name: 'CONTINUATION flood (CVE-2024-27316)', build: () => [rawFrame(FRAME_TYPE.HEADERS, 0, 1, Buffer.from([0x82])), ...Array.from({ length: 9 }, () => rawFrame(FRAME_TYPE.CONTINUATION, 0, 1))], goaway: ERROR_CODE.ENHANCE_YOUR_CALM },
  { name: 'a connection-scope HPACK error (index 0)', build: () => [rawFrame(FRAME_TYPE.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, Buffer.from([0x80]))], goaway: ERROR_CODE.COMPRESSION_ERROR },
  { name: 'PUSH_PROMISE from a client', build: () => [rawFrame(FRAME_TYPE.PUSH_PROMISE, FLAG.END_HEADERS, 1, Buffer.alloc(4))], goaway: P },
];

for (const c of CASES) {
  test(`§5.1: ${c.name} → ${c.goaway !== undefined ? 'connection error' : c.rst!.length > 0 ? 'stream error' : 'ignored'}`, () => {
    const { frames, events } = run(c.build, c.options);
    if (c.goaway !== undefined) {
      assert.deepEqual(goaways(frames).map(([, code]) => code), [c.goaway]);
      assert.equal(events.filter((e) => e.type === 'conn-error').length, 1);
    } else {
      assert.deepEqual(goaways(frames), []);
      assert.deepEqual(rsts(frames).filter(([, code]) => code !== ERROR_CODE.CANCEL), c.rst);
    }
  });
}

test('GOAWAY names the last stream handed to the handler', () => {
  const { frames } = run((c) => [c.headers(1, REQUEST(), false), c.headers(3, REQUEST(), false), c.data(7, 'x')]);
  assert.deepEqual(goaways(frames), [[3, P]]);
});

test('after a connection error input is ignored and the open streams are reset', () => {
  const { events, h } = run((c) => [c.headers(1, REQUEST(), false), c.data(2, 'x')]);
  assert.ok(events.some((e) => e.type === 'reset' && e.id === 1));
  assert.equal(h.session.closed, true);
  h.feed(new TestClient().headers(3, REQUEST()));
  assert.deepEqual(requests(h.events), [1]);
});

test('MAX_CONCURRENT_STREAMS: streams beyond it are refused (REFUSED_STREAM), later ones served once one closes', () => {
  const { frames, events } = run(
    (c) => [c.headers(1, REQUEST(), false), c.headers(3, REQUEST(), false), c.headers(5, REQUEST(), false), c.data(5, 'late'), c.data(1, '', true), c.headers(7, REQUEST())],
    { limits: { maxConcurrentStreams: 2 }, onRequest: (s) => s.respond(200, [], { endStream: true }) },
  );
  assert.deepEqual(rsts(frames), [[5, ERROR_CODE.REFUSED_STREAM]]);
  assert.deepEqual(requests(events), [1, 3, 7]);
  assert.deepEqual(goaways(frames), []);
});

// --- §8: HTTP semantics ---

const MALFORMED: [string, string[]][] = [
  ['an upper-case field name', [...REQUEST(), 'X-Upper', 'a']],
  ['connection', [...REQUEST(), 'connection', 'close']],
  ['keep-alive', [...REQUEST(), 'keep-alive', '5']],
  ['proxy-connection', [...REQUEST(), 'proxy-connection', 'x']],
  ['transfer-encoding', [...REQUEST(), 'transfer-encoding', 'chunked']],
  ['upgrade', [...REQUEST(), 'upgrade', 'h2c']],
  ['te other than trailers', [...REQUEST(), 'te', 'gzip']],
  ['no :method', [':scheme', 'http', ':authority', 'a', ':path', '/']],
  ['no :scheme', [':method', 'GET', ':authority', 'a', ':path', '/']],
  ['no :path', [':method', 'GET', ':scheme', 'http', ':authority', 'a']],
  ['an empty :path', [':method', 'GET', ':scheme', 'http', ':authority', 'a', ':path', '']],
  ['a relative :path', [':method', 'GET', ':scheme', 'https', ':authority', 'a', ':path', 'x']],
  ['no :authority and no host', [':method', 'GET', ':scheme', 'https', ':path', '/']],
  ['an unknown pseudo-header', [...REQUEST(), ':foo', 'x'].slice(0, 8).concat([':foo', 'x'])],
  [':status in a request', [':status', '200', ...REQUEST()]],
  ['a pseudo-header after a regular field', [':method', 'GET', 'accept', '*/*', ':scheme', 'http', ':authority', 'a', ':path', '/']],
  ['a duplicate :path', [...REQUEST(), ':path', '/again'].slice(0, 8).concat([':path', '/again'])],
  ['a value with a leading space', [...REQUEST(), 'x', ' a']],
  ['a value with a trailing tab', [...REQUEST(), 'x', 'a\t']],
  ['a value with NUL', [...REQUEST(), 'x', 'a\0b']],
  ['a value with CR LF', [...REQUEST(), 'x', 'a\r\nb: c']],
  [':authority and host that disagree', [...REQUEST(), 'host', 'other.test']],
  [':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL', [':method', 'CONNECT', ':protocol', 'websocket', ':scheme', 'https', ':authority', 'a', ':path', '/chat']],
  ['CONNECT with :path', [':method', 'CONNECT', ':authority', 'a:443', ':path', '/']],
  ['content-length with an empty body', [...REQUEST('/', 'POST'), 'content-length', '3']],
  ['an invalid content-length', [...REQUEST('/', 'POST'), 'content-length', '1x']],
  ['a field name with a space', [...REQUEST(), 'a b', 'c']],
];

for (const [name, fields] of MALFORMED) {
  test(`§8: ${name} is malformed → RST_STREAM PROTOCOL_ERROR, not a request`, () => {
    const { frames, events } = run((c) => [c.rawHeaders(1, fields)]);
    assert.deepEqual(rsts(frames), [[1, P]]);
    assert.deepEqual(requests(events), []);
    assert.deepEqual(goaways(frames), []);
  });
}

test('§8: te: trailers, host alone (the authority), OPTIONS *, cookies and unknown fields are fine', () => {
  const { events } = run((c) => [
    c.rawHeaders(1, [':method', 'GET', ':scheme', 'http', ':path', '/', 'host', 'h.test', 'te', 'trailers', 'cookie', 'a=1', 'cookie', 'b=2']),
    c.rawHeaders(3, [':method', 'OPTIONS', ':scheme', 'http', ':authority', 'h.test', ':path', '*', 'host', 'h.test']),
  ]);
  const reqs = events.filter((e) => e.type === 'request') as Extract<SessionEvent, { type: 'request' }>[];
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0]!.authority, 'h.test');
  assert.deepEqual(reqs[0]!.fields, ['host', 'h.test', 'te', 'trailers', 'cookie', 'a=1', 'cookie', 'b=2']);
  assert.equal(reqs[1]!.path, '*');
});

test('§8.5: CONNECT is answered 501 by the session, never handed on', () => {
  const { frames, events } = run((c) => [c.rawHeaders(1, [':method', 'CONNECT', ':authority', 'example.test:443'], false)]);
  assert.deepEqual(requests(events), []);
  assert.deepEqual(ofType(frames, 'headers'), [{ type: 'headers', id: 1, endStream: true, fields: [':status', '501', 'content-length', '0'] }]);
  assert.deepEqual(rsts(frames), [[1, ERROR_CODE.NO_ERROR]]);
});

test('§8.1.1: a body longer or shorter than content-length is a stream error PROTOCOL_ERROR', () => {
  for (const body of ['abcd', 'ab']) {
    const { frames, events } = run((c) => [c.headers(1, REQUEST('/', 'POST', ['content-length', '3']), false), c.data(1, body, true)]);
    assert.deepEqual(rsts(frames), [[1, P]], body);
    assert.ok(events.some((e) => e.type === 'reset' && e.id === 1));
    assert.ok(!events.some((e) => e.type === 'end'));
  }
  const short = run((c) => [c.headers(1, REQUEST('/', 'POST', ['content-length', '3']), false), c.data(1, 'ab'), c.headers(1, ['x', 'y'])]);
  assert.deepEqual(rsts(short.frames), [[1, P]]);
});

test('§8.1: trailers with a pseudo-header are malformed', () => {
  const { frames } = run((c) => [c.headers(1, REQUEST('/', 'POST'), false), c.data(1, 'x'), c.rawHeaders(1, [':path', '/x'])]);
  assert.deepEqual(rsts(frames), [[1, P]]);
});

test('HPACK bomb: a header list over SETTINGS_MAX_HEADER_LIST_SIZE gets 431 and the connection goes on', () => {
  const { frames, events } = run(
    (c) => [c.headers(1, REQUEST('/', 'GET', ['x-big', 'a'.repeat(4000)]), false), c.data(1, 'ignored', true), c.headers(3, REQUEST())],
    { limits: { maxHeaderListSize: 2000 }, ...hello },
  );
  assert.deepEqual(ofType(frames, 'headers')[0], { type: 'headers', id: 1, endStream: true, fields: [':status', '431', 'content-length', '0'] });
  assert.deepEqual(rsts(frames), [[1, ERROR_CODE.NO_ERROR]]);
  assert.deepEqual(requests(events), [3]);
  assert.deepEqual(goaways(frames), []);
});

test('too many header fields get 431 as well', () => {
  const many = Array.from({ length: 20 }, (_, i) => [`x-${i}`, 'v']).flat();
  const { frames, events } = run((c) => [c.headers(1, REQUEST('/', 'GET', many))], { limits: { maxHeaderFields: 10 } });
  assert.equal(ofType(frames, 'headers')[0]!.fields[1], '431');
  assert.deepEqual(requests(events), []);
});

test('small frames of one turn are batched into one buffer', () => {
  const c = new TestClient();
  const h = new Harness();
  h.feed(opening(c));
  h.session.takeOutput();
  h.feed(Buffer.concat([c.ping('aaaaaaaa'), c.settings({}), c.ping('bbbbbbbb')]));
  const bufs = h.session.takeOutput();
  assert.equal(bufs?.length, 1);
  assert.equal(bufs[0]!.length, 17 + 9 + 17);
  assert.equal(h.session.takeOutput(), null);
});

test("the client's SETTINGS_HEADER_TABLE_SIZE reaches our encoder: with 0, nothing is indexed", () => {
  const sizes = (tableSize: number | undefined): number[] => {
    const c = new TestClient();
    const h = new Harness({ onRequest: (s) => s.respond(200, ['x-custom-header', 'a-fairly-long-repeated-value'], { endStream: true }) });
    h.feed(Buffer.concat([opening(c, tableSize === undefined ? {} : { headerTableSize: tableSize }), c.headers(1, REQUEST()), c.headers(3, REQUEST())]));
    const out = Buffer.concat(h.session.takeOutput()!);
    const lengths: number[] = [];
    for (let at = 0; at < out.length; at += 9 + out.readUIntBE(at, 3)) if (out[at + 3] === FRAME_TYPE.HEADERS) lengths.push(out.readUIntBE(at, 3));
    return lengths;
  };
  const indexed = sizes(undefined);
  assert.ok(indexed[1]! < indexed[0]! / 2, `second response head is a few octets: ${indexed}`);
  const none = sizes(0);
  assert.ok(none[1]! >= none[0]! - 1, `no indexing with a table of 0: ${none}`);
});

test('closed streams are remembered up to closedStreamMemory: late DATA after our reset is ignored, then judged by id', () => {
  const reset: HarnessOptions = { onRequest: (s) => s.reset(ERROR_CODE.CANCEL), limits: { closedStreamMemory: 1 } };
  const kept = run((c) => [c.headers(1, REQUEST('/', 'POST'), false), c.data(1, 'late')], reset);
  assert.deepEqual(rsts(kept.frames), [[1, ERROR_CODE.CANCEL]]);
  const forgotten = run((c) => [c.headers(1, REQUEST('/', 'POST'), false), c.headers(3, REQUEST('/', 'POST'), false), c.data(1, 'late')], reset);
  assert.deepEqual(rsts(forgotten.frames), [[1, ERROR_CODE.CANCEL], [3, ERROR_CODE.CANCEL], [1, ERROR_CODE.STREAM_CLOSED]]);
  assert.deepEqual(goaways(forgotten.frames), []);
});
