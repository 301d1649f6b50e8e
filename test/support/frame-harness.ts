// Drives the sans-IO HTTP/2 FrameParser in tests: records its events as plain data, feeds bytes in a
// chosen chunking, and checks h11's three ways (whole, one byte at a time, and followed by extra
// bytes that must parse as a frame of their own, or be ignored after a connection error).

import assert from 'node:assert/strict';
import { FrameParser, type FrameParserOptions, type FrameSink } from '../../src/http2/frame-parser.ts';
import type { Priority } from '../../src/http2/frame-types.ts';
import type { SettingsUpdate } from '../../src/http2/settings.ts';
import { CLIENT_PREFACE } from '../../src/http2/preface.ts';
import { pingFrame, settingsFrame } from '../../src/http2/frame-writer.ts';
import { bytewise, splitAt } from './parser-harness.ts';

// The chunkers are the HTTP/1.1 harness's: bytes are bytes.
export { bytewise, splitAt };

export type FrameEvent =
  | { type: 'data'; streamId: number; data: string; endStream: boolean; flowControlled: number }
  | { type: 'headers'; streamId: number; endStream: boolean; block: string; priority: Priority | null }
  | { type: 'priority'; streamId: number; priority: Priority }
  | { type: 'rst'; streamId: number; errorCode: number }
  | { type: 'settings'; settings: SettingsUpdate }
  | { type: 'settings-ack' }
  | { type: 'push-promise'; streamId: number; promisedStreamId: number; block: string }
  | { type: 'ping'; data: string; ack: boolean }
  | { type: 'goaway'; lastStreamId: number; errorCode: number; debug: string }
  | { type: 'window-update'; streamId: number; increment: number }
  | { type: 'error'; reason: string; scope: string; code: number; streamId: number };

const hex = (b: Buffer): string => b.toString('hex');

/** A sink that appends every event, as plain data (buffers as hex), to `events`. */
export function recordingSink(events: FrameEvent[]): FrameSink {
  return {
    onData: (streamId, data, endStream, flowControlled) => events.push({ type: 'data', streamId, data: hex(data), endStream, flowControlled }),
    onHeaders: (e) => events.push({ type: 'headers', streamId: e.streamId, endStream: e.endStream, block: hex(e.block), priority: e.priority }),
    onPriority: (streamId, priority) => events.push({ type: 'priority', streamId, priority }),
    onRstStream: (streamId, errorCode) => events.push({ type: 'rst', streamId, errorCode }),
    onSettings: (settings) => events.push({ type: 'settings', settings }),
    onSettingsAck: () => events.push({ type: 'settings-ack' }),
    onPushPromise: (e) => events.push({ type: 'push-promise', streamId: e.streamId, promisedStreamId: e.promisedStreamId, block: hex(e.block) }),
    onPing: (data, ack) => events.push({ type: 'ping', data: hex(data), ack }),
    onGoaway: (lastStreamId, errorCode, debug) => events.push({ type: 'goaway', lastStreamId, errorCode, debug: hex(debug) }),
    onWindowUpdate: (streamId, increment) => events.push({ type: 'window-update', streamId, increment }),
    onError: (e) => events.push({ type: 'error', reason: e.reason, scope: e.scope, code: e.code, streamId: e.streamId }),
  };
}

export interface FeedResult {
  events: FrameEvent[];
  parser: FrameParser;
}

export function feedFrames(chunks: readonly Buffer[], options: Partial<FrameParserOptions> = {}): FeedResult {
  const events: FrameEvent[] = [];
  const parser = new FrameParser(options, recordingSink(events));
  for (const chunk of chunks) parser.push(chunk);
  return { events, parser };
}

/** A frame with any header fields at all, including ones the writer refuses (for invalid input). */
export function rawFrame(type: number, flags: number, streamId: number, payload: Buffer | string = '', length?: number): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const n = length ?? body.length;
  const head = Buffer.from([n >>> 16, (n >>> 8) & 0xff, n & 0xff, type, flags, 0, 0, 0, 0]);
  head.writeUInt32BE(streamId >>> 0, 5);
  return Buffer.concat([head, body]);
}

export const u32 = (...values: number[]): Buffer => {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
};

/** What a client sends before any frame of a test case: the preface and an empty SETTINGS. */
export const CLIENT_PRELUDE = Buffer.concat([CLIENT_PREFACE, settingsFrame({})]);
/** What a server sends first: an empty SETTINGS. */
export const SERVER_PRELUDE = settingsFrame({});

const EXTRA = pingFrame(Buffer.from('extra!!!', 'latin1'));
const EXTRA_EVENT: FrameEvent = { type: 'ping', data: hex(Buffer.from('extra!!!', 'latin1')), ack: false };

export interface Parse3Options extends Partial<FrameParserOptions> {
  /** Do not prepend the prelude (for preface and first-frame tests). */
  raw?: boolean;
}

/**
 * Parses the prelude (unless raw) and then `input` three ways and asserts they agree; returns the
 * events after the prelude's SETTINGS:
 *  1. whole; 2. one byte at a time; 3. followed by a PING in the same chunk, which must come out as
 *  one more event — unless the input ends in a connection error, after which nothing may come out.
 */
export function parse3(input: Buffer, options: Parse3Options = {}): FrameEvent[] {
  const { raw = false, ...parserOptions } = options;
  const prelude = raw ? Buffer.alloc(0) : options.role === 'client' ? SERVER_PRELUDE : CLIENT_PRELUDE;
  const buf = Buffer.concat([prelude, input]);
  const whole = feedFrames([buf], parserOptions);
  const bytes = feedFrames(bytewise(buf), parserOptions);
  assert.deepEqual(bytes.events, whole.events, 'byte-at-a-time events differ from whole input');
  const connectionErrors = whole.events.filter((e) => e.type === 'error' && e.scope === 'connection');
  assert.ok(connectionErrors.length <= 1, 'more than one connection error');
  if (connectionErrors.length === 1) assert.equal(whole.events[whole.events.length - 1], connectionErrors[0], 'a connection error is the last event');
  assert.equal(whole.parser.dead, connectionErrors.length === 1, 'dead exactly after a connection error');

  const last = whole.events[whole.events.length - 1];
  const endsDead = last?.type === 'error' && last.scope === 'connection';
  // Raw input may stop before the first SETTINGS, where a PING would be out of place.
  if (endsDead || (!raw && !whole.parser.midFrame && !whole.parser.inHeaderBlock)) {
    const extra = feedFrames([Buffer.concat([buf, EXTRA])], parserOptions);
    assert.deepEqual(extra.events, endsDead ? whole.events : [...whole.events, EXTRA_EVENT], 'events differ when extra bytes follow the input');
    if (endsDead) {
      extra.parser.push(EXTRA);
      assert.deepEqual(extra.events, whole.events, 'a dead parser emits nothing more');
    }
  }
  if (raw) return whole.events;
  assert.deepEqual(whole.events[0], { type: 'settings', settings: {} }, 'the prelude SETTINGS comes first');
  return whole.events.slice(1);
}

/** Asserts the input ends in this error (all three ways); returns every event. */
export function expectFrameError(input: Buffer, reason: string, scope: 'connection' | 'stream', code: number, options: Parse3Options = {}): FrameEvent[] {
  const events = parse3(input, options);
  const errors = events.filter((e) => e.type === 'error');
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(events)}`);
  assert.deepEqual(
    (({ reason, scope, code }) => ({ reason, scope, code }))(errors[0] as Extract<FrameEvent, { type: 'error' }>),
    { reason, scope, code },
  );
  return events;
}
