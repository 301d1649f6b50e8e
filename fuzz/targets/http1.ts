// HTTP/1.1 request heads and chunked bodies (src/http1/request-parser.ts).
// Invariants: the same events whatever the chunking (whole, byte at a time, a pseudo-random split,
// and with a pipelined request after it that must wait); at most one error, last, with the status the
// error catalogue gives it (4xx, or 501/505 — never a 500) and no exception; every head and body within
// the limits; a chunked body that the parser accepts decodes as an independent reference decoder says.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PARSE_ERRORS } from '../../src/http1/errors.ts';
import type { ParserLimits } from '../../src/http1/request-parser.ts';
import { EXTRA, bytewise, feed, splitAt, type ParserEvent } from '../../test/support/parser-harness.ts';
import { mutate, mutationArb, requestArb, serialize } from '../../test/support/http-arbitraries.ts';
import type { FuzzTarget } from '../engine.ts';

const SMALL: Partial<ParserLimits> = { maxRequestLineBytes: 200, maxHeaderBytes: 600, maxHeaderCount: 8, maxBodyBytes: 700 };
const ALLOWED_STATUS = new Set([400, 413, 414, 431, 501, 505]);

/** Cut points derived from the input itself: replayable without a second seed. */
export function pseudoRandomCuts(buf: Buffer): number[] {
  const cuts: number[] = [];
  let x = (buf.length * 2654435761) >>> 0 || 1;
  for (let at = 0; at < buf.length; ) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    at += 1 + (x % 97);
    cuts.push(at);
  }
  return cuts;
}

function checkEvents(events: ParserEvent[], limits: Partial<ParserLimits>): void {
  const lim = { maxHeaderCount: 100, maxBodyBytes: 10 * 1024 * 1024, ...limits };
  let inMessage = false;
  let body = 0;
  let declared = 0;
  events.forEach((e, i) => {
    switch (e.type) {
      case 'head':
        assert.ok(!inMessage, 'head inside a message');
        inMessage = true;
        body = 0;
        declared = e.head.contentLength;
        assert.ok(e.head.rawHeaders.length / 2 <= lim.maxHeaderCount, 'more fields than maxHeaderCount');
        assert.match(e.head.method, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'method is a token');
        assert.ok(!e.head.chunked || e.head.contentLength === -1, 'chunked heads report length -1');
        assert.ok(e.head.contentLength <= lim.maxBodyBytes, 'declared body over the limit reached the handler');
        break;
      case 'data':
        assert.ok(inMessage, 'data outside a message');
        body += Buffer.byteLength(e.data, 'latin1');
        assert.ok(body <= lim.maxBodyBytes, 'body over maxBodyBytes handed out');
        if (declared >= 0) assert.ok(body <= declared, 'more body than Content-Length');
        break;
      case 'trailers':
        assert.ok(inMessage && declared === -1, 'trailers outside a chunked message');
        assert.ok(e.trailers.length / 2 <= lim.maxHeaderCount, 'more trailer fields than the limit');
        break;
      case 'end':
        assert.ok(inMessage, 'end outside a message');
        if (declared >= 0) assert.equal(body, declared, 'a fixed-length body ends at its length');
        inMessage = false;
        break;
      case 'error': {
        assert.equal(i, events.length - 1, 'an error is the last event');
        assert.ok(ALLOWED_STATUS.has(e.status), `status ${e.status} for ${e.code}`);
        const entry = PARSE_ERRORS[e.code as keyof typeof PARSE_ERRORS];
        assert.ok(entry !== undefined && entry[0] === e.status, `code ${e.code} not in the catalogue with status ${e.status}`);
        break;
      }
    }
  });
}

/**
 * RFC 9112 §7.1 chunked decoding, written plainly and independently of src/http1/chunked.ts: returns
 * the body, or null when the bytes are not a complete chunked body. Extensions are skipped unchecked.
 */
export function referenceDechunk(bytes: Buffer): { body: Buffer; used: number } | null {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', pos, 'latin1');
    if (eol === -1) return null;
    const line = bytes.subarray(pos, eol).toString('latin1');
    const m = /^([0-9A-Fa-f]+)/.exec(line);
    if (m === null) return null;
    const size = parseInt(m[1]!, 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > bytes.length) return null;
    parts.push(bytes.subarray(pos, pos + size));
    if (bytes[pos + size] !== 0x0d || bytes[pos + size + 1] !== 0x0a) return null;
    pos += size + 2;
  }
  // Trailer section: field lines up to an empty line.
  for (;;) {
    const eol = bytes.indexOf('\r\n', pos, 'latin1');
    if (eol === -1) return null;
    const empty = eol === pos;
    pos = eol + 2;
    if (empty) return { body: Buffer.concat(parts), used: pos };
  }
}

function checkChunkedAgainstReference(input: Buffer, events: ParserEvent[]): void {
  // Only the first request is compared: its head ends at the first empty line.
  const first = events[0];
  if (first?.type !== 'head' || !first.head.chunked) return;
  const endAt = events.findIndex((e) => e.type === 'end');
  if (endAt === -1) return;
  const headEnd = input.indexOf('\r\n\r\n', 0, 'latin1');
  assert.ok(headEnd !== -1, 'a head was reported without an empty line');
  const ref = referenceDechunk(input.subarray(headEnd + 4));
  assert.ok(ref !== null, 'the parser accepted a chunked body the reference decoder refuses');
  const ours = events.slice(0, endAt).filter((e) => e.type === 'data').map((e) => (e as { data: string }).data).join('');
  assert.equal(ours, ref.body.toString('latin1'), 'chunked body differs from the reference decoding');
}

/** Events of `longer` must start with those of its prefix (the last body piece may grow). */
function assertPrefix(short: ParserEvent[], long: ParserEvent[]): void {
  short.forEach((e, i) => {
    const l = long[i];
    if (i === short.length - 1 && e.type === 'data' && l?.type === 'data') assert.ok(l.data.startsWith(e.data), 'body data changed when more bytes followed');
    else assert.deepEqual(l, e, `event ${i} changed when more bytes followed`);
  });
}

function checkRequestBytes(input: Buffer): void {
  for (const limits of [{}, SMALL]) {
    // The same events whole, one byte at a time (resuming from inside onEnd), and in a random split.
    const whole = feed([input], { limits });
    const events = whole.events;
    assert.deepEqual(feed(bytewise(input), { limits, resume: 'in-callback' }).events, events, 'byte-at-a-time events differ from whole input');
    assert.deepEqual(feed(splitAt(input, pseudoRandomCuts(input)), { limits }).events, events, 'events differ for a random split');
    checkEvents(events, limits);
    // An event once given is never taken back by later bytes (a pipelined request after the input).
    const extra = Buffer.from(EXTRA, 'latin1');
    const more = feed([input, extra], { limits });
    assertPrefix(events, more.events);
    if (whole.parser.dead) {
      assert.equal(whole.parser.pendingBytes, 0, 'a dead parser holds no bytes');
      assert.deepEqual(more.events, events, 'a dead parser emits nothing more');
    }
    // Paused after a request, the parser holds what follows unparsed, and resume() parses it.
    const alone = feed([input], { limits, resume: 'never' });
    if (alone.parser.paused) {
      const held = feed([input, extra], { limits, resume: 'never' });
      assert.ok(held.parser.paused, 'a paused parser left its pause');
      assert.equal(held.parser.pendingBytes, alone.parser.pendingBytes + extra.length, 'bytes after a paused request were not held');
      assert.deepEqual(held.events, alone.events, 'a paused parser emitted events');
    }
    checkChunkedAgainstReference(input, events);
  }
}

const requestsText = fc.array(requestArb(), { minLength: 1, maxLength: 3 }).map((reqs) => reqs.map(serialize).join(''));

export const http1Request: FuzzTarget = {
  name: 'http1-request',
  about: 'HTTP/1.1 request lines, field lines, framing and pipelining (RFC 9112 §2–§6)',
  grammar: fc.oneof(
    requestsText.map((t) => Buffer.from(t, 'latin1')),
    fc.tuple(requestsText, fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([t, m]) => Buffer.from(mutate(t, m), 'latin1')),
  ),
  check: checkRequestBytes,
  ciRuns: 1000,
};

// Chunked bodies on their own: size lines with odd hex (leading zeros, upper case, huge values),
// extensions with quoted strings, trailers, and the many ways to end one too early.
const hexSize = (n: number): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom('', '0', '00'), fc.boolean()).map(([zeros, upper]) => zeros + (upper ? n.toString(16).toUpperCase() : n.toString(16)));
const extArb = fc.constantFrom('', ';a', ';a=b', ' ;a="x;y"', ';a="\\""', ';=', ';a=', '; a = b', ';\x7f', ';a="unterminated');
const chunkArb = fc
  .uint8Array({ minLength: 1, maxLength: 40 })
  .chain((data) => fc.tuple(hexSize(data.length), extArb, fc.constantFrom('\r\n', '\r\n', '\n', 'x\r\n', '')).map(([size, ext, after]) => `${size}${ext}\r\n${Buffer.from(data).toString('latin1')}${after}`));
const chunkedBodyArb = fc
  .tuple(
    fc.array(chunkArb, { maxLength: 5 }),
    fc.constantFrom('0', '000', '0;last=1', 'ffffffffffffffffff', '7fffffffffff', '-1', ''),
    fc.constantFrom('\r\n', 'Trailer-A: 1\r\n\r\n', 'X: y\r\nZ: w\r\n\r\n', 'bad trailer\r\n\r\n', '', '\r'),
  )
  .map(([chunks, last, tail]) => `${chunks.join('')}${last}\r\n${tail}`);

export const http1Chunked: FuzzTarget = {
  name: 'http1-chunked',
  about: 'chunked transfer coding: sizes, extensions, data, trailers (RFC 9112 §7.1)',
  grammar: fc
    .tuple(chunkedBodyArb, fc.constantFrom('', 'Trailer: X\r\n', 'Content-Length: 3\r\n', 'Transfer-Encoding: gzip\r\n'), fc.boolean())
    .map(([body, extra, pipelined]) =>
      Buffer.from(`POST /c HTTP/1.1\r\nHost: t\r\n${extra}Transfer-Encoding: chunked\r\n\r\n${body}${pipelined ? 'GET /next HTTP/1.1\r\nHost: t\r\n\r\n' : ''}`, 'latin1'),
    ),
  check: checkRequestBytes,
  ciRuns: 1200,
};
