// Sans-IO tests of the frame layer (frame-parser.ts, receiver.ts, utf8.ts): each case is fed whole,
// one byte at a time, and followed by more bytes, and must give the same events every way; then
// property tests with fast-check (fixed seeds): any message round-trips, any split of the bytes
// gives the same events, and the incremental UTF-8 validator agrees with a whole-buffer check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { Receiver, type ReceiverSink } from '../../src/websocket/receiver.ts';
import { Utf8Validator } from '../../src/websocket/utf8.ts';
import { encodeFrame, encodeClose } from '../../src/websocket/frame-writer.ts';
import { FrameParser, unmask, type FrameSink } from '../../src/websocket/frame-parser.ts';
import { clientFrame, closePayload } from '../support/ws-client.ts';

const SEED = 20260514;

type Event = [kind: string, ...values: unknown[]];

function events(chunks: readonly Buffer[], maxPayload = 1 << 20, masked = true): Event[] {
  const out: Event[] = [];
  const sink: ReceiverSink = {
    onMessage: (data, isBinary) => out.push(['message', isBinary ? 'binary' : 'text', isBinary ? data.toString('hex') : data.toString()]),
    onPing: (data) => out.push(['ping', data.toString('hex')]),
    onPong: (data) => out.push(['pong', data.toString('hex')]),
    onClose: (code, reason) => out.push(['close', code, reason]),
    onError: (e) => out.push(['error', e.code]),
  };
  // Copies: the receiver unmasks in place, and each way of feeding gets the same bytes.
  const r = new Receiver(sink, { maxPayload, masked });
  for (const c of chunks) r.push(Buffer.from(c));
  return out;
}

/** The same events whole, byte by byte, and in random-free halves; returns them. */
function threeWays(bytes: Buffer, maxPayload?: number): Event[] {
  const whole = events([bytes], maxPayload);
  const bytewise = events([...bytes].map((b) => Buffer.from([b])), maxPayload);
  const half = events([bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)], maxPayload);
  assert.deepEqual(bytewise, whole, 'byte by byte');
  assert.deepEqual(half, whole, 'in two halves');
  return whole;
}

test('messages, fragments with control frames between, and close; whole, byte by byte and split (RFC 6455 §5.4, §5.5)', () => {
  const bytes = Buffer.concat([
    clientFrame(0x1, 'héllo'),
    clientFrame(0x2, Buffer.from([1, 2, 3])),
    clientFrame(0x1, 'a', { fin: false }),
    clientFrame(0x9, 'p'),
    clientFrame(0x0, '€', { fin: false }),
    clientFrame(0xa, ''),
    clientFrame(0x0, 'z'),
    clientFrame(0x2, Buffer.alloc(300, 9), { lengthForm: 16 }),
    clientFrame(0x2, Buffer.alloc(70_000, 1)),
    clientFrame(0x1, 'x', { lengthForm: 64 }),
    clientFrame(0x1, ''),
    clientFrame(0x8, closePayload(1000, 'bye')),
  ]);
  // Bytes after the close are never parsed (§5.5.1).
  const trailing = Buffer.concat([bytes, clientFrame(0x1, 'after close')]);
  const got = threeWays(trailing);
  assert.deepEqual(got, [
    ['message', 'text', 'héllo'],
    ['message', 'binary', '010203'],
    ['ping', '70'],
    ['pong', ''],
    ['message', 'text', 'a€z'],
    ['message', 'binary', '09'.repeat(300)],
    ['message', 'binary', '01'.repeat(70_000)],
    ['message', 'text', 'x'],
    ['message', 'text', ''],
    ['close', 1000, 'bye'],
  ]);
});

test('an empty close frame reports 1005 (no status, RFC 6455 §7.1.5); valid codes pass', () => {
  assert.deepEqual(threeWays(clientFrame(0x8)), [['close', 1005, '']]);
  for (const code of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999]) assert.deepEqual(threeWays(clientFrame(0x8, closePayload(code))), [['close', code, '']]);
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) assert.deepEqual(threeWays(clientFrame(0x8, closePayload(code))), [['error', 1002]], `code ${code}`);
});

test('each refusal gives one error with its code, the same however the bytes are split', () => {
  const cases: Array<[Buffer, number]> = [
    [clientFrame(0x1, 'x', { mask: false }), 1002],
    [clientFrame(0x1, 'x', { rsv: 1 }), 1002],
    [clientFrame(0x1, 'x', { rsv: 4 }), 1002],
    [clientFrame(0x7, 'x'), 1002],
    [clientFrame(0xf, 'x'), 1002],
    [clientFrame(0x8, closePayload(1000), { fin: false }), 1002],
    [clientFrame(0xa, Buffer.alloc(126), { lengthForm: 16 }), 1002],
    [clientFrame(0x0, 'x'), 1002],
    [Buffer.concat([clientFrame(0x1, 'x', { fin: false }), clientFrame(0x2, 'y')]), 1002],
    [clientFrame(0x2, Buffer.alloc(0), { lengthForm: 64, highWord: 0x80000000, declaredLength: 0 }), 1002],
    [clientFrame(0x1, Buffer.from([0xc0, 0x80])), 1007], // overlong
    [clientFrame(0x1, Buffer.from([0xf4, 0x90, 0x80, 0x80])), 1007], // past U+10FFFF
    [clientFrame(0x8, Buffer.from([0x03, 0xe8, 0xff])), 1007],
    [clientFrame(0x8, Buffer.from([0x03])), 1002],
  ];
  for (const [bytes, code] of cases) {
    const got = threeWays(Buffer.concat([bytes, clientFrame(0x1, 'never')]));
    assert.deepEqual(got, [['error', code]], bytes.toString('hex'));
  }
});

test('maxPayload is checked from the length field: the header alone is refused (1009)', () => {
  const header = clientFrame(0x2, Buffer.alloc(0), { declaredLength: 2000 }).subarray(0, 8);
  assert.deepEqual(events([header], 1000), [['error', 1009]]);
  assert.deepEqual(events([Buffer.concat([clientFrame(0x2, Buffer.alloc(600), { fin: false }), clientFrame(0x0, Buffer.alloc(401))])], 1000), [['error', 1009]]);
  assert.deepEqual(events([Buffer.concat([clientFrame(0x2, Buffer.alloc(600), { fin: false }), clientFrame(0x0, Buffer.alloc(400))])], 1000).length, 1);
});

test('bad UTF-8 fails on the fragment that holds it, before the message ends (RFC 6455 §8.1)', () => {
  const got = events([clientFrame(0x1, 'ok', { fin: false }), clientFrame(0x0, Buffer.from([0xe2, 0x28]), { fin: false })]);
  assert.deepEqual(got, [['error', 1007]]);
});

test('a client-side parser refuses masked server frames (RFC 6455 §5.1)', () => {
  assert.deepEqual(events([clientFrame(0x1, 'x')], 1000, false), [['error', 1002]]);
  assert.deepEqual(events([encodeFrame(0x1, Buffer.from('x'))[0]!], 1000, false), [['message', 'text', 'x']]);
  assert.deepEqual(events([encodeClose(4000, 'r')], 1000, false), [['close', 4000, 'r']]);
});

test('unmask matches a byte loop at every alignment and mask offset', () => {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const backing = Buffer.alloc(200);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 37) & 0xff;
  for (let offset = 0; offset < 4; offset++) {
    for (let at = 0; at < 4; at++) {
      const view = Buffer.from(backing).subarray(offset, offset + 150);
      const expected = Buffer.from(view);
      for (let i = 0; i < expected.length; i++) expected[i] = expected[i]! ^ mask[(i + at) & 3]!;
      unmask(view, mask, at);
      assert.deepEqual(view, expected, `offset ${offset} at ${at}`);
    }
  }
});

test('a paused parser holds bytes and gives the same events on resume', () => {
  const out: string[] = [];
  let parser: FrameParser;
  const sink: FrameSink = {
    onMessageStart: () => {},
    onMessageData: (d) => out.push(d.toString()),
    onMessageEnd: () => {
      out.push('|');
      parser.pause();
    },
    onControl: () => {},
    onError: () => out.push('error'),
  };
  parser = new FrameParser(sink, { maxPayload: 100, rsv1Allowed: false, masked: true });
  parser.push(Buffer.concat([clientFrame(0x1, 'a'), clientFrame(0x1, 'b')]));
  parser.push(clientFrame(0x1, 'c'));
  assert.deepEqual(out, ['a', '|']);
  parser.resume();
  assert.deepEqual(out, ['a', '|', 'b', '|']);
  parser.resume();
  assert.deepEqual(out, ['a', '|', 'b', '|', 'c', '|']);
});

// ---- properties ----

const messageArb = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'grapheme', maxLength: 300 }) }),
  fc.record({ kind: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 70_000, size: 'medium' }) }),
  fc.record({ kind: fc.constant('ping' as const), bytes: fc.uint8Array({ maxLength: 125 }) }),
);
type ModelMessage = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array } | { kind: 'ping'; bytes: Uint8Array };

/** A message as frames: data messages split into 1–4 fragments, maybe a ping between fragments. */
function framesOf(m: ModelMessage, cuts: number[], pingBetween: boolean): Buffer[] {
  if (m.kind === 'ping') return [clientFrame(0x9, Buffer.from(m.bytes))];
  const payload = m.kind === 'text' ? Buffer.from(m.text) : Buffer.from(m.bytes);
  const points = [...new Set(cuts.map((c) => Math.floor(c * payload.length)))].sort((a, b) => a - b).filter((p) => p > 0 && p < payload.length);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of [...points, payload.length]) {
    pieces.push(payload.subarray(from, p));
    from = p;
  }
  return pieces.flatMap((piece, i) => {
    const frame = clientFrame(i === 0 ? (m.kind === 'text' ? 0x1 : 0x2) : 0x0, piece, { fin: i === pieces.length - 1 });
    return pingBetween && i < pieces.length - 1 ? [frame, clientFrame(0x9, 'between')] : [frame];
  });
}

function expectedOf(m: ModelMessage, cuts: number[], pingBetween: boolean): Event[] {
  if (m.kind === 'ping') return [['ping', Buffer.from(m.bytes).toString('hex')]];
  const payload = m.kind === 'text' ? Buffer.from(m.text) : Buffer.from(m.bytes);
  const fragments = framesOf(m, cuts, false).length;
  const pings: Event[] = pingBetween ? Array.from({ length: fragments - 1 }, () => ['ping', Buffer.from('between').toString('hex')]) : [];
  return [...pings, m.kind === 'text' ? ['message', 'text', m.text] : ['message', 'binary', payload.toString('hex')]];
}

test('property: any sequence of messages, fragmented anyhow, round-trips under any split of the bytes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(messageArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (messages, splits) => {
        const bytes = Buffer.concat(messages.flatMap(([m, cuts, ping]) => framesOf(m, cuts, ping)));
        const expected = messages.flatMap(([m, cuts, ping]) => expectedOf(m, cuts, ping));
        const points = [...new Set(splits.map((s) => s % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const p of [...points, bytes.length]) {
          chunks.push(bytes.subarray(from, p));
          from = p;
        }
        assert.deepEqual(events(chunks), expected);
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});

test('property: the incremental UTF-8 validator agrees with a whole-buffer check under any split', () => {
  const bytesArb = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.string({ unit: 'binary', maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s))),
    // Valid text with one byte changed: near-misses find the boundary cases.
    fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, i, b]) => {
      const u = new Uint8Array(Buffer.from(s));
      u[i % u.length] = b;
      return u;
    }),
  );
  fc.assert(
    fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 5 }), (bytes, splits) => {
      const v = new Utf8Validator();
      const points = [...new Set(splits.map((s) => s % (bytes.length + 1)))].sort((a, b) => a - b);
      let ok = true;
      let from = 0;
      for (const p of [...points, bytes.length]) {
        if (!v.write(bytes.subarray(from, p))) {
          ok = false;
          // Fails fast: the bytes up to here cannot begin any valid UTF-8 text.
          assert.equal(isUtf8(bytes.subarray(0, p)), false);
          break;
        }
        from = p;
      }
      assert.equal(ok && v.complete, isUtf8(bytes));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});
