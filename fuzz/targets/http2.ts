// HTTP/2: the HPACK decoder (src/http2/hpack/decoder.ts) and the frame parser
// (src/http2/frame-parser.ts).

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackEncoder } from '../../src/http2/hpack/encoder.ts';
import { HPACK_ERRORS, HpackError } from '../../src/http2/hpack/errors.ts';
import { feedFrames, parse3, rawFrame, splitAt, u32, CLIENT_PRELUDE } from '../../test/support/frame-harness.ts';
import type { FuzzTarget } from '../engine.ts';
import { pseudoRandomCuts } from './http1.ts';

// ---- HPACK ----

const MAX_LIST = 2048;
const TABLE = 256;
const ENTRY_OVERHEAD = 32; // RFC 7541 §4.1

function checkDecoded(fields: string[] | HpackError, decoder: HpackDecoder): void {
  if (fields instanceof HpackError) {
    const entry = HPACK_ERRORS[fields.code];
    assert.ok(entry !== undefined && entry[0] === fields.scope, `error ${fields.code} has scope ${fields.scope}`);
    assert.equal(fields.status, fields.scope === 'stream' ? 431 : 0);
    return;
  }
  assert.equal(fields.length % 2, 0, 'fields come in name, value pairs');
  let size = 0;
  for (let i = 0; i < fields.length; i += 2) size += fields[i]!.length + fields[i + 1]!.length + ENTRY_OVERHEAD;
  assert.ok(size <= MAX_LIST, `a ${size}-octet list passed a ${MAX_LIST} limit`);
  const table = decoder.tableEntries().reduce((n, [k, v]) => n + k.length + v.length + ENTRY_OVERHEAD, 0);
  assert.ok(table <= TABLE, `dynamic table holds ${table} octets over ${TABLE}`);
}

function checkHpack(input: Buffer): void {
  // One block, then the same bytes as two blocks on one decoder (dynamic table state carried over).
  const d1 = new HpackDecoder({ maxTableSize: TABLE, maxHeaderListSize: MAX_LIST });
  const r1 = d1.decode(input);
  checkDecoded(r1, d1);
  if (r1 instanceof HpackError && r1.scope === 'connection') assert.ok(d1.decode(Buffer.from([0x82])) instanceof HpackError, 'a failed decoder must refuse later blocks (RFC 9113 §4.3)');
  const cut = input.length === 0 ? 0 : pseudoRandomCuts(input)[0]! % input.length;
  const d2 = new HpackDecoder({ maxTableSize: TABLE, maxHeaderListSize: MAX_LIST });
  checkDecoded(d2.decode(input, 0, cut), d2);
  checkDecoded(d2.decode(input, cut), d2);
  // What decodes, re-encoded by our encoder, decodes to the same list by a fresh decoder.
  // Our encoder writes names in lower case (RFC 9113 §8.2.1 allows no other), so lists with an
  // upper-case name are outside the round trip; the session refuses them as malformed anyway.
  if (!(r1 instanceof HpackError) && r1.every((f, i) => i % 2 === 1 || f === f.toLowerCase())) {
    for (const huffman of ['never', 'always'] as const) {
      const block = new HpackEncoder({ huffman, maxTableSize: TABLE }).encode(r1);
      const again = new HpackDecoder({ maxTableSize: TABLE, maxHeaderListSize: MAX_LIST }).decode(block);
      assert.deepEqual(again, r1, `re-encoded list (huffman ${huffman}) differs`);
    }
  }
}

const headerListArb = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom(':method', ':path', ':authority', ':scheme', 'content-type', 'cookie', 'authorization', 'user-agent', 'x-a'), fc.stringMatching(/^[a-z0-9-]{1,12}$/)), fc.oneof(fc.constantFrom('GET', '/', 'https', 'text/html', ''), fc.string({ maxLength: 30 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')))),
  { maxLength: 8 },
);
const integerBytes = fc.oneof(fc.constant(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f])), fc.constant(Buffer.from([0x3f, 0xe1, 0x1f])), fc.constant(Buffer.from([0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])), fc.constant(Buffer.from([0x80])), fc.constant(Buffer.from([0xff, 0x80])));
export const hpack: FuzzTarget = {
  name: 'hpack',
  about: 'HPACK header blocks: integers, Huffman strings, the dynamic table and its size updates (RFC 7541)',
  grammar: fc.oneof(
    fc.tuple(headerListArb, fc.constantFrom('auto', 'always', 'never') as fc.Arbitrary<'auto' | 'always' | 'never'>, fc.constantFrom('policy', 'all') as fc.Arbitrary<'policy' | 'all'>).map(([list, huffman, indexing]) => {
      const enc = new HpackEncoder({ huffman, indexing, maxTableSize: TABLE });
      return Buffer.concat([enc.encode(list.flat()), enc.encode(list.slice(0, 3).flat())]);
    }),
    fc.array(fc.oneof(integerBytes, fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a))), { maxLength: 6 }).map((parts) => Buffer.concat(parts)),
  ),
  check: checkHpack,
  ciRuns: 3000,
};

// ---- frames ----

function checkFrames(input: Buffer): void {
  for (const options of [{}, { maxHeaderBlockBytes: 256, maxContinuationFrames: 2 }]) {
    // Whole, byte at a time, and with a frame after it: parse3 asserts they agree.
    const events = parse3(input, options);
    const split = feedFrames(splitAt(Buffer.concat([CLIENT_PRELUDE, input]), pseudoRandomCuts(input)), options);
    assert.deepEqual(split.events.slice(1), events, 'events differ for a random split');
    for (const e of events) {
      if (e.type === 'headers') assert.ok(e.block.length / 2 <= (options.maxHeaderBlockBytes ?? 65_536), 'field block over maxHeaderBlockBytes');
      if (e.type === 'data') assert.ok(e.flowControlled >= e.data.length / 2, 'flow-controlled length below the data length');
      if (e.type === 'window-update') assert.ok(e.increment >= 1 && e.increment <= 2 ** 31 - 1, 'window increment out of range');
    }
  }
}

const TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0a, 0xff];
const frameArb = fc
  .tuple(fc.constantFrom(...TYPES), fc.constantFrom(0, 1, 4, 5, 8, 0x20, 0x25, 0x2d, 0xff), fc.constantFrom(0, 1, 2, 3, 5, 0x7fffffff, 0x80000001), fc.uint8Array({ maxLength: 40 }), fc.option(fc.constantFrom(0, 3, 16_385, 0xffffff), { nil: undefined }))
  .map(([type, flags, stream, payload, length]) => {
    // Some frames with payloads shaped like their type wants, so validation passes and deeper states run.
    let body: Buffer = Buffer.from(payload);
    if (type === 4 && (flags & 1) === 0) body = Buffer.concat([Buffer.from([0, 1 + ((payload[0] ?? 0) % 8)]), u32((payload[1] ?? 0) * 1000)]);
    if (type === 8) body = u32(1 + (payload[0] ?? 0) * 1000);
    if (type === 6) body = Buffer.alloc(8, payload[0] ?? 0);
    return rawFrame(type, flags, stream, body, length);
  });
export const http2Frames: FuzzTarget = {
  name: 'http2-frames',
  about: 'HTTP/2 frames after the client preface: every type, flags, padding, CONTINUATION, limits (RFC 9113 §4–§6)',
  grammar: fc.array(frameArb, { maxLength: 6 }).map((frames) => Buffer.concat(frames)),
  check: checkFrames,
  ciRuns: 1200,
};
