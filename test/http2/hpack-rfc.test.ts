// HPACK against every example of RFC 7541 Appendix C: the decoder on the RFC's bytes (fields and the
// exact dynamic table after each block), the encoder producing the RFC's bytes when told to make the
// RFC's choices (index everything; Huffman never in C.3/C.5, always in C.4/C.6).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackEncoder } from '../../src/http2/hpack/encoder.ts';
import { HpackError } from '../../src/http2/hpack/errors.ts';
import { decodeInteger, encodeInteger } from '../../src/http2/hpack/integer.ts';

type Field = [string, string];
interface Example {
  id: string;
  hex: string;
  fields: Field[];
  /** The dynamic table after the block, newest first, and its size (§4.1). */
  table: Field[];
  size: number;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const flat = (fields: Field[]): string[] => fields.flat();

function decodeOk(decoder: HpackDecoder, block: Buffer, start?: number, end?: number): string[] {
  const out = decoder.decode(block, start, end);
  if (out instanceof HpackError) assert.fail(`${out.code}: ${out.message}`);
  return out;
}

test('integer representation examples (RFC 7541 C.1)', () => {
  const cases: [number, number, number[]][] = [
    [10, 5, [0x0a]], // C.1.1
    [1337, 5, [0x1f, 0x9a, 0x0a]], // C.1.2
    [42, 8, [0x2a]], // C.1.3
  ];
  for (const [value, prefix, bytes] of cases) {
    const out = Buffer.alloc(8);
    const end = encodeInteger(out, 0, value, prefix, 0);
    assert.deepEqual([...out.subarray(0, end)], bytes, `${value} with a ${prefix}-bit prefix`);
    const cursor = { pos: 0 };
    assert.equal(decodeInteger(Buffer.from(bytes), cursor, bytes.length, prefix), value);
    assert.equal(cursor.pos, bytes.length);
  }
});

const LITERALS: { id: string; hex: string; fields: Field[]; size: number; repr: number }[] = [
  // C.2.1 literal with indexing, new name; C.2.2 without indexing, indexed name; C.2.3 never indexed,
  // new name; C.2.4 indexed field.
  { id: 'C.2.1', hex: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', fields: [['custom-key', 'custom-header']], size: 55, repr: 0x40 },
  { id: 'C.2.2', hex: '040c 2f73 616d 706c 652f 7061 7468', fields: [[':path', '/sample/path']], size: 0, repr: 0x00 },
  { id: 'C.2.3', hex: '1008 7061 7373 776f 7264 0673 6563 7265 74', fields: [['password', 'secret']], size: 0, repr: 0x10 },
  { id: 'C.2.4', hex: '82', fields: [[':method', 'GET']], size: 0, repr: 0x80 },
];

test('header field representation examples decode (RFC 7541 C.2)', () => {
  for (const ex of LITERALS) {
    const decoder = new HpackDecoder();
    assert.deepEqual(decodeOk(decoder, hex(ex.hex)), flat(ex.fields), ex.id);
    assert.equal(decoder.tableSize, ex.size, ex.id);
    assert.deepEqual(decoder.tableEntries(), ex.size === 0 ? [] : ex.fields, ex.id);
  }
});

test('header field representation examples encode byte for byte (RFC 7541 C.2)', () => {
  // C.2.1 is what 'all' indexing does with a new name; C.2.2 is our policy for :path (not indexed);
  // C.2.3 is a field marked sensitive; C.2.4 an exact static match.
  const c21 = new HpackEncoder({ indexing: 'all', huffman: 'never' });
  assert.equal(c21.encode(['custom-key', 'custom-header']).toString('hex'), hex(LITERALS[0]!.hex).toString('hex'));
  assert.equal(c21.tableSize, 55);
  const c22 = new HpackEncoder({ huffman: 'never' });
  assert.equal(c22.encode([':path', '/sample/path']).toString('hex'), hex(LITERALS[1]!.hex).toString('hex'));
  assert.equal(c22.tableSize, 0);
  const c23 = new HpackEncoder({ huffman: 'never' });
  c23.begin();
  c23.add('password', 'secret', true);
  assert.equal(c23.end().toString('hex'), hex(LITERALS[2]!.hex).toString('hex'));
  assert.equal(c23.tableSize, 0);
  assert.equal(new HpackEncoder().encode([':method', 'GET']).toString('hex'), '82');
});

const AUTH: Field = [':authority', 'www.example.com'];
const REQUESTS: Omit<Example, 'hex'>[] = [
  { id: '1', fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], AUTH], table: [AUTH], size: 57 },
  { id: '2', fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], AUTH, ['cache-control', 'no-cache']], table: [['cache-control', 'no-cache'], AUTH], size: 110 },
  {
    id: '3',
    fields: [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], AUTH, ['custom-key', 'custom-value']],
    table: [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], AUTH],
    size: 164,
  },
];
const C3 = ['8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', '8286 84be 5808 6e6f 2d63 6163 6865', '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65'];
const C4 = ['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', '8286 84be 5886 a8eb 1064 9cbf', '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'];

const DATE1: Field = ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'];
const DATE2: Field = ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'];
const LOCATION: Field = ['location', 'https://www.example.com'];
const PRIVATE: Field = ['cache-control', 'private'];
const COOKIE: Field = ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'];
const RESPONSES: Omit<Example, 'hex'>[] = [
  { id: '1', fields: [[':status', '302'], PRIVATE, DATE1, LOCATION], table: [LOCATION, DATE1, PRIVATE, [':status', '302']], size: 222 },
  // The 307 evicts the 302 (§4.4), the oldest entry.
  { id: '2', fields: [[':status', '307'], PRIVATE, DATE1, LOCATION], table: [[':status', '307'], LOCATION, DATE1, PRIVATE], size: 222 },
  {
    id: '3',
    fields: [[':status', '200'], PRIVATE, DATE2, LOCATION, ['content-encoding', 'gzip'], COOKIE],
    table: [COOKIE, ['content-encoding', 'gzip'], DATE2],
    size: 215,
  },
];
const C5 = [
  '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '4803 3330 37c1 c0bf',
  '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
];
const C6 = [
  '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
  '4883 640e ffc1 c0bf',
  '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
];

const SERIES: { id: string; blocks: string[]; examples: Omit<Example, 'hex'>[]; tableSize: number; huffman: 'never' | 'always' }[] = [
  { id: 'C.3 requests without Huffman', blocks: C3, examples: REQUESTS, tableSize: 4096, huffman: 'never' },
  { id: 'C.4 requests with Huffman', blocks: C4, examples: REQUESTS, tableSize: 4096, huffman: 'always' },
  { id: 'C.5 responses without Huffman, 256-octet table', blocks: C5, examples: RESPONSES, tableSize: 256, huffman: 'never' },
  { id: 'C.6 responses with Huffman, 256-octet table', blocks: C6, examples: RESPONSES, tableSize: 256, huffman: 'always' },
];

for (const series of SERIES) {
  test(`decodes ${series.id} with the RFC's dynamic table after each block (RFC 7541 ${series.id.slice(0, 3)})`, () => {
    const decoder = new HpackDecoder({ maxTableSize: series.tableSize });
    series.examples.forEach((ex, i) => {
      const block = hex(series.blocks[i]!);
      assert.deepEqual(decodeOk(decoder, block), flat(ex.fields), `${series.id}.${ex.id}`);
      assert.deepEqual(decoder.tableEntries(), ex.table, `${series.id}.${ex.id} table`);
      assert.equal(decoder.tableSize, ex.size, `${series.id}.${ex.id} size`);
    });
  });

  test(`decodes ${series.id} from inside a larger buffer, reading only block[start, end)`, () => {
    const decoder = new HpackDecoder({ maxTableSize: series.tableSize });
    series.examples.forEach((ex, i) => {
      const block = hex(series.blocks[i]!);
      // Bytes around the block that would be errors if read: 0x80 (index 0), 0x3f (a truncated update).
      const framed = Buffer.concat([Buffer.from([0x80, 0x80, 0x80]), block, Buffer.from([0x3f, 0x80])]);
      assert.deepEqual(decodeOk(decoder, framed, 3, 3 + block.length), flat(ex.fields), `${series.id}.${ex.id}`);
    });
  });

  test(`encodes ${series.id} byte for byte, with the same dynamic table (RFC 7541 ${series.id.slice(0, 3)})`, () => {
    const encoder = new HpackEncoder({ maxTableSize: series.tableSize, indexing: 'all', huffman: series.huffman });
    series.examples.forEach((ex, i) => {
      const block = encoder.encode(flat(ex.fields));
      assert.equal(block.toString('hex'), hex(series.blocks[i]!).toString('hex'), `${series.id}.${ex.id}`);
      assert.deepEqual(encoder.tableEntries(), ex.table, `${series.id}.${ex.id} table`);
      assert.equal(encoder.tableSize, ex.size, `${series.id}.${ex.id} size`);
    });
  });
}

test("the default encoder ('auto' Huffman) gives C.4 and C.6 their length, Huffman only where shorter", () => {
  // The RFC codes every string; '307' takes 3 octets either way, and auto keeps it raw (C.6.2).
  for (const series of SERIES.filter((s) => s.huffman === 'always')) {
    const encoder = new HpackEncoder({ maxTableSize: series.tableSize, indexing: 'all' });
    const decoder = new HpackDecoder({ maxTableSize: series.tableSize });
    series.examples.forEach((ex, i) => {
      const block = encoder.encode(flat(ex.fields));
      const rfc = hex(series.blocks[i]!);
      if (series.id.startsWith('C.6') && ex.id === '2') assert.equal(block.toString('hex'), '4803333037c1c0bf');
      else assert.equal(block.toString('hex'), rfc.toString('hex'), `${series.id}.${ex.id}`);
      assert.equal(block.length, rfc.length);
      assert.deepEqual(decodeOk(decoder, block), flat(ex.fields));
    });
  }
});
