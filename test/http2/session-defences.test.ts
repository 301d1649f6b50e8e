// ServerSession defences, each bounded by a limit of limits.ts and ending in GOAWAY
// ENHANCE_YOUR_CALM (or a stream reset), and graceful shutdown (RFC 9113 §6.8).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODE } from '../../src/http2/errors.ts';
import { FRAME_TYPE } from '../../src/http2/frame-types.ts';
import { DEFAULT_SESSION_LIMITS, resolveLimits } from '../../src/http2/limits.ts';
import { rawFrame } from '../support/frame-harness.ts';
import { Harness, type HarnessOptions, REQUEST, TestClient, ofType, opening } from '../support/session-harness.ts';

const CALM = ERROR_CODE.ENHANCE_YOUR_CALM;
const goawayCodes = (h: Harness): number[] => ofType(h.out(), 'goaway').map((f) => f.code);

/** Sends `n` copies of what `frame(i)` makes, one receive() each, at 1 ms apart from `now` on. */
function flood(options: HarnessOptions, n: number, frame: (c: TestClient, i: number) => Buffer, stepMs = 0): Harness {
  const c = new TestClient();
  const h = new Harness(options).feed(opening(c));
  for (let i = 0; i < n && !h.session.closed; i++) {
    h.session.now += stepMs;
    h.feed(frame(c, i));
    h.out(); // a client that reads: the control queue limit is not what trips
  }
  return h;
}

const rapidReset = (c: TestClient, i: number): Buffer => Buffer.concat([c.headers(2 * i + 1, REQUEST(), false), c.rst(2 * i + 1, ERROR_CODE.CANCEL)]);

test('rapid reset (CVE-2023-44487): streams opened and reset beyond the budget end the connection with ENHANCE_YOUR_CALM', () => {
  const h = flood({ limits: { resetRate: { burst: 20, perSecond: 0 } } }, 30, rapidReset);
  assert.equal(h.session.closed, true);
  assert.ok(h.events.some((e) => e.type === 'conn-error' && e.code === CALM));
  assert.equal(h.events.filter((e) => e.type === 'request').length, 21);
});

test('rapid reset: the same resets spread over time, within the refill rate, are fine', () => {
  const h = flood({ limits: { resetRate: { burst: 20, perSecond: 10 } } }, 100, rapidReset, 200);
  assert.equal(h.session.closed, false);
  assert.deepEqual(goawayCodes(h), []);
});

test('stream errors the client provokes count with resets', () => {
  const h = flood({ limits: { resetRate: { burst: 5, perSecond: 0 } } }, 10, (c, i) => c.rawHeaders(2 * i + 1, [...REQUEST(), 'Upper', 'x']));
  assert.equal(h.session.closed, true);
  assert.ok(h.events.some((e) => e.type === 'conn-error' && e.code === CALM));
});

const FLOODS: [string, Partial<typeof DEFAULT_SESSION_LIMITS>, (c: TestClient, i: number) => Buffer, ((c: TestClient) => Buffer)?][] = [
  ['SETTINGS flood', { settingsRate: { burst: 11, perSecond: 0 } } /* the preface's SETTINGS counts too */, (c) => c.settings({ headerTableSize: 4096 })],
  ['PING flood', { pingRate: { burst: 10, perSecond: 0 } }, (c) => c.ping()],
  ['empty DATA flood', { emptyDataRate: { burst: 10, perSecond: 0 } }, (c) => c.data(1, ''), (c) => c.headers(1, REQUEST('/', 'POST'), false)],
  ['WINDOW_UPDATE flood', { windowUpdateRate: { burst: 10, perSecond: 0 } }, (c) => c.windowUpdate(0, 1)],
  ['PRIORITY flood', { priorityRate: { burst: 10, perSecond: 0 } }, () => rawFrame(FRAME_TYPE.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 0, 15]))],
];

for (const [name, limits, frame, first] of FLOODS) {
  test(`${name}: past its rate, GOAWAY ENHANCE_YOUR_CALM; under it, nothing happens`, () => {
    const before = (c: TestClient, i: number): Buffer => (i === 0 && first !== undefined ? Buffer.concat([first(c), frame(c, i)]) : frame(c, i));
    const ok = flood({ limits }, 10, before);
    assert.equal(ok.session.closed, false, `${name}: 10 frames are within the burst`);
    const bad = flood({ limits }, 11, before);
    assert.equal(bad.session.closed, true);
    assert.ok(bad.events.some((e) => e.type === 'conn-error' && e.code === CALM), JSON.stringify(bad.events));
  });
}

test('control frames queued while the client does not read (PING ACKs) are bounded: ENHANCE_YOUR_CALM', () => {
  const c = new TestClient();
  const h = new Harness({ limits: { maxQueuedControlFrames: 50 } }).feed(opening(c));
  h.out();
  for (let i = 0; i < 50; i++) h.feed(c.ping());
  assert.equal(h.session.closed, false);
  h.feed(c.ping());
  assert.equal(h.session.closed, true);
  assert.deepEqual(goawayCodes(h), [CALM]);
});

test('the default limits are what limits.ts documents, and bad ones are refused at start', () => {
  assert.equal(DEFAULT_SESSION_LIMITS.maxConcurrentStreams, 100);
  assert.deepEqual(DEFAULT_SESSION_LIMITS.resetRate, { burst: 1000, perSecond: 33 });
  assert.throws(() => resolveLimits({ initialWindowSize: 1000 }), /initialWindowSize/);
  assert.throws(() => resolveLimits({ maxConcurrentStreams: 0 }), /maxConcurrentStreams/);
  assert.throws(() => resolveLimits({ pingRate: { burst: 0, perSecond: 1 } }), /pingRate/);
});

test('never a throw on peer input: random bytes after a valid opening end in a connection error or nothing', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.boolean(), (bytes, withRequest) => {
      const c = new TestClient();
      const h = new Harness({ onRequest: (s) => s.respond(200, [], { endStream: true }) });
      h.feed(Buffer.concat([opening(c), withRequest ? c.headers(1, REQUEST(), false) : Buffer.alloc(0), Buffer.from(bytes)]));
      h.out();
      const errors = h.events.filter((e) => e.type === 'conn-error');
      assert.ok(errors.length <= 1);
    }),
    { numRuns: 300, seed: 13 },
  );
});

test('graceful shutdown: GOAWAY 2^31-1 and a PING; the PING ACK brings the real last id; open streams finish; then onDrained', () => {
  const c = new TestClient();
  const h = new Harness();
  h.feed(Buffer.concat([opening(c), c.headers(1, REQUEST('/', 'POST'), false)]));
  h.out();
  h.session.shutdown();
  let frames = h.out();
  assert.deepEqual(ofType(frames, 'goaway').map((f) => [f.lastStreamId, f.code]), [[0x7fff_ffff, 0]]);
  const ping = ofType(frames, 'ping')[0]!;
  assert.equal(ping.ack, false);
  // A stream the client opened before it saw the GOAWAY is still served.
  h.feed(c.headers(3, REQUEST()));
  h.feed(c.ping(ping.data, true));
  frames = h.out();
  assert.deepEqual(ofType(frames, 'goaway').map((f) => [f.lastStreamId, f.code]), [[3, 0]]);
  // Streams above it are ignored (§6.8).
  h.feed(c.headers(5, REQUEST()));
  assert.deepEqual(h.events.filter((e) => e.type === 'request').map((e) => (e as { id: number }).id), [1, 3]);
  assert.ok(!h.events.some((e) => e.type === 'drained'));
  h.streams.get(3)!.respond(204, [], { endStream: true });
  h.feed(c.data(1, 'last', true));
  assert.ok(!h.events.some((e) => e.type === 'drained'), 'stream 1 has not answered yet');
  h.streams.get(1)!.respond(200, [], { endStream: true });
  assert.equal(h.events.at(-1)!.type, 'drained');
  assert.equal(h.session.openStreams, 0);
});

test("the client's GOAWAY is reported, and the session drains once its streams are done", () => {
  const c = new TestClient();
  const h = new Harness();
  h.feed(Buffer.concat([opening(c), c.headers(1, REQUEST()), c.goaway(1, 0)]));
  assert.ok(h.events.some((e) => e.type === 'goaway' && e.lastStreamId === 1));
  assert.ok(!h.events.some((e) => e.type === 'drained'));
  h.streams.get(1)!.respond(200, [], { endStream: true });
  assert.equal(h.events.at(-1)!.type, 'drained');
});

test('terminate() sends GOAWAY with the code given (a SETTINGS timeout, say) and takes no more input', () => {
  const c = new TestClient();
  const h = new Harness();
  h.feed(c.preface());
  assert.equal(h.session.awaitingSettingsAck, true);
  h.session.terminate(ERROR_CODE.SETTINGS_TIMEOUT, 'no SETTINGS ACK');
  assert.deepEqual(goawayCodes(h), [ERROR_CODE.SETTINGS_TIMEOUT]);
  h.feed(c.headers(1, REQUEST()));
  assert.ok(!h.events.some((e) => e.type === 'request'));
});
