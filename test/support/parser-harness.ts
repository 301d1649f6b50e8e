// Drives the sans-IO RequestParser in tests: feeds bytes in a chosen chunking, records the events as
// plain data (body bytes of consecutive onData calls joined), and checks that every chunking of the
// same bytes gives the same events (h11's habit: whole, one byte at a time, and with extra bytes
// that must wait while the parser is paused).

import assert from 'node:assert/strict';
import { RequestParser, type ParserLimits, type RequestHead } from '../../src/http1/request-parser.ts';
import type { ParseError } from '../../src/http1/errors.ts';

export type ParserEvent =
  | { type: 'head'; head: RequestHead }
  | { type: 'data'; data: string }
  | { type: 'trailers'; trailers: string[] }
  | { type: 'end' }
  | { type: 'error'; code: string; status: number };

/** How resume() is called after a complete request. */
export type ResumeMode = 'after-push' | 'in-callback' | 'never';

export interface FeedOptions {
  limits?: Partial<ParserLimits>;
  resume?: ResumeMode;
}

export interface FeedResult {
  events: ParserEvent[];
  parser: RequestParser;
  errors: number;
}

/** Feeds the chunks in order and records the events. */
export function feed(chunks: readonly Buffer[], options: FeedOptions = {}): FeedResult {
  const events: ParserEvent[] = [];
  const mode = options.resume ?? 'after-push';
  let errors = 0;
  let parser: RequestParser | null = null;
  const record = (event: ParserEvent): void => {
    const last = events[events.length - 1];
    if (event.type === 'data' && last?.type === 'data') last.data += event.data;
    else events.push(event);
  };
  parser = new RequestParser(
    {
      onHead: (head) => record({ type: 'head', head: { ...head, rawHeaders: [...head.rawHeaders] } }),
      // Copy: the parser hands out views of the pushed chunk.
      onData: (chunk) => record({ type: 'data', data: chunk.toString('latin1') }),
      onTrailers: (trailers) => record({ type: 'trailers', trailers: [...trailers] }),
      onEnd: () => {
        record({ type: 'end' });
        if (mode === 'in-callback') parser!.resume();
      },
      onError: (error: ParseError) => {
        errors++;
        record({ type: 'error', code: error.code, status: error.status });
      },
    },
    options.limits ?? {},
  );
  for (const chunk of chunks) {
    parser.push(chunk);
    if (mode === 'after-push') while (parser.paused) parser.resume();
  }
  return { events, parser, errors };
}

/** Splits buf at the given cut points (sorted, deduplicated, within bounds). */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < buf.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

export function bytewise(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

const toBuffer = (input: string | Buffer): Buffer => (typeof input === 'string' ? Buffer.from(input, 'latin1') : input);

// A complete request that must stay unparsed while the parser is paused after the case under test.
export const EXTRA = 'GET /extra HTTP/1.1\r\nHost: extra.test\r\n\r\n';

/**
 * Parses the input three ways and asserts they agree; returns the events.
 *  1. whole, resuming after each complete request;
 *  2. one byte at a time, resuming from inside onEnd;
 *  3. when the input ends on a request boundary (last event end or error): input + EXTRA in one push,
 *     resuming only while the expected events are not all out — the parser must then be paused holding
 *     exactly EXTRA (or dead holding nothing), and resume() must parse EXTRA as a request of its own.
 */
export function parse3(input: string | Buffer, limits: Partial<ParserLimits> = {}): ParserEvent[] {
  const buf = toBuffer(input);
  const whole = feed([buf], { limits });
  const bytes = feed(bytewise(buf), { limits, resume: 'in-callback' });
  assert.deepEqual(bytes.events, whole.events, 'byte-at-a-time events differ from whole input');
  assert.ok(whole.errors <= 1, 'more than one error');
  const events = whole.events;
  const last = events[events.length - 1];
  if (last?.type === 'end' || last?.type === 'error') checkExtra(buf, events, limits);
  return events;
}

function checkExtra(buf: Buffer, expected: ParserEvent[], limits: Partial<ParserLimits>): void {
  const extra = Buffer.from(EXTRA, 'latin1');
  const events: ParserEvent[] = [];
  const ends = expected.filter((e) => e.type === 'end').length;
  let seenEnds = 0;
  const parser = new RequestParser(
    {
      onHead: (head) => events.push({ type: 'head', head: { ...head, rawHeaders: [...head.rawHeaders] } }),
      onData: (chunk) => {
        const last = events[events.length - 1];
        if (last?.type === 'data') last.data += chunk.toString('latin1');
        else events.push({ type: 'data', data: chunk.toString('latin1') });
      },
      onTrailers: (trailers) => events.push({ type: 'trailers', trailers: [...trailers] }),
      onEnd: () => {
        events.push({ type: 'end' });
        seenEnds++;
      },
      onError: (error) => events.push({ type: 'error', code: error.code, status: error.status }),
    },
    limits,
  );
  parser.push(Buffer.concat([buf, extra]));
  // Resume up to the last expected request; past it only when the input ends in an error.
  const endsInError = expected[expected.length - 1]?.type === 'error';
  while (parser.paused && (seenEnds < ends || endsInError)) parser.resume();
  assert.deepEqual(events, expected, 'events differ when extra bytes follow the input');
  if (parser.dead) {
    assert.equal(parser.pendingBytes, 0, 'a dead parser holds no bytes');
    parser.resume();
    parser.push(extra);
    assert.deepEqual(events, expected, 'a dead parser emits nothing more');
    return;
  }
  assert.ok(parser.paused, 'parser must be paused after the last request');
  assert.equal(parser.pendingBytes, extra.length, 'the extra bytes must be held, unparsed');
  parser.resume();
  const more = events.slice(expected.length);
  assert.equal(more[0]?.type, 'head', 'resume() must parse the held request');
  if (more[0]?.type === 'head') assert.equal(more[0].head.target, '/extra');
  assert.equal(more[1]?.type, 'end');
  assert.equal(more.length, 2);
}

/** Asserts the input ends in exactly one error with this code and status (all three ways). */
export function expectError(input: string | Buffer, code: string, status: number, limits: Partial<ParserLimits> = {}): ParserEvent[] {
  const events = parse3(input, limits);
  const errors = events.filter((e) => e.type === 'error');
  assert.equal(errors.length, 1, `expected one error, got events ${JSON.stringify(events.map((e) => e.type))}`);
  assert.deepEqual(events[events.length - 1], { type: 'error', code, status });
  return events;
}

export interface ParsedRequest {
  head: RequestHead;
  body: string;
  trailers: string[] | null;
  complete: boolean;
}

/** Groups events into requests; asserts no error occurred. */
export function expectRequests(input: string | Buffer, limits: Partial<ParserLimits> = {}): ParsedRequest[] {
  const events = parse3(input, limits);
  const out: ParsedRequest[] = [];
  for (const e of events) {
    if (e.type === 'error') assert.fail(`unexpected error ${e.code} (${e.status})`);
    if (e.type === 'head') out.push({ head: e.head, body: '', trailers: null, complete: false });
    const cur = out[out.length - 1];
    assert.ok(cur !== undefined, `event ${e.type} before any head`);
    if (e.type === 'data') cur.body += e.data;
    if (e.type === 'trailers') cur.trailers = e.trailers;
    if (e.type === 'end') cur.complete = true;
  }
  return out;
}

/** Exactly one complete request. */
export function expectRequest(input: string | Buffer, limits: Partial<ParserLimits> = {}): ParsedRequest {
  const reqs = expectRequests(input, limits);
  assert.equal(reqs.length, 1, `expected one request, got ${reqs.length}`);
  assert.ok(reqs[0]!.complete, 'request not complete');
  return reqs[0]!;
}
