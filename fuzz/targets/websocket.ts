// WebSocket frames: the frame parser (src/websocket/frame-parser.ts) and the receiver on top of it
// (src/websocket/receiver.ts: fragments joined, UTF-8 of text checked, close frames read).
// Invariants: the same events whatever the chunking; at most one error, last, with a close code
// of RFC 6455 §7.4.1 (never an exception); no message over maxPayload and no control payload over
// 125 bytes handed out; text messages are valid UTF-8.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameParser } from '../../src/websocket/frame-parser.ts';
import { Receiver } from '../../src/websocket/receiver.ts';
import { bytewise, splitAt } from '../../test/support/parser-harness.ts';
import type { FuzzTarget } from '../engine.ts';
import { pseudoRandomCuts } from './http1.ts';

const MAX_PAYLOAD = 300;
const ERROR_CODES = new Set([1002, 1007, 1009]);

function frameEvents(chunks: readonly Buffer[], rsv1Allowed: boolean, masked: boolean): string[] {
  const out: string[] = [];
  let message = 0;
  const parser = new FrameParser(
    {
      onMessageStart: (binary, compressed) => {
        message = 0;
        out.push(`start ${binary} ${compressed}`);
      },
      onMessageData: (data) => {
        message += data.length;
        assert.ok(message <= MAX_PAYLOAD, 'message data over maxPayload handed out');
        const last = out.length - 1;
        if (out[last]?.startsWith('data ')) out[last] += data.toString('hex');
        else out.push(`data ${data.toString('hex')}`);
      },
      onMessageEnd: () => out.push('end'),
      onControl: (opcode, payload) => {
        assert.ok(payload.length <= 125, 'control payload over 125 bytes (RFC 6455 §5.5)');
        out.push(`control ${opcode} ${payload.toString('hex')}`);
      },
      onError: (code, message) => {
        assert.ok(ERROR_CODES.has(code), `close code ${code}: ${message}`);
        out.push(`error ${code}`);
      },
    },
    { maxPayload: MAX_PAYLOAD, rsv1Allowed, masked },
  );
  for (const c of chunks) parser.push(c);
  const errors = out.filter((e) => e.startsWith('error'));
  assert.ok(errors.length <= 1 && (errors.length === 0 || out[out.length - 1] === errors[0]), 'an error is the one last event');
  return out;
}

function receiverEvents(chunks: readonly Buffer[]): string[] {
  const out: string[] = [];
  const receiver = new Receiver(
    {
      onMessage: (data, isBinary) => {
        assert.ok(data.length <= MAX_PAYLOAD, 'message over maxPayload');
        if (!isBinary) assert.ok(Buffer.from(data.toString('utf8'), 'utf8').equals(data), 'a text message that is not UTF-8');
        out.push(`message ${isBinary} ${data.toString('hex')}`);
      },
      onPing: (p) => out.push(`ping ${p.toString('hex')}`),
      onPong: (p) => out.push(`pong ${p.toString('hex')}`),
      onClose: (code, reason) => {
        assert.ok(code === 1005 || (code >= 1000 && code <= 4999), `close code ${code}`);
        out.push(`close ${code} ${reason}`);
      },
      onError: (e) => {
        assert.ok(ERROR_CODES.has(e.code), `error code ${e.code}`);
        out.push(`error ${e.code}`);
      },
    },
    { maxPayload: MAX_PAYLOAD },
  );
  for (const c of chunks) receiver.push(c);
  return out;
}

// The parsers unmask payloads in place (a socket never reuses a chunk it handed out), so every run
// gets its own copy of the input.
const whole = (input: Buffer): Buffer[] => [Buffer.from(input)];
const byByte = (input: Buffer): Buffer[] => bytewise(Buffer.from(input));
const randomSplit = (input: Buffer): Buffer[] => splitAt(Buffer.from(input), pseudoRandomCuts(input));

function checkWebSocket(input: Buffer): void {
  for (const [rsv1, masked] of [[false, true], [true, true], [false, false]] as const) {
    const events = frameEvents(whole(input), rsv1, masked);
    assert.deepEqual(frameEvents(byByte(input), rsv1, masked), events, 'byte-at-a-time frame events differ');
    assert.deepEqual(frameEvents(randomSplit(input), rsv1, masked), events, 'random-split frame events differ');
  }
  const events = receiverEvents(whole(input));
  assert.deepEqual(receiverEvents(byByte(input)), events, 'byte-at-a-time receiver events differ');
  assert.deepEqual(receiverEvents(randomSplit(input)), events, 'random-split receiver events differ');
}

/** A frame (RFC 6455 §5.2) with every header field chosen, the payload masked with the given key. */
function frame(fin: boolean, rsv: number, opcode: number, payload: Buffer, mask: Buffer | null, form: 7 | 16 | 64, declared: number): Buffer {
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = mask === null ? 0 : 0x80;
  if (form === 7) head.push(m | Math.min(declared, 125));
  else if (form === 16) head.push(m | 126, (declared >> 8) & 0xff, declared & 0xff);
  else head.push(m | 127, 0, 0, 0, 0, declared >>> 24, (declared >> 16) & 0xff, (declared >> 8) & 0xff, declared & 0xff);
  if (mask === null) return Buffer.concat([Buffer.from(head), payload]);
  const body = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([Buffer.from(head), mask, body]);
}

const payloadArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  fc.string({ maxLength: 30 }).map((s) => Buffer.from(s, 'utf8')),
  fc.constantFrom(Buffer.from([0x03, 0xe8]), Buffer.from([0x03, 0xe8, 0xc3]), Buffer.from([0x03, 0xed]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.alloc(126), Buffer.alloc(301)),
);
const frameArb = fc
  .record({
    fin: fc.boolean(),
    rsv: fc.constantFrom(0, 0, 0, 4, 2, 1),
    opcode: fc.constantFrom(0, 1, 2, 8, 9, 10, 3, 0xb),
    payload: payloadArb,
    mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)), { freq: 8, nil: null }),
    form: fc.constantFrom<7 | 16 | 64>(7, 7, 16, 64),
    lie: fc.option(fc.nat({ max: 70_000 }), { freq: 6, nil: undefined }),
  })
  .map((f) => frame(f.fin, f.rsv, f.opcode, f.payload, f.mask, f.form, f.lie ?? f.payload.length));
export const websocketFrames: FuzzTarget = {
  name: 'websocket-frames',
  about: 'WebSocket frames and messages: lengths, masks, fragments, control frames, close codes, UTF-8 (RFC 6455 §5)',
  grammar: fc.array(frameArb, { maxLength: 6 }).map((frames) => Buffer.concat(frames)),
  check: checkWebSocket,
  ciRuns: 1500,
};
