// ServerSession flow control (RFC 9113 §5.2, §6.9), both ways: the client's windows are never
// exceeded (connection and stream, INITIAL_WINDOW_SIZE changes, negative windows, overflow), and
// our receive windows are granted back only as the handler consumes the body.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODE } from '../../src/http2/errors.ts';
import type { ServerStream } from '../../src/http2/session.ts';
import { Harness, type OutFrame, REQUEST, TestClient, ofType, opening } from '../support/session-harness.ts';

const dataBytes = (frames: OutFrame[], id?: number): number =>
  ofType(frames, 'data')
    .filter((f) => id === undefined || f.id === id)
    .reduce((n, f) => n + f.data.length, 0);

/** A session whose handler answers every request with `size` bytes (a pattern), streams kept. */
function server(size: number, options: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  return new Harness({
    ...options,
    onRequest: (s) => {
      s.respond(200);
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i++) body[i] = (i * 7 + s.id) & 0xff;
      s.write(body);
      s.end();
    },
  });
}

test('a response larger than the initial windows stops at 65535 bytes and resumes with WINDOW_UPDATE, frames ≤ MAX_FRAME_SIZE', () => {
  const c = new TestClient();
  const h = server(200_000).feed(Buffer.concat([opening(c), c.headers(1, REQUEST())]));
  let frames = h.out();
  assert.equal(dataBytes(frames), 65_535);
  assert.ok(ofType(frames, 'data').every((f) => f.data.length <= 16_384));
  assert.ok(!ofType(frames, 'data').some((f) => f.endStream));
  // Only the stream window opens: the connection window still holds it at 0.
  h.feed(c.windowUpdate(1, 100_000));
  assert.equal(dataBytes(h.out()), 0);
  h.feed(c.windowUpdate(0, 50_000));
  assert.equal(dataBytes(h.out()), 50_000);
  h.feed(c.windowUpdate(0, 1_000_000));
  frames = h.out();
  assert.equal(dataBytes(frames), 50_000); // what is left of the stream window
  h.feed(c.windowUpdate(1, 1_000_000));
  frames = h.out();
  assert.equal(dataBytes(frames), 200_000 - 165_535);
  assert.equal(ofType(frames, 'data').at(-1)!.endStream, true);
});

test('the connection window is shared: two streams together never pass 65535 bytes', () => {
  const c = new TestClient();
  const h = server(40_000).feed(Buffer.concat([opening(c), c.headers(1, REQUEST()), c.headers(3, REQUEST())]));
  const frames = h.out();
  assert.equal(dataBytes(frames), 65_535);
  assert.ok(dataBytes(frames, 1) > 0 && dataBytes(frames, 3) > 0, 'both streams get a share');
});

test('a larger SETTINGS_MAX_FRAME_SIZE gives larger DATA frames', () => {
  const c = new TestClient();
  const h = server(60_000).feed(Buffer.concat([opening(c, { maxFrameSize: 65_536, initialWindowSize: 1 << 20 }), c.windowUpdate(0, 1 << 20), c.headers(1, REQUEST())]));
  const data = ofType(h.out(), 'data');
  assert.equal(data.length, 1);
  assert.equal(data[0]!.data.length, 60_000);
});

test('SETTINGS_INITIAL_WINDOW_SIZE changes apply to open streams, and a window may go negative (§6.9.2)', () => {
  const c = new TestClient();
  const h = server(5000).feed(Buffer.concat([opening(c, { initialWindowSize: 1000 }), c.headers(1, REQUEST())]));
  assert.equal(dataBytes(h.out()), 1000);
  h.feed(c.settings({ initialWindowSize: 500 })); // window 0 → -500
  assert.equal(dataBytes(h.out()), 0);
  h.feed(c.windowUpdate(1, 600)); // -500 → 100
  assert.equal(dataBytes(h.out()), 100);
  h.feed(c.settings({ initialWindowSize: 10_000 })); // 0 → 9500
  assert.equal(dataBytes(h.out()), 3900);
});

test('INITIAL_WINDOW_SIZE 0 holds DATA back entirely until a WINDOW_UPDATE', () => {
  const c = new TestClient();
  const h = server(10).feed(Buffer.concat([opening(c, { initialWindowSize: 0 }), c.headers(1, REQUEST())]));
  const first = h.out();
  assert.equal(ofType(first, 'headers').length, 1);
  assert.equal(dataBytes(first), 0);
  assert.equal(h.session.wantsOutput, false);
  h.feed(c.windowUpdate(1, 10));
  assert.equal(dataBytes(h.out()), 10);
});

test('WINDOW_UPDATE overflow: on a stream a stream error, on the connection a connection error (FLOW_CONTROL_ERROR)', () => {
  let c = new TestClient();
  let h = server(0, {}).feed(Buffer.concat([opening(c), c.headers(1, REQUEST('/', 'POST'), false)]));
  h.feed(c.windowUpdate(1, 0x7fff_ffff));
  let frames = h.out();
  assert.deepEqual(ofType(frames, 'rst').map((f) => [f.id, f.code]), [[1, ERROR_CODE.FLOW_CONTROL_ERROR]]);
  assert.deepEqual(ofType(frames, 'goaway'), []);
  c = new TestClient();
  h = new Harness().feed(Buffer.concat([opening(c), c.windowUpdate(0, 0x7fff_ffff)]));
  frames = h.out();
  assert.deepEqual(ofType(frames, 'goaway').map((f) => f.code), [ERROR_CODE.FLOW_CONTROL_ERROR]);
});

test('an INITIAL_WINDOW_SIZE change that overflows an open stream window is a connection error FLOW_CONTROL_ERROR', () => {
  const c = new TestClient();
  const h = new Harness().feed(Buffer.concat([opening(c), c.headers(1, REQUEST('/', 'POST'), false), c.windowUpdate(1, 0x7fff_ffff - 65_535), c.settings({ initialWindowSize: 65_536 })]));
  assert.deepEqual(ofType(h.out(), 'goaway').map((f) => f.code), [ERROR_CODE.FLOW_CONTROL_ERROR]);
});

test('receive windows are granted only as the handler consumes the body, in batches of half a window', () => {
  let stream: ServerStream | null = null;
  const c = new TestClient();
  const h = new Harness({ autoConsume: false, limits: { initialWindowSize: 65_535, connectionWindowSize: 65_535 }, onRequest: (s) => (stream = s) });
  const body = Buffer.alloc(65_535, 0x61);
  const input = [opening(c), c.headers(1, REQUEST('/', 'POST'), false)];
  for (let at = 0; at < body.length; at += 16_384) input.push(c.data(1, body.subarray(at, at + 16_384)));
  h.feed(Buffer.concat(input));
  assert.deepEqual(ofType(h.out(), 'window-update'), [], 'nothing is granted before the handler consumes');
  stream!.consumed(30_000);
  assert.deepEqual(ofType(h.out(), 'window-update'), [], 'less than half a window owed');
  stream!.consumed(10_000);
  assert.deepEqual(ofType(h.out(), 'window-update').map((f) => [f.id, f.increment]), [[0, 40_000], [1, 40_000]]);
  stream!.consumed(1e9); // more than was given: only what was given counts, and 25535 is under half
  assert.deepEqual(ofType(h.out(), 'window-update'), []);
  h.feed(Buffer.concat([c.data(1, body.subarray(0, 16_384)), c.data(1, body.subarray(0, 16_384)), c.data(1, body.subarray(0, 7232))]));
  assert.deepEqual(ofType(h.out(), 'window-update'), []);
  stream!.consumed(40_000);
  assert.deepEqual(ofType(h.out(), 'window-update').map((f) => [f.id, f.increment]), [[0, 65_535], [1, 65_535]]);
});

test('the client exceeding a stream window: stream error; exceeding the connection window: connection error', () => {
  let c = new TestClient();
  let h = new Harness({ autoConsume: false, limits: { initialWindowSize: 65_535 } });
  const chunk = Buffer.alloc(16_384);
  let input = [opening(c), c.headers(1, REQUEST('/', 'POST'), false)];
  for (let i = 0; i < 4; i++) input.push(c.data(1, chunk)); // 65536 > 65535
  h.feed(Buffer.concat(input));
  let frames = h.out();
  assert.deepEqual(ofType(frames, 'rst').map((f) => [f.id, f.code]), [[1, ERROR_CODE.FLOW_CONTROL_ERROR]]);
  assert.deepEqual(ofType(frames, 'goaway'), []);

  c = new TestClient();
  h = new Harness({ autoConsume: false, limits: { connectionWindowSize: 65_535 } });
  input = [opening(c), c.headers(1, REQUEST('/', 'POST'), false), c.headers(3, REQUEST('/', 'POST'), false)];
  for (let i = 0; i < 2; i++) input.push(c.data(1, chunk), c.data(3, chunk));
  h.feed(Buffer.concat(input));
  frames = h.out();
  assert.deepEqual(ofType(frames, 'goaway').map((f) => f.code), [ERROR_CODE.FLOW_CONTROL_ERROR]);
});

test('body bytes never consumed come back to the connection window when their stream is reset', () => {
  const c = new TestClient();
  const h = new Harness({ autoConsume: false, limits: { connectionWindowSize: 65_535, initialWindowSize: 65_535 } });
  h.feed(Buffer.concat([opening(c), c.headers(1, REQUEST('/', 'POST'), false), c.data(1, Buffer.alloc(16_000)), c.data(1, Buffer.alloc(16_000)), c.data(1, Buffer.alloc(8000)), c.rst(1, ERROR_CODE.CANCEL)]));
  assert.deepEqual(ofType(h.out(), 'window-update').map((f) => [f.id, f.increment]), [[0, 40_000]]);
});

test('DATA on a stream we reset counts against the connection window and is given back at once (the client may go on past 65535)', () => {
  const c = new TestClient();
  const h = new Harness({ limits: { connectionWindowSize: 65_535 }, onRequest: (s) => s.reset(ERROR_CODE.CANCEL) });
  const input = [opening(c), c.headers(1, REQUEST('/', 'POST'), false)];
  for (let i = 0; i < 6; i++) input.push(c.data(1, Buffer.alloc(16_000)));
  h.feed(Buffer.concat(input));
  const frames = h.out();
  assert.deepEqual(ofType(frames, 'goaway'), []);
  assert.equal(ofType(frames, 'window-update').filter((f) => f.id === 0).reduce((n, f) => n + f.increment, 0), 96_000);
});

test('write() returns false past the high-water mark and onWritable fires once the queue drains', () => {
  let stream: ServerStream | null = null;
  const c = new TestClient();
  const h = new Harness({ writeHighWaterMark: 10_000, onRequest: (s) => (stream = s) });
  h.feed(Buffer.concat([opening(c), c.headers(1, REQUEST())]));
  const s = stream!;
  s.respond(200);
  assert.equal(s.write(Buffer.alloc(5000)), true);
  assert.equal(s.write(Buffer.alloc(80_000)), false);
  assert.equal(s.bufferedAmount, 85_000);
  h.out();
  assert.equal(s.bufferedAmount, 85_000 - 65_535);
  assert.deepEqual(h.writable, []);
  h.feed(Buffer.concat([c.windowUpdate(0, 100_000), c.windowUpdate(1, 100_000)]));
  h.out();
  assert.deepEqual(h.writable, [1]);
  assert.equal(s.bufferedAmount, 0);
});

test('takeOutput() makes at most outputBudget DATA bytes per call', () => {
  const c = new TestClient();
  const h = server(100_000, { outputBudget: 20_000 }).feed(Buffer.concat([opening(c, { initialWindowSize: 1 << 20 }), c.windowUpdate(0, 1 << 20), c.headers(1, REQUEST())]));
  let calls = 0;
  let total = 0;
  for (;;) {
    const bufs = h.session.takeOutput();
    if (bufs === null) break;
    calls++;
    total += bufs.reduce((n, b) => n + b.length, 0);
  }
  assert.ok(calls >= 5, `${calls} calls`);
  assert.ok(total > 100_000);
});
