// FrameParser unit tests: every frame type of RFC 9113 §6 and every frame-layer error, each case fed
// whole, one byte at a time, and followed by extra bytes (parse3 in the frame harness).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODE as E } from '../../src/http2/errors.ts';
import { FLAG, FRAME_TYPE as T } from '../../src/http2/frame-types.ts';
import { FrameParser } from '../../src/http2/frame-parser.ts';
import { CLIENT_PREFACE } from '../../src/http2/preface.ts';
import {
  CLIENT_PRELUDE,
  type FrameEvent,
  bytewise,
  expectFrameError,
  feedFrames,
  parse3,
  rawFrame,
  recordingSink,
  u32,
} from '../support/frame-harness.ts';

const cat = (...parts: Array<Buffer | string>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const setting = (id: number, value: number): Buffer => {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(id, 0);
  b.writeUInt32BE(value >>> 0, 2);
  return b;
};
const priorityBytes = (exclusive: boolean, dependency: number, weight: number): Buffer => {
  const b = u32(((exclusive ? 0x8000_0000 : 0) | dependency) >>> 0);
  return cat(b, Buffer.from([weight - 1]));
};

// --- Frames that parse ---

test('DATA: payload, END_STREAM, flow-controlled length (RFC 9113 §6.1)', () => {
  assert.deepEqual(parse3(rawFrame(T.DATA, FLAG.END_STREAM, 1, 'hello')), [
    { type: 'data', streamId: 1, data: hex('hello'), endStream: true, flowControlled: 5 },
  ]);
  assert.deepEqual(parse3(rawFrame(T.DATA, 0, 3, '')), [{ type: 'data', streamId: 3, data: '', endStream: false, flowControlled: 0 }]);
});

test('DATA: padding is removed, and counted for flow control (RFC 9113 §6.1, §6.9.1)', () => {
  assert.deepEqual(parse3(rawFrame(T.DATA, FLAG.PADDED | FLAG.END_STREAM, 1, '\x03hello\0\0\0')), [
    { type: 'data', streamId: 1, data: hex('hello'), endStream: true, flowControlled: 9 },
  ]);
  // Pad Length 0, and padding that fills everything after the Pad Length field.
  assert.deepEqual(parse3(rawFrame(T.DATA, FLAG.PADDED, 1, '\x00ab')), [{ type: 'data', streamId: 1, data: hex('ab'), endStream: false, flowControlled: 3 }]);
  assert.deepEqual(parse3(rawFrame(T.DATA, FLAG.PADDED, 1, '\x02\0\0')), [{ type: 'data', streamId: 1, data: '', endStream: false, flowControlled: 3 }]);
});

test('HEADERS with END_HEADERS: one event with the block, END_STREAM (RFC 9113 §6.2)', () => {
  assert.deepEqual(parse3(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, '\x82\x84\x86')), [
    { type: 'headers', streamId: 1, endStream: true, block: '828486', priority: null },
  ]);
});

test('HEADERS with PADDED and PRIORITY: fields read, padding removed (RFC 9113 §6.2)', () => {
  const payload = cat('\x02', priorityBytes(true, 3, 16), 'blk', '\0\0');
  assert.deepEqual(parse3(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PADDED | FLAG.PRIORITY, 5, payload)), [
    { type: 'headers', streamId: 5, endStream: false, block: hex('blk'), priority: { exclusive: true, dependency: 3, weight: 16 } },
  ]);
  assert.deepEqual(parse3(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PRIORITY, 5, cat(priorityBytes(false, 0, 256), 'x'))), [
    { type: 'headers', streamId: 5, endStream: false, block: hex('x'), priority: { exclusive: false, dependency: 0, weight: 256 } },
  ]);
});

test('HEADERS + CONTINUATION frames: one event with the fragments joined (RFC 9113 §4.3, §6.10)', () => {
  const input = cat(
    rawFrame(T.HEADERS, FLAG.END_STREAM | FLAG.PADDED, 7, '\x01ab\0'),
    rawFrame(T.CONTINUATION, 0, 7, 'cd'),
    rawFrame(T.CONTINUATION, 0, 7, ''),
    rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 7, 'ef'),
  );
  assert.deepEqual(parse3(input), [{ type: 'headers', streamId: 7, endStream: true, block: hex('abcdef'), priority: null }]);
});

test('PRIORITY: dependency, exclusive bit, weight (RFC 9113 §6.3)', () => {
  assert.deepEqual(parse3(rawFrame(T.PRIORITY, 0, 3, priorityBytes(true, 1, 201))), [
    { type: 'priority', streamId: 3, priority: { exclusive: true, dependency: 1, weight: 201 } },
  ]);
});

test('RST_STREAM: the error code as sent, unknown codes too (RFC 9113 §6.4, §7)', () => {
  assert.deepEqual(parse3(cat(rawFrame(T.RST_STREAM, 0, 1, u32(E.CANCEL)), rawFrame(T.RST_STREAM, 0, 3, u32(0xdead_beef)))), [
    { type: 'rst', streamId: 1, errorCode: E.CANCEL },
    { type: 'rst', streamId: 3, errorCode: 0xdead_beef },
  ]);
});

test('SETTINGS: every known setting decoded, unknown ids ignored, a repeated id keeps its last value (RFC 9113 §6.5)', () => {
  const payload = cat(
    setting(0x1, 0),
    setting(0x2, 0),
    setting(0x3, 100),
    setting(0x4, 0x7fff_ffff),
    setting(0x5, 16_777_215),
    setting(0x6, 8192),
    setting(0x9, 1),
    setting(0xabcd, 0xffff_ffff),
    setting(0x3, 250),
  );
  assert.deepEqual(parse3(rawFrame(T.SETTINGS, 0, 0, payload)), [
    {
      type: 'settings',
      settings: { headerTableSize: 0, enablePush: false, maxConcurrentStreams: 250, initialWindowSize: 0x7fff_ffff, maxFrameSize: 16_777_215, maxHeaderListSize: 8192, noRfc7540Priorities: true },
    },
  ]);
  assert.deepEqual(parse3(rawFrame(T.SETTINGS, 0, 0, cat(setting(0x5, 16_384), setting(0x2, 1)))), [{ type: 'settings', settings: { maxFrameSize: 16_384, enablePush: true } }]);
});

test('SETTINGS with ACK (RFC 9113 §6.5)', () => {
  assert.deepEqual(parse3(rawFrame(T.SETTINGS, FLAG.ACK, 0)), [{ type: 'settings-ack' }]);
});

test('PUSH_PROMISE received by a client: promised id, padding, CONTINUATION (RFC 9113 §6.6)', () => {
  const input = cat(rawFrame(T.PUSH_PROMISE, FLAG.PADDED, 1, cat('\x01', u32(0x8000_0002), 'ab', '\0')), rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 1, 'cd'));
  assert.deepEqual(parse3(input, { role: 'client' }), [{ type: 'push-promise', streamId: 1, promisedStreamId: 2, block: hex('abcd') }]);
});

test('PING and PING ACK: the 8 opaque bytes (RFC 9113 §6.7)', () => {
  assert.deepEqual(parse3(cat(rawFrame(T.PING, 0, 0, '12345678'), rawFrame(T.PING, FLAG.ACK, 0, 'abcdefgh'))), [
    { type: 'ping', data: hex('12345678'), ack: false },
    { type: 'ping', data: hex('abcdefgh'), ack: true },
  ]);
});

test('GOAWAY: last stream id (reserved bit ignored), error code, debug data (RFC 9113 §6.8)', () => {
  assert.deepEqual(parse3(cat(rawFrame(T.GOAWAY, 0, 0, cat(u32(0x8000_0007), u32(E.ENHANCE_YOUR_CALM), 'calm down')), rawFrame(T.GOAWAY, 0, 0, u32(0, 0)))), [
    { type: 'goaway', lastStreamId: 7, errorCode: E.ENHANCE_YOUR_CALM, debug: hex('calm down') },
    { type: 'goaway', lastStreamId: 0, errorCode: 0, debug: '' },
  ]);
});

test('WINDOW_UPDATE on the connection and on a stream; reserved bit ignored (RFC 9113 §6.9)', () => {
  assert.deepEqual(parse3(cat(rawFrame(T.WINDOW_UPDATE, 0, 0, u32(0x7fff_ffff)), rawFrame(T.WINDOW_UPDATE, 0, 3, u32(0x8000_0400)))), [
    { type: 'window-update', streamId: 0, increment: 0x7fff_ffff },
    { type: 'window-update', streamId: 3, increment: 1024 },
  ]);
});

test('unknown frame types are ignored, whatever their size; unknown flags and the reserved bit too (RFC 9113 §4.1, §5.5)', () => {
  const input = cat(
    rawFrame(0x42, 0xff, 0, 'whatever'),
    rawFrame(0xfa, 0, 9, ''),
    rawFrame(T.PING, 0xfe, 0, '12345678'),
    rawFrame(T.DATA, 0xf6, 0x8000_0001, 'x'),
    rawFrame(0x0b, 0, 0, Buffer.alloc(16_384)),
    rawFrame(T.WINDOW_UPDATE, 0xff, 0, u32(1)),
  );
  assert.deepEqual(parse3(input), [
    { type: 'ping', data: hex('12345678'), ack: false },
    { type: 'data', streamId: 1, data: hex('x'), endStream: false, flowControlled: 1 },
    { type: 'window-update', streamId: 0, increment: 1 },
  ]);
});

test('a frame of exactly our SETTINGS_MAX_FRAME_SIZE is accepted, and a larger limit is honoured (RFC 9113 §4.2)', () => {
  const big = Buffer.alloc(16_384, 0x61);
  assert.equal(parse3(rawFrame(T.DATA, 0, 1, big))[0]?.type, 'data');
  const bigger = Buffer.alloc(20_000, 0x62);
  const events = parse3(rawFrame(T.DATA, 0, 1, bigger), { maxFrameSize: 20_000 });
  assert.deepEqual(events, [{ type: 'data', streamId: 1, data: bigger.toString('hex'), endStream: false, flowControlled: 20_000 }]);
});

// --- The connection preface (§3.4) ---

test('a server needs the client preface; the preface alone gives no event (RFC 9113 §3.4)', () => {
  assert.deepEqual(parse3(CLIENT_PREFACE, { raw: true }), []);
  const { parser } = feedFrames([CLIENT_PREFACE.subarray(0, 10)]);
  assert.equal(parser.midFrame, true);
  assert.equal(parser.dead, false);
});

test('a wrong preface is a PROTOCOL_ERROR connection error (RFC 9113 §3.4)', () => {
  expectFrameError(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n'), 'BAD_PREFACE', 'connection', E.PROTOCOL_ERROR, { raw: true });
  expectFrameError(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), 'BAD_PREFACE', 'connection', E.PROTOCOL_ERROR, { raw: true });
  expectFrameError(Buffer.from('\0\0\0\x04\0\0\0\0\0'), 'BAD_PREFACE', 'connection', E.PROTOCOL_ERROR, { raw: true });
});

test('an HTTP/1.1 request instead of the preface is told apart, with every byte kept for the HTTP/1.1 parser (RFC 9113 §3.3)', () => {
  for (const text of ['GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'PRI * HTTP/1.1\r\n\r\n', 'PRIX / HTTP/1.1\r\n', 'PRI /x HTTP/1.1\r\n', '\r\nGET / HTTP/1.1\r\n']) {
    const input = Buffer.from(text, 'latin1');
    expectFrameError(input, 'PREFACE_HTTP1', 'connection', E.PROTOCOL_ERROR, { raw: true });
    for (const chunks of [[input], bytewise(input), [input.subarray(0, 3), input.subarray(3)]]) {
      const { parser } = feedFrames(chunks);
      const fallback = parser.fallbackBytes;
      // Every byte pushed up to and including the chunk that showed the mismatch.
      const pushedUpTo = Buffer.concat(chunks).subarray(0, fallback.length);
      assert.deepEqual(fallback, pushedUpTo, text);
      assert.ok(fallback.length > 0 && input.subarray(0, fallback.length).equals(fallback));
    }
  }
});

test('the first frame after the preface must be SETTINGS, on both sides (RFC 9113 §3.4)', () => {
  expectFrameError(cat(CLIENT_PREFACE, rawFrame(T.PING, 0, 0, '12345678')), 'FIRST_FRAME_NOT_SETTINGS', 'connection', E.PROTOCOL_ERROR, { raw: true });
  expectFrameError(cat(CLIENT_PREFACE, rawFrame(T.SETTINGS, FLAG.ACK, 0)), 'FIRST_FRAME_NOT_SETTINGS', 'connection', E.PROTOCOL_ERROR, { raw: true });
  expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS, 1, 'x'), 'FIRST_FRAME_NOT_SETTINGS', 'connection', E.PROTOCOL_ERROR, { raw: true, role: 'client' });
  assert.deepEqual(parse3(rawFrame(T.SETTINGS, 0, 0), { raw: true, role: 'client' }), [{ type: 'settings', settings: {} }]);
});

// --- Frame size (§4.2) ---

test('a frame larger than our SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR connection error, before its payload (RFC 9113 §4.2)', () => {
  for (const type of [T.DATA, T.HEADERS, T.SETTINGS, T.PING, 0x42]) {
    expectFrameError(rawFrame(type, 0, type === T.SETTINGS || type === T.PING ? 0 : 1, Buffer.alloc(16_385)), 'FRAME_TOO_LARGE', 'connection', E.FRAME_SIZE_ERROR);
  }
  // Reported on the header alone: none of the payload is awaited or buffered.
  const { events, parser } = feedFrames([CLIENT_PRELUDE, rawFrame(T.DATA, 0, 1, '', 16_777_215)]);
  assert.equal(events.at(-1)?.type, 'error');
  assert.equal(parser.dead, true);
  assert.equal(parser.midFrame, false);
  expectFrameError(rawFrame(T.DATA, 0, 1, Buffer.alloc(20_001)), 'FRAME_TOO_LARGE', 'connection', E.FRAME_SIZE_ERROR, { maxFrameSize: 20_000 });
});

// --- DATA (§6.1) ---

test('DATA on stream 0 is a PROTOCOL_ERROR (RFC 9113 §6.1)', () => {
  expectFrameError(rawFrame(T.DATA, 0, 0, 'x'), 'STREAM_ID_REQUIRED', 'connection', E.PROTOCOL_ERROR);
});

test('DATA padding as long as the payload, or longer, is a PROTOCOL_ERROR (RFC 9113 §6.1)', () => {
  expectFrameError(rawFrame(T.DATA, FLAG.PADDED, 1, '\x05abcd'), 'BAD_PADDING', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.DATA, FLAG.PADDED, 1, '\xff'), 'BAD_PADDING', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.DATA, FLAG.PADDED, 1, '\x01'), 'BAD_PADDING', 'connection', E.PROTOCOL_ERROR);
});

test('a PADDED DATA frame too short for its Pad Length is a FRAME_SIZE_ERROR (RFC 9113 §4.2)', () => {
  expectFrameError(rawFrame(T.DATA, FLAG.PADDED, 1, ''), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
});

// --- HEADERS (§6.2) ---

test('HEADERS on stream 0, with too much padding, or too short for its fields (RFC 9113 §6.2, §4.2)', () => {
  expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS, 0, 'x'), 'STREAM_ID_REQUIRED', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PADDED, 1, '\x03ab'), 'BAD_PADDING', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PADDED | FLAG.PRIORITY, 1, cat('\x01', priorityBytes(false, 0, 1))), 'BAD_PADDING', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PRIORITY, 1, '\0\0\0\0'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PADDED, 1, ''), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.HEADERS, FLAG.PADDED, 1, '\x02a'), 'BAD_PADDING', 'connection', E.PROTOCOL_ERROR);
});

test('HEADERS depending on its own stream: the block is still delivered, then a stream error (RFC 7540 §5.3.1, RFC 9113 §4.3)', () => {
  const events = expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PRIORITY, 3, cat(priorityBytes(false, 3, 16), 'b')), 'SELF_DEPENDENCY', 'stream', E.PROTOCOL_ERROR);
  assert.deepEqual(events[0], { type: 'headers', streamId: 3, endStream: false, block: hex('b'), priority: { exclusive: false, dependency: 3, weight: 16 } });
  assert.deepEqual(events[1], { type: 'error', reason: 'SELF_DEPENDENCY', scope: 'stream', code: E.PROTOCOL_ERROR, streamId: 3 });
});

// --- PRIORITY (§6.3) ---

test('PRIORITY of a length other than 5 is a FRAME_SIZE_ERROR stream error, and parsing goes on (RFC 9113 §6.3)', () => {
  for (const n of [0, 4, 6, 100]) {
    const events = expectFrameError(cat(rawFrame(T.PRIORITY, 0, 5, Buffer.alloc(n)), rawFrame(T.PING, 0, 0, '12345678')), 'BAD_PRIORITY_LENGTH', 'stream', E.FRAME_SIZE_ERROR);
    assert.deepEqual(events[0], { type: 'error', reason: 'BAD_PRIORITY_LENGTH', scope: 'stream', code: E.FRAME_SIZE_ERROR, streamId: 5 });
    assert.equal(events[1]?.type, 'ping');
  }
});

test('PRIORITY on stream 0 is a PROTOCOL_ERROR; on its own stream a stream error (RFC 9113 §6.3)', () => {
  expectFrameError(rawFrame(T.PRIORITY, 0, 0, priorityBytes(false, 1, 16)), 'STREAM_ID_REQUIRED', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.PRIORITY, 0, 9, priorityBytes(true, 9, 16)), 'SELF_DEPENDENCY', 'stream', E.PROTOCOL_ERROR);
});

// --- RST_STREAM (§6.4) ---

test('RST_STREAM of a length other than 4 is a FRAME_SIZE_ERROR, on stream 0 a PROTOCOL_ERROR (RFC 9113 §6.4)', () => {
  expectFrameError(rawFrame(T.RST_STREAM, 0, 1, '\0\0\0'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.RST_STREAM, 0, 1, '\0\0\0\0\0'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.RST_STREAM, 0, 0, u32(0)), 'STREAM_ID_REQUIRED', 'connection', E.PROTOCOL_ERROR);
});

// --- SETTINGS (§6.5) ---

test('SETTINGS framing errors: ACK with a payload, length not a multiple of 6, a stream id (RFC 9113 §6.5)', () => {
  expectFrameError(rawFrame(T.SETTINGS, FLAG.ACK, 0, setting(1, 0)), 'SETTINGS_ACK_WITH_PAYLOAD', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, '\0\x01\0\0\0'), 'BAD_SETTINGS_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, cat(setting(1, 0), '\0')), 'BAD_SETTINGS_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 1, setting(1, 0)), 'STREAM_ID_FORBIDDEN', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, FLAG.ACK, 1), 'STREAM_ID_FORBIDDEN', 'connection', E.PROTOCOL_ERROR);
});

test('SETTINGS values out of range: each with its error code (RFC 9113 §6.5.2, RFC 9218 §2.1)', () => {
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, setting(0x2, 2)), 'BAD_ENABLE_PUSH', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, setting(0x4, 0x8000_0000)), 'BAD_INITIAL_WINDOW_SIZE', 'connection', E.FLOW_CONTROL_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, setting(0x4, 0xffff_ffff)), 'BAD_INITIAL_WINDOW_SIZE', 'connection', E.FLOW_CONTROL_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, setting(0x5, 16_383)), 'BAD_MAX_FRAME_SIZE', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, setting(0x5, 16_777_216)), 'BAD_MAX_FRAME_SIZE', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, setting(0x9, 2)), 'BAD_BOOLEAN_SETTING', 'connection', E.PROTOCOL_ERROR);
  // A bad value later in the frame: nothing of the frame is applied.
  const events = expectFrameError(rawFrame(T.SETTINGS, 0, 0, cat(setting(0x3, 10), setting(0x2, 7))), 'BAD_ENABLE_PUSH', 'connection', E.PROTOCOL_ERROR);
  assert.equal(events.length, 1);
});

test('a client refuses SETTINGS_ENABLE_PUSH = 1 from a server; a server accepts it (RFC 9113 §6.5.2)', () => {
  expectFrameError(rawFrame(T.SETTINGS, 0, 0, setting(0x2, 1)), 'PUSH_ENABLED_BY_SERVER', 'connection', E.PROTOCOL_ERROR, { role: 'client' });
  assert.deepEqual(parse3(rawFrame(T.SETTINGS, 0, 0, setting(0x2, 0)), { role: 'client' }), [{ type: 'settings', settings: { enablePush: false } }]);
});

// --- PUSH_PROMISE (§6.6) ---

test('PUSH_PROMISE from a client is a PROTOCOL_ERROR connection error, before its payload (RFC 9113 §8.4)', () => {
  expectFrameError(rawFrame(T.PUSH_PROMISE, FLAG.END_HEADERS, 1, cat(u32(2), 'x')), 'PUSH_PROMISE_FROM_CLIENT', 'connection', E.PROTOCOL_ERROR);
});

test('PUSH_PROMISE framing errors seen by a client (RFC 9113 §6.6)', () => {
  const client = { role: 'client' as const };
  expectFrameError(rawFrame(T.PUSH_PROMISE, FLAG.END_HEADERS, 0, cat(u32(2), 'x')), 'STREAM_ID_REQUIRED', 'connection', E.PROTOCOL_ERROR, client);
  expectFrameError(rawFrame(T.PUSH_PROMISE, FLAG.END_HEADERS, 1, '\0\0\0'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR, client);
  expectFrameError(rawFrame(T.PUSH_PROMISE, FLAG.END_HEADERS | FLAG.PADDED, 1, cat('\x02', u32(2), 'x')), 'BAD_PADDING', 'connection', E.PROTOCOL_ERROR, client);
});

// --- PING (§6.7), GOAWAY (§6.8) ---

test('PING of a length other than 8 is a FRAME_SIZE_ERROR; on a stream a PROTOCOL_ERROR (RFC 9113 §6.7)', () => {
  expectFrameError(rawFrame(T.PING, 0, 0, '1234567'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.PING, FLAG.ACK, 0, '123456789'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.PING, 0, 1, '12345678'), 'STREAM_ID_FORBIDDEN', 'connection', E.PROTOCOL_ERROR);
});

test('GOAWAY shorter than 8 bytes is a FRAME_SIZE_ERROR; on a stream a PROTOCOL_ERROR (RFC 9113 §6.8)', () => {
  expectFrameError(rawFrame(T.GOAWAY, 0, 0, '1234567'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.GOAWAY, 0, 3, u32(0, 0)), 'STREAM_ID_FORBIDDEN', 'connection', E.PROTOCOL_ERROR);
});

// --- WINDOW_UPDATE (§6.9) ---

test('WINDOW_UPDATE of a length other than 4 is a FRAME_SIZE_ERROR connection error (RFC 9113 §6.9)', () => {
  expectFrameError(rawFrame(T.WINDOW_UPDATE, 0, 0, '\0\0\x01'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
  expectFrameError(rawFrame(T.WINDOW_UPDATE, 0, 1, '\0\0\0\x01\0'), 'BAD_FRAME_LENGTH', 'connection', E.FRAME_SIZE_ERROR);
});

test('WINDOW_UPDATE increment 0: a connection error on stream 0, a stream error on a stream (RFC 9113 §6.9)', () => {
  expectFrameError(rawFrame(T.WINDOW_UPDATE, 0, 0, u32(0)), 'ZERO_WINDOW_INCREMENT_CONNECTION', 'connection', E.PROTOCOL_ERROR);
  const events = expectFrameError(cat(rawFrame(T.WINDOW_UPDATE, 0, 5, u32(0x8000_0000)), rawFrame(T.WINDOW_UPDATE, 0, 5, u32(1))), 'ZERO_WINDOW_INCREMENT', 'stream', E.PROTOCOL_ERROR);
  assert.deepEqual(events, [
    { type: 'error', reason: 'ZERO_WINDOW_INCREMENT', scope: 'stream', code: E.PROTOCOL_ERROR, streamId: 5 },
    { type: 'window-update', streamId: 5, increment: 1 },
  ]);
});

// --- CONTINUATION and the field-block sequence (§4.3, §6.10) ---

test('CONTINUATION without an open field block is a PROTOCOL_ERROR (RFC 9113 §6.10)', () => {
  expectFrameError(rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 1, 'x'), 'UNEXPECTED_CONTINUATION', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 0, 'x'), 'UNEXPECTED_CONTINUATION', 'connection', E.PROTOCOL_ERROR);
  expectFrameError(cat(rawFrame(T.HEADERS, FLAG.END_HEADERS, 1, 'a'), rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 1, 'b')), 'UNEXPECTED_CONTINUATION', 'connection', E.PROTOCOL_ERROR);
});

test('any other frame inside a field block, unknown types included, is a PROTOCOL_ERROR (RFC 9113 §4.3, §6.10)', () => {
  const open = rawFrame(T.HEADERS, 0, 1, 'a');
  for (const next of [
    rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 3, 'b'),
    rawFrame(T.DATA, 0, 1, 'b'),
    rawFrame(T.PING, 0, 0, '12345678'),
    rawFrame(T.PRIORITY, 0, 1, priorityBytes(false, 0, 16)),
    rawFrame(T.HEADERS, FLAG.END_HEADERS, 1, 'b'),
    rawFrame(0x42, 0, 1, 'b'),
    rawFrame(0x42, 0, 0, ''),
  ]) {
    expectFrameError(cat(open, next), 'HEADER_BLOCK_INTERRUPTED', 'connection', E.PROTOCOL_ERROR);
  }
});

test('CONTINUATION flood: more CONTINUATION frames than the limit end the connection at once (CVE-2024-27316)', () => {
  const empties = (n: number): Buffer[] => Array.from({ length: n }, () => rawFrame(T.CONTINUATION, 0, 1, ''));
  // Eight are allowed by default (nghttp2's limit); the block then ends normally.
  assert.deepEqual(parse3(cat(rawFrame(T.HEADERS, 0, 1, 'a'), ...empties(7), rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 1, 'b'))), [
    { type: 'headers', streamId: 1, endStream: false, block: hex('ab'), priority: null },
  ]);
  expectFrameError(cat(rawFrame(T.HEADERS, 0, 1, 'a'), ...empties(9)), 'TOO_MANY_CONTINUATIONS', 'connection', E.ENHANCE_YOUR_CALM);
  expectFrameError(cat(rawFrame(T.HEADERS, 0, 1, 'a'), ...empties(3)), 'TOO_MANY_CONTINUATIONS', 'connection', E.ENHANCE_YOUR_CALM, { maxContinuationFrames: 2 });
  expectFrameError(cat(rawFrame(T.PUSH_PROMISE, 0, 1, cat(u32(2), 'a')), ...empties(9)), 'TOO_MANY_CONTINUATIONS', 'connection', E.ENHANCE_YOUR_CALM, { role: 'client' });
});

test('a field block over the byte limit ends the connection on the frame header, buffering nothing more (RFC 9113 §10.5)', () => {
  const limits = { maxHeaderBlockBytes: 100 };
  assert.equal(parse3(cat(rawFrame(T.HEADERS, 0, 1, Buffer.alloc(60)), rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 1, Buffer.alloc(40))), limits)[0]?.type, 'headers');
  expectFrameError(cat(rawFrame(T.HEADERS, 0, 1, Buffer.alloc(60)), rawFrame(T.CONTINUATION, FLAG.END_HEADERS, 1, Buffer.alloc(41))), 'HEADER_BLOCK_TOO_LARGE', 'connection', E.ENHANCE_YOUR_CALM, limits);
  expectFrameError(rawFrame(T.HEADERS, FLAG.END_HEADERS, 1, Buffer.alloc(101)), 'HEADER_BLOCK_TOO_LARGE', 'connection', E.ENHANCE_YOUR_CALM, limits);
  // Padding does not count: it is not part of the block.
  assert.equal(parse3(rawFrame(T.HEADERS, FLAG.END_HEADERS | FLAG.PADDED, 1, cat('\x32', Buffer.alloc(100), Buffer.alloc(50))), limits)[0]?.type, 'headers');
  // The error comes with the CONTINUATION's header; its payload is never awaited.
  const { events, parser } = feedFrames([CLIENT_PRELUDE, rawFrame(T.HEADERS, 0, 1, Buffer.alloc(60)), rawFrame(T.CONTINUATION, 0, 1, '', 16_000)], limits);
  assert.equal(events.at(-1)?.type === 'error' && events.at(-1)?.type, 'error');
  assert.equal(parser.dead, true);
});

// --- Views, re-entrancy, settings of the parser ---

test('a frame wholly inside a chunk is handed out as a view of that chunk, never copied', () => {
  const chunk = cat(CLIENT_PRELUDE, rawFrame(T.DATA, 0, 1, 'hello'), rawFrame(T.HEADERS, FLAG.END_HEADERS, 1, 'abc'));
  const views: Buffer[] = [];
  const sink = { ...recordingSink([]), onData: (_s: number, d: Buffer) => views.push(d), onHeaders: (e: { block: Buffer }) => views.push(e.block) };
  new FrameParser({}, sink).push(chunk);
  assert.equal(views.length, 2);
  assert.equal(views[0]!.buffer, chunk.buffer);
  assert.equal(views[0]!.byteOffset, chunk.byteOffset + CLIENT_PRELUDE.length + 9);
  assert.equal(views[1]!.buffer, chunk.buffer);
  assert.equal(views[1]!.toString(), 'abc');
});

test('a frame cut across chunks comes out whole, once, whatever the cut', () => {
  const frame = rawFrame(T.DATA, FLAG.END_STREAM, 1, 'split across chunks');
  for (let cut = 1; cut < frame.length; cut++) {
    const { events } = feedFrames([CLIENT_PRELUDE, frame.subarray(0, cut), frame.subarray(cut)]);
    assert.deepEqual(events.slice(1), [{ type: 'data', streamId: 1, data: hex('split across chunks'), endStream: true, flowControlled: 19 }]);
  }
});

test('bytes pushed from inside a sink callback are parsed after the current frame, in order', () => {
  const events: FrameEvent[] = [];
  const record = recordingSink(events);
  let pushed = false;
  const parser: FrameParser = new FrameParser(
    {},
    {
      ...record,
      onPing: (data, ack) => {
        record.onPing(data, ack);
        if (!pushed) {
          pushed = true;
          parser.push(rawFrame(T.WINDOW_UPDATE, 0, 0, u32(9)));
        }
      },
    },
  );
  parser.push(cat(CLIENT_PRELUDE, rawFrame(T.PING, 0, 0, '12345678'), rawFrame(T.DATA, 0, 1, 'x')));
  assert.deepEqual(
    events.slice(1).map((e) => e.type),
    ['ping', 'data', 'window-update'],
  );
});

test('maxFrameSize can follow our advertised setting; out-of-range limits are refused (RFC 9113 §4.2, §6.5.2)', () => {
  const events: FrameEvent[] = [];
  const parser = new FrameParser({}, recordingSink(events));
  parser.push(CLIENT_PRELUDE);
  parser.maxFrameSize = 32_768;
  parser.push(rawFrame(T.DATA, 0, 1, Buffer.alloc(30_000)));
  assert.equal(events.at(-1)?.type, 'data');
  assert.throws(() => (parser.maxFrameSize = 16_383), RangeError);
  assert.throws(() => new FrameParser({ maxFrameSize: 2 ** 24 }, recordingSink([])), RangeError);
  assert.throws(() => new FrameParser({ maxContinuationFrames: -1 }, recordingSink([])), RangeError);
  assert.throws(() => parser.setHeaderBlockLimits(Number.NaN, 8), RangeError);
  parser.setHeaderBlockLimits(10, 8);
  parser.push(rawFrame(T.HEADERS, FLAG.END_HEADERS, 1, Buffer.alloc(11)));
  assert.deepEqual(events.at(-1), { type: 'error', reason: 'HEADER_BLOCK_TOO_LARGE', scope: 'connection', code: E.ENHANCE_YOUR_CALM, streamId: 1 });
});
