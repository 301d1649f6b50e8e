// The Huffman code of RFC 7541 Appendix B: codes as the RFC lists them, every octet both ways, any
// string round trip, and the decoding errors of §5.2 (EOS in the string, bad or overlong padding).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackError } from '../../src/http2/hpack/errors.ts';
import {
  HUFFMAN_BAD_PADDING,
  HUFFMAN_BITS,
  HUFFMAN_CODES,
  HUFFMAN_EOS,
  huffmanDecode,
  huffmanDecodedBound,
  huffmanEncode,
  huffmanLength,
} from '../../src/http2/hpack/huffman.ts';

const SEED = 20260713;

function encode(s: string): Buffer {
  const out = Buffer.alloc(huffmanLength(s));
  assert.equal(huffmanEncode(s, out, 0), out.length);
  return out;
}

function decode(bytes: Uint8Array): string | number {
  const out = Buffer.alloc(huffmanDecodedBound(bytes.length));
  const n = huffmanDecode(bytes, 0, bytes.length, out);
  return n < 0 ? n : out.toString('latin1', 0, n);
}

test('codes are those of RFC 7541 Appendix B', () => {
  // [symbol, code as hex, length in bits], rows picked across the table: the shortest codes, the
  // 30-bit ones, the first octets ≥ 0x80 and EOS.
  const rows: [number, number, number][] = [
    [0, 0x1ff8, 13], [10, 0x3ffffffc, 30], [13, 0x3ffffffd, 30], [22, 0x3ffffffe, 30], [32, 0x14, 6],
    [48, 0x0, 5], [65, 0x21, 6], [97, 0x3, 5], [126, 0x1ffd, 13], [127, 0xffffffc, 28],
    [128, 0xfffe6, 20], [200, 0x3ffffe2, 26], [255, 0x3ffffee, 26], [256, 0x3fffffff, 30],
  ];
  for (const [symbol, code, bits] of rows) {
    assert.equal(HUFFMAN_CODES[symbol], code, `code of ${symbol}`);
    assert.equal(HUFFMAN_BITS[symbol], bits, `length of ${symbol}`);
  }
  // A complete prefix code: the Kraft sum of 2^-length over all 257 symbols is exactly 1.
  let kraft = 0;
  for (let s = 0; s <= 256; s++) kraft += 2 ** (30 - HUFFMAN_BITS[s]!);
  assert.equal(kraft, 2 ** 30);
});

test('every octet value round-trips, alone, in pairs and all together', () => {
  for (let b = 0; b < 256; b++) {
    const s = String.fromCharCode(b);
    assert.equal(decode(encode(s)), s, `octet ${b}`);
    const pair = s + String.fromCharCode(255 - b);
    assert.equal(decode(encode(pair)), pair, `octets ${b}, ${255 - b}`);
  }
  const all = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b)).join('');
  assert.equal(decode(encode(all)), all);
  assert.equal(decode(encode(all + all.split('').reverse().join(''))), all + all.split('').reverse().join(''));
});

test('the empty string is zero octets', () => {
  assert.equal(encode('').length, 0);
  assert.equal(decode(new Uint8Array(0)), '');
});

test('any latin1 string round-trips, in the length huffmanLength gives', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 }), (s) => {
      const bytes = encode(s);
      assert.equal(decode(bytes), s);
      assert.ok(s.length <= huffmanDecodedBound(bytes.length));
      // Asked only whether it is shorter, huffmanLength may stop early, never below the answer.
      assert.equal(Math.min(huffmanLength(s, s.length), s.length), Math.min(bytes.length, s.length));
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('a string containing the EOS symbol is an error (RFC 7541 §5.2)', () => {
  // EOS is 30 ones: any 4 octets of 0xff hold it.
  assert.equal(decode(Buffer.from([0xff, 0xff, 0xff, 0xff])), HUFFMAN_EOS);
  // 'a' (00011) followed by EOS and padding.
  assert.equal(decode(Buffer.from([0x1f, 0xff, 0xff, 0xff, 0xff])), HUFFMAN_EOS);
});

test('padding longer than 7 bits is an error (RFC 7541 §5.2)', () => {
  // 'a' then 11 ones; and 'aa0' + a padding-only octet.
  assert.equal(decode(Buffer.from([0x1f, 0xff])), HUFFMAN_BAD_PADDING);
  const exact = encode('0a0a0a0a'); // 8 × 5 bits: ends on an octet boundary
  assert.equal(exact.length, 5);
  assert.equal(decode(Buffer.concat([exact, Buffer.from([0xff])])), HUFFMAN_BAD_PADDING);
  // 7 ones of padding are fine: 'a' (5 bits) + 3 padding bits, and '0' × 1 + 'a' … fill to 7.
  assert.equal(decode(Buffer.from([0x1f])), 'a');
  assert.equal(decode(Buffer.from([0x01])), HUFFMAN_BAD_PADDING); // '0' then 001: not all ones
});

test('padding that is not the most significant bits of EOS is an error (RFC 7541 §5.2)', () => {
  assert.equal(decode(Buffer.from([0x18])), HUFFMAN_BAD_PADDING); // 'a' then 000
  assert.equal(decode(Buffer.from([0x1d])), HUFFMAN_BAD_PADDING); // 'a' then 101
  // A code cut short: the first 8 bits of a 13-bit code.
  assert.equal(decode(Buffer.from([0xff])), HUFFMAN_BAD_PADDING);
});

test('Huffman errors inside a header block are connection errors of type COMPRESSION_ERROR', () => {
  const cases: [number[], string][] = [
    [[0x1f, 0xff], 'HUFFMAN_PADDING'],
    [[0xff, 0xff, 0xff, 0xff], 'HUFFMAN_EOS'],
  ];
  for (const [string, code] of cases) {
    // Literal without indexing, name 'accept' (static 19), Huffman value.
    const block = Buffer.from([0x0f, 0x04, 0x80 | string.length, ...string]);
    const error = new HpackDecoder().decode(block);
    assert.ok(error instanceof HpackError);
    assert.equal(error.code, code);
    assert.equal(error.scope, 'connection');
    assert.equal(error.errorCode, 0x9);
    // Also when the name is the bad string.
    const named = new HpackDecoder().decode(Buffer.from([0x00, 0x80 | string.length, ...string, 0x01, 0x61]));
    assert.ok(named instanceof HpackError && named.code === code);
  }
});
