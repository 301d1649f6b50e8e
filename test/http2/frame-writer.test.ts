// Frame writers, SETTINGS codec and error codes: exact bytes for each frame type (RFC 9113 §4.1,
// §6), field blocks split by the peer's SETTINGS_MAX_FRAME_SIZE, batching into one buffer, and
// RangeError on values the RFC forbids us to send.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODE, FRAME_ERRORS, FrameError, errorCodeName } from '../../src/http2/errors.ts';
import { FLAG, FRAME_TYPE as T } from '../../src/http2/frame-types.ts';
import {
  PING_FRAME_BYTES,
  SETTINGS_ACK_FRAME_BYTES,
  WINDOW_UPDATE_FRAME_BYTES,
  dataFrame,
  dataFrameHeader,
  goawayFrame,
  headersFrames,
  headersFramesLength,
  pingFrame,
  priorityFrame,
  pushPromiseFrames,
  rstStreamFrame,
  settingsAckFrame,
  settingsFrame,
  windowUpdateFrame,
  writePing,
  writeSettingsAck,
  writeWindowUpdate,
  writeData,
  dataFrameLength,
} from '../../src/http2/frame-writer.ts';
import { DEFAULT_SETTINGS, applySettings, decodeSettings, encodeSettings } from '../../src/http2/settings.ts';
import { classifyPreface } from '../../src/http2/preface.ts';
import { CLIENT_PRELUDE, feedFrames, parse3 } from '../support/frame-harness.ts';

const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

interface Header {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

/** The frame headers of a serialized frame sequence. */
function headersOf(buf: Buffer): Header[] {
  const out: Header[] = [];
  for (let at = 0; at < buf.length; ) {
    const length = buf.readUIntBE(at, 3);
    out.push({ length, type: buf[at + 3]!, flags: buf[at + 4]!, streamId: buf.readUInt32BE(at + 5) });
    at += 9 + length;
  }
  return out;
}

test('the §7 error codes, and their names', () => {
  assert.deepEqual(Object.values(ERROR_CODE), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  assert.equal(errorCodeName(0xb), 'ENHANCE_YOUR_CALM');
  assert.equal(errorCodeName(0xd), 'HTTP_1_1_REQUIRED');
  assert.equal(errorCodeName(0xe), null);
  assert.equal(errorCodeName(0xffff_ffff), null);
  const e = new FrameError('BAD_INITIAL_WINDOW_SIZE', 0, T.SETTINGS);
  assert.deepEqual([e.scope, e.codeName, e.code], ['connection', 'FLOW_CONTROL_ERROR', 3]);
  // The frame layer's only stream errors are the three RFC 9113 makes stream-scoped (§6.3 PRIORITY
  // length, §5.3.1 self-dependency, §6.9 a zero increment on a stream); everything else ends the connection.
  const streamScoped = Object.entries(FRAME_ERRORS).filter(([, [scope]]) => scope === 'stream').map(([reason]) => reason).sort();
  assert.deepEqual(streamScoped, ['BAD_PRIORITY_LENGTH', 'SELF_DEPENDENCY', 'ZERO_WINDOW_INCREMENT']);
});

test('SETTINGS and SETTINGS ACK bytes (RFC 9113 §6.5)', () => {
  assert.deepEqual(settingsAckFrame(), bytes('000000 04 01 00000000'));
  assert.deepEqual(settingsFrame({}), bytes('000000 04 00 00000000'));
  assert.deepEqual(
    settingsFrame({ initialWindowSize: 65_535, maxConcurrentStreams: 100, enablePush: false }),
    bytes('000012 04 00 00000000  0002 00000000  0003 00000064  0004 0000ffff'),
  );
  // "No limit" has no encoding: the largest value stands for it.
  assert.deepEqual(encodeSettings({ maxHeaderListSize: Infinity }), bytes('0006 ffffffff'));
});

test('SETTINGS defaults, decoding and applying (RFC 9113 §6.5.2)', () => {
  assert.deepEqual(DEFAULT_SETTINGS, {
    headerTableSize: 4096,
    enablePush: true,
    maxConcurrentStreams: Infinity,
    initialWindowSize: 65_535,
    maxFrameSize: 16_384,
    maxHeaderListSize: Infinity,
    noRfc7540Priorities: false,
  });
  const update = { headerTableSize: 0, maxFrameSize: 1 << 20, noRfc7540Priorities: true };
  const payload = encodeSettings(update);
  assert.deepEqual(decodeSettings(payload, 0, payload.length, false), update);
  assert.deepEqual(applySettings(DEFAULT_SETTINGS, update), { ...DEFAULT_SETTINGS, ...update });
  assert.equal(DEFAULT_SETTINGS.headerTableSize, 4096, 'applying does not change the defaults');
  assert.throws(() => encodeSettings({ maxFrameSize: 100 }), RangeError);
  assert.throws(() => encodeSettings({ initialWindowSize: 2 ** 31 }), RangeError);
  assert.throws(() => encodeSettings({ headerTableSize: -1 }), RangeError);
  assert.throws(() => encodeSettings({ headerTableSize: 2 ** 32 }), RangeError);
});

test('PING, GOAWAY, RST_STREAM, WINDOW_UPDATE, PRIORITY bytes (RFC 9113 §6.3, §6.4, §6.7, §6.8, §6.9)', () => {
  assert.deepEqual(pingFrame(Buffer.from('01234567')), bytes('000008 06 00 00000000 3031323334353637'));
  assert.deepEqual(pingFrame(Buffer.from('01234567'), true), bytes('000008 06 01 00000000 3031323334353637'));
  assert.deepEqual(goawayFrame(5, ERROR_CODE.PROTOCOL_ERROR, Buffer.from('hi')), bytes('00000a 07 00 00000000 00000005 00000001 6869'));
  assert.deepEqual(goawayFrame(0x7fff_ffff, 0), bytes('000008 07 00 00000000 7fffffff 00000000'));
  assert.deepEqual(rstStreamFrame(3, ERROR_CODE.CANCEL), bytes('000004 03 00 00000003 00000008'));
  assert.deepEqual(windowUpdateFrame(0, 0x7fff_ffff), bytes('000004 08 00 00000000 7fffffff'));
  assert.deepEqual(priorityFrame(5, { exclusive: true, dependency: 3, weight: 256 }), bytes('000005 02 00 00000005 80000003 ff'));
});

test('DATA bytes: plain, END_STREAM, padded (padding zeroed), and a header alone for a zero-copy write (RFC 9113 §6.1)', () => {
  assert.deepEqual(dataFrame(1, Buffer.from('hi')), bytes('000002 00 00 00000001 6869'));
  assert.deepEqual(dataFrame(1, Buffer.from('hi'), { endStream: true }), bytes('000002 00 01 00000001 6869'));
  assert.deepEqual(dataFrame(1, Buffer.from('hi'), { padLength: 0 }), bytes('000003 00 08 00000001 00 6869'));
  const target = Buffer.alloc(dataFrameLength(2, 3), 0xee);
  writeData(target, 0, 7, Buffer.from('hi'), { padLength: 3, endStream: true });
  assert.deepEqual(target, bytes('000006 00 09 00000007 03 6869 000000'));
  assert.deepEqual(dataFrameHeader(9, 70_000, true), bytes('011170 00 01 00000009'));
});

test('HEADERS is split into HEADERS + CONTINUATION by the peer SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2, §6.10)', () => {
  const block = Buffer.alloc(40_000, 0x61);
  const out = headersFrames(3, block, { maxFrameSize: 16_384, endStream: true });
  assert.equal(out.length, headersFramesLength(block, { maxFrameSize: 16_384 }));
  assert.deepEqual(headersOf(out), [
    { length: 16_384, type: T.HEADERS, flags: FLAG.END_STREAM, streamId: 3 },
    { length: 16_384, type: T.CONTINUATION, flags: 0, streamId: 3 },
    { length: 40_000 - 2 * 16_384, type: T.CONTINUATION, flags: FLAG.END_HEADERS, streamId: 3 },
  ]);
  // A larger peer limit: one frame. The priority fields and padding take room in the first frame.
  assert.deepEqual(headersOf(headersFrames(3, block, { maxFrameSize: 65_536 })), [{ length: 40_000, type: T.HEADERS, flags: FLAG.END_HEADERS, streamId: 3 }]);
  const prioritized = headersFrames(3, Buffer.alloc(16_384), { maxFrameSize: 16_384, priority: { exclusive: false, dependency: 1, weight: 16 }, padLength: 10 });
  assert.deepEqual(headersOf(prioritized), [
    { length: 16_384, type: T.HEADERS, flags: FLAG.PRIORITY | FLAG.PADDED, streamId: 3 },
    { length: 16, type: T.CONTINUATION, flags: FLAG.END_HEADERS, streamId: 3 },
  ]);
  // An empty block is one HEADERS frame with END_HEADERS.
  assert.deepEqual(headersFrames(1, Buffer.alloc(0), { maxFrameSize: 16_384 }), bytes('000000 01 04 00000001'));
  // And the parser reassembles the split block.
  const events = parse3(out);
  assert.deepEqual(events, [{ type: 'headers', streamId: 3, endStream: true, block: block.toString('hex'), priority: null }], );
});

test('PUSH_PROMISE is split the same way, the promised id in its first frame (RFC 9113 §6.6)', () => {
  const block = Buffer.alloc(20_000, 0x62);
  const out = pushPromiseFrames(1, 2, block, { maxFrameSize: 16_384 });
  assert.deepEqual(headersOf(out), [
    { length: 16_384, type: T.PUSH_PROMISE, flags: 0, streamId: 1 },
    { length: 20_000 - 16_380, type: T.CONTINUATION, flags: FLAG.END_HEADERS, streamId: 1 },
  ]);
  assert.deepEqual(parse3(out, { role: 'client', maxHeaderBlockBytes: 1 << 20 }), [{ type: 'push-promise', streamId: 1, promisedStreamId: 2, block: block.toString('hex') }]);
});

test('small frames are batched into one buffer at offsets', () => {
  const batch = Buffer.alloc(SETTINGS_ACK_FRAME_BYTES + WINDOW_UPDATE_FRAME_BYTES + PING_FRAME_BYTES);
  let at = writeSettingsAck(batch, 0);
  at = writeWindowUpdate(batch, at, 0, 1 << 20);
  at = writePing(batch, at, Buffer.from('pingpong'), true);
  assert.equal(at, batch.length);
  const { events } = feedFrames([CLIENT_PRELUDE, batch]);
  assert.deepEqual(events.slice(1), [
    { type: 'settings-ack' },
    { type: 'window-update', streamId: 0, increment: 1 << 20 },
    { type: 'ping', data: Buffer.from('pingpong').toString('hex'), ack: true },
  ]);
});

test('the writers refuse values the RFC forbids us to send (our bug, not the peer)', () => {
  assert.throws(() => dataFrame(0, Buffer.from('x')), RangeError);
  assert.throws(() => dataFrame(2 ** 31, Buffer.from('x')), RangeError);
  assert.throws(() => dataFrame(1, Buffer.from('x'), { padLength: 256 }), RangeError);
  assert.throws(() => dataFrameHeader(1, 2 ** 24, false), RangeError);
  assert.throws(() => rstStreamFrame(0, 0), RangeError);
  assert.throws(() => rstStreamFrame(1, 2 ** 32), RangeError);
  assert.throws(() => windowUpdateFrame(1, 0), RangeError);
  assert.throws(() => windowUpdateFrame(1, 2 ** 31), RangeError);
  assert.throws(() => pingFrame(Buffer.alloc(7)), RangeError);
  assert.throws(() => goawayFrame(-1, 0), RangeError);
  assert.throws(() => priorityFrame(1, { exclusive: false, dependency: 0, weight: 0 }), RangeError);
  assert.throws(() => headersFrames(1, Buffer.alloc(1), { maxFrameSize: 1000 }), RangeError);
  assert.throws(() => pushPromiseFrames(1, 0, Buffer.alloc(1), { maxFrameSize: 16_384 }), RangeError);
});

test('classifyPreface tells the preface, a prefix of it, HTTP/1.x and neither apart (RFC 9113 §3.4)', () => {
  assert.equal(classifyPreface(CLIENT_PRELUDE), 'preface');
  assert.equal(classifyPreface(Buffer.from('PRI * HTTP/2')), 'partial');
  assert.equal(classifyPreface(Buffer.alloc(0)), 'partial');
  assert.equal(classifyPreface(Buffer.from('GET / HTTP/1.1\r\n')), 'http1');
  assert.equal(classifyPreface(Buffer.from('G')), 'http1');
  assert.equal(classifyPreface(Buffer.from('PRI * HTTP/1.1\r\n')), 'http1');
  assert.equal(classifyPreface(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX')), 'invalid');
  assert.equal(classifyPreface(Buffer.from([0x16, 0x03, 0x01])), 'invalid');
});
