// What the encoder indexes and how it spends octets: repeated response headers cost one octet each
// after the first response, values that change per response stay out of the table, sensitive ones are
// never indexed, and table size changes from the peer's SETTINGS reach its decoder (RFC 7541 §4.2).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackEncoder } from '../../src/http2/hpack/encoder.ts';
import { HpackError } from '../../src/http2/hpack/errors.ts';

function decodeOk(decoder: HpackDecoder, block: Buffer): string[] {
  const out = decoder.decode(block);
  if (out instanceof HpackError) assert.fail(`${out.code}: ${out.message}`);
  return out;
}

/** The representations of a block, one letter per field: I indexed, N incremental, L without indexing, V never. */
function shapes(block: Buffer): string {
  // Walk the block with a decoder-free reader of first octets: enough for blocks of short strings.
  let out = '';
  let i = 0;
  const skipInt = (prefix: number): number => {
    const max = (1 << prefix) - 1;
    let v = block[i++]! & max;
    if (v < max) return v;
    let m = 0;
    for (;;) {
      const b = block[i++]!;
      v += (b & 0x7f) * 2 ** m;
      m += 7;
      if ((b & 0x80) === 0) return v;
    }
  };
  const skipString = () => {
    const n = skipInt(7);
    i += n;
  };
  while (i < block.length) {
    const b = block[i]!;
    if (b & 0x80) {
      out += 'I';
      skipInt(7);
    } else if ((b & 0xe0) === 0x20) {
      out += 'U';
      skipInt(5);
    } else {
      const kind = b & 0x40 ? 'N' : b & 0x10 ? 'V' : 'L';
      out += kind;
      if (skipInt(kind === 'N' ? 6 : 4) === 0) skipString();
      skipString();
    }
  }
  return out;
}

const DATE = 'Tue, 14 Jul 2026 10:00:00 GMT';
function response(length: string, etag: string, date = DATE): string[] {
  return [
    ':status', '200',
    'content-type', 'text/html; charset=utf-8',
    'server', 'httpcraft',
    'cache-control', 'no-cache',
    'date', date,
    'accept-ranges', 'bytes',
    'x-content-type-options', 'nosniff',
    'content-length', length,
    'etag', etag,
    'last-modified', 'Mon, 13 Jul 2026 09:00:00 GMT',
  ];
}

test('repeated response headers cost one octet each after the first response on a connection', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const first = encoder.encode(response('1234', '"a1"'));
  assert.equal(shapes(first), 'INNNNNNLLL');
  const second = encoder.encode(response('98765', '"b2"'));
  // :status and six indexed fields: one octet each; the per-file three stay literals.
  assert.equal(shapes(second), 'IIIIIIILLL');
  assert.ok([...second.subarray(0, 7)].every((b) => b >= 0x80), second.toString('hex'));
  assert.deepEqual(decodeOk(decoder, first), response('1234', '"a1"'));
  assert.deepEqual(decodeOk(decoder, second), response('98765', '"b2"'));
  // A third one in the same second is the same size; a new second costs one new date entry.
  assert.equal(encoder.encode(response('5', '"c3"')).length, encoder.encode(response('5', '"c3"')).length);
  assert.equal(shapes(encoder.encode(response('5', '"c3"', 'Tue, 14 Jul 2026 10:00:01 GMT'))), 'IIIINIILLL');
});

test('content-length, etag, last-modified, location and content-range never enter the table', () => {
  const encoder = new HpackEncoder();
  encoder.encode(['content-length', '10', 'etag', '"x"', 'last-modified', DATE, 'location', '/a/', 'content-range', 'bytes 0-1/2', 'age', '3']);
  assert.deepEqual(encoder.tableEntries(), []);
  // Their names still come from the static table: content-length is 28, 15 + 13 after a 4-bit prefix.
  assert.equal(encoder.encode(['content-length', '10']).toString('hex'), '0f0d023130');
});

test('authorization, set-cookie and short cookies are never indexed (RFC 7541 §7.1.3)', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const fields = ['authorization', 'Bearer abc', 'proxy-authorization', 'Basic eA==', 'set-cookie', 'sid=1; HttpOnly', 'cookie', 'a=1', 'cookie', 'session=0123456789abcdefghij'];
  const block = encoder.encode(fields);
  assert.equal(shapes(block), 'VVVVN');
  assert.deepEqual(encoder.tableEntries(), [['cookie', 'session=0123456789abcdefghij']]);
  assert.deepEqual(decodeOk(decoder, block), fields);
  // Sent again, they are still never-indexed literals; the long cookie is one octet.
  assert.equal(shapes(encoder.encode(fields)), 'VVVVI');
});

test('a field marked sensitive, or named in neverIndex, is never indexed', () => {
  const encoder = new HpackEncoder({ neverIndex: ['x-api-key'] });
  encoder.begin();
  encoder.add('x-token', 'secret', true);
  encoder.add('X-Api-Key', 'k');
  encoder.add('x-other', 'o');
  assert.equal(shapes(encoder.end()), 'VVN');
  assert.deepEqual(encoder.tableEntries(), [['x-other', 'o']]);
});

test('an entry over 3/4 of the table is sent without indexing, so it cannot flush the table', () => {
  const encoder = new HpackEncoder({ maxTableSize: 256 });
  encoder.encode(['server', 'httpcraft']);
  const block = encoder.encode(['content-security-policy', 'x'.repeat(200)]);
  assert.equal(shapes(block), 'L');
  assert.deepEqual(encoder.tableEntries(), [['server', 'httpcraft']]);
});

test('names are sent in lower case, and a name in any case shares the same entries (RFC 9113 §8.2.1)', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  assert.deepEqual(decodeOk(decoder, encoder.encode(['Content-Type', 'text/plain', 'X-Custom', 'v'])), ['content-type', 'text/plain', 'x-custom', 'v']);
  const again = encoder.encode(['content-type', 'text/plain', 'x-CUSTOM', 'v', 'X-Custom', 'w']);
  assert.equal(shapes(again), 'IIN');
  assert.deepEqual(decodeOk(decoder, again), ['content-type', 'text/plain', 'x-custom', 'v', 'x-custom', 'w']);
  // The literal for 'w' named its name by the dynamic index of 'x-custom: v' (62), not by a string.
  assert.equal(again[2], 0x40 | 62);
});

test("a smaller SETTINGS_HEADER_TABLE_SIZE from the peer starts the next block with a size update (RFC 7541 §4.2, §6.3)", () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decodeOk(decoder, encoder.encode(['server', 'httpcraft']));
  encoder.setMaxTableSize(0);
  decoder.setMaxTableSize(0);
  const block = encoder.encode(['server', 'httpcraft']);
  assert.equal(block[0], 0x20);
  assert.equal(shapes(block), 'UL'); // nothing fits in a table of 0
  assert.deepEqual(encoder.tableEntries(), []);
  assert.deepEqual(decodeOk(decoder, block), ['server', 'httpcraft']);
  assert.equal(decoder.tableMaxSize, 0);
  // Only once.
  assert.equal(shapes(encoder.encode(['server', 'httpcraft'])), 'L');
});

test('a table shrunk and regrown between blocks signals the smallest size, then the final one (RFC 7541 §4.2)', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decodeOk(decoder, encoder.encode(['server', 'httpcraft']));
  encoder.setMaxTableSize(100);
  encoder.setMaxTableSize(8000); // capped at tableSizeLimit, 4096
  const block = encoder.encode([':status', '200']);
  assert.equal(block.subarray(0, 5).toString('hex'), '3f45' + '3fe11f');
  assert.deepEqual(decodeOk(decoder, block), [':status', '200']);
  assert.equal(decoder.tableMaxSize, 4096);
  // The same size again asks for nothing.
  encoder.setMaxTableSize(4096);
  assert.equal(encoder.encode([':status', '200']).toString('hex'), '88');
});

test('a tableSizeLimit under the protocol size is announced in the first block', () => {
  const encoder = new HpackEncoder({ tableSizeLimit: 1024 });
  const decoder = new HpackDecoder();
  const block = encoder.encode(['server', 'httpcraft']);
  assert.equal(shapes(block), 'UN');
  decodeOk(decoder, block);
  assert.equal(decoder.tableMaxSize, 1024);
  // And a peer that allows more still gets at most the limit.
  encoder.setMaxTableSize(65536);
  assert.equal(shapes(encoder.encode(['server', 'httpcraft'])), 'I');
});

test('headroom leaves octets in front of the block for the frame header', () => {
  const encoder = new HpackEncoder();
  const out = encoder.encode([':status', '404', 'content-type', 'text/plain'], 9);
  assert.deepEqual(decodeOk(new HpackDecoder(), out.subarray(9)), [':status', '404', 'content-type', 'text/plain']);
  assert.equal(out[9], 0x8d);
});

test('a very large field grows the buffer for one block, and the next block is still right', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20, maxStringLength: 1 << 20 });
  const big = 'z'.repeat(200_000);
  assert.deepEqual(decodeOk(decoder, encoder.encode(['x-big', big, ':status', '200'])), ['x-big', big, ':status', '200']);
  assert.deepEqual(decodeOk(decoder, encoder.encode([':status', '204', 'x-small', 's'])), [':status', '204', 'x-small', 's']);
});

test("values are latin1: every octet 0-255 survives the encoder's raw and Huffman forms", () => {
  const all = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b)).join('');
  for (const huffman of ['never', 'always', 'auto'] as const) {
    const block = new HpackEncoder({ huffman }).encode(['x-bytes', all]);
    const decoded = decodeOk(new HpackDecoder(), block);
    assert.equal(decoded[1], all);
    assert.equal(Buffer.from(decoded[1]!, 'latin1').length, 256);
  }
  // Huffman forced on octets ≥ 0x80 takes up to 30 bits each: far more room than the raw string.
  const high = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(0x80 + (i % 128))).join('');
  const block = new HpackEncoder({ huffman: 'always' }).encode(['x-high', high, 'x-after', 'a']);
  assert.deepEqual(decodeOk(new HpackDecoder({ maxStringLength: 1 << 16 }), block), ['x-high', high, 'x-after', 'a']);
});
