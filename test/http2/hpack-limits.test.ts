// The decoder's limits and its errors: header list size counted while decoding (an HPACK bomb stops
// early, the dynamic table stays in step), integer and string limits, dynamic table size updates
// (§4.2, §6.3), bad indices and truncation — each reported with its scope, never thrown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackEncoder } from '../../src/http2/hpack/encoder.ts';
import { HpackError, type HpackErrorCode } from '../../src/http2/hpack/errors.ts';
import { encodeInteger } from '../../src/http2/hpack/integer.ts';

const SEED = 20260714;

/** An integer representation as bytes: `flags` in the first octet above a `prefix`-bit prefix. */
function int(value: number, prefix: number, flags: number): number[] {
  const out = Buffer.alloc(8);
  return [...out.subarray(0, encodeInteger(out, 0, value, prefix, flags))];
}

/** Literal with incremental indexing, new name, raw strings (§6.2.1). */
function indexedLiteral(name: string, value: string): number[] {
  return [0x40, ...int(name.length, 7, 0), ...Buffer.from(name, 'latin1'), ...int(value.length, 7, 0), ...Buffer.from(value, 'latin1')];
}

function expectError(result: string[] | HpackError, code: HpackErrorCode, scope: 'connection' | 'stream'): HpackError {
  assert.ok(result instanceof HpackError, `expected ${code}, got ${JSON.stringify(result)}`);
  assert.equal(result.code, code);
  assert.equal(result.scope, scope);
  if (scope === 'stream') assert.equal(result.status, 431);
  else assert.equal(result.errorCode, 0x9); // COMPRESSION_ERROR (RFC 9113 §4.3)
  return result;
}

function expectFields(result: string[] | HpackError): string[] {
  if (result instanceof HpackError) assert.fail(`${result.code}: ${result.message}`);
  return result;
}

test('a header list over maxHeaderListSize is a stream error, counted as name + value + 32 (RFC 9113 §6.5.2)', () => {
  // 'x-a: <8 octets>' is 3 + 8 + 32 = 43 octets; three are 129.
  const block = Buffer.from([0x00, 0x03, ...Buffer.from('x-a'), 0x08, ...Buffer.from('12345678')]);
  const three = Buffer.concat([block, block, block]);
  assert.equal(expectFields(new HpackDecoder({ maxHeaderListSize: 129 }).decode(three)).length, 6);
  expectError(new HpackDecoder({ maxHeaderListSize: 128 }).decode(three), 'HEADER_LIST_TOO_LARGE', 'stream');
});

test('an HPACK bomb (one big entry named a million times) stops without building the list (RFC 9113 §10.5.1)', () => {
  // A 4000-octet entry, then 1 MiB of one-octet references to it: 4 GB if expanded.
  const big = 'v'.repeat(4000);
  const block = Buffer.concat([Buffer.from(indexedLiteral('x-big', big)), Buffer.alloc(1 << 20, 0xbe)]);
  const decoder = new HpackDecoder({ maxHeaderListSize: 16384 });
  expectError(decoder.decode(block), 'HEADER_LIST_TOO_LARGE', 'stream');
  // The connection goes on: the table is in step, the next block can use the entry.
  assert.deepEqual(decoder.tableEntries(), [['x-big', big]]);
  assert.deepEqual(expectFields(decoder.decode(Buffer.from([0x82, 0xbe]))), [':method', 'GET', 'x-big', big]);
});

test('past the list limit the rest of the block is still applied to the dynamic table', () => {
  const encoder = new HpackEncoder({ indexing: 'all' });
  const decoder = new HpackDecoder({ maxHeaderListSize: 200 });
  const fields = ['x-one', 'a'.repeat(150), 'x-two', 'b'.repeat(100), 'x-three', 'c'.repeat(10)];
  expectError(decoder.decode(encoder.encode(fields)), 'HEADER_LIST_TOO_LARGE', 'stream');
  assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
  // Entries too big for the table empty it, as the encoder's did (§4.4), without being built.
  const small = new HpackDecoder({ maxTableSize: 128, maxHeaderListSize: 50, maxStringLength: 1000 });
  const smallEncoder = new HpackEncoder({ maxTableSize: 128, indexing: 'all' });
  const block = smallEncoder.encode(['x-first', 'f', 'x-huge', 'h'.repeat(500), 'x-last', 'l']);
  expectError(small.decode(block), 'HEADER_LIST_TOO_LARGE', 'stream');
  assert.deepEqual(small.tableEntries(), [['x-last', 'l']]);
  assert.deepEqual(small.tableEntries(), smallEncoder.tableEntries());
});

test('maxFieldCount bounds the number of fields, as a stream error', () => {
  const block = Buffer.alloc(101, 0x82);
  assert.equal(expectFields(new HpackDecoder({ maxFieldCount: 101 }).decode(block)).length, 202);
  expectError(new HpackDecoder({ maxFieldCount: 100 }).decode(block), 'TOO_MANY_FIELDS', 'stream');
});

test('integers beyond 2^31 - 1 or with too many octets are decoding errors (RFC 7541 §5.1)', () => {
  // Indexed field, index 2^31 - 1 + 1.
  expectError(new HpackDecoder().decode(Buffer.from(int(2 ** 31, 7, 0x80))), 'INTEGER_OVERFLOW', 'connection');
  expectError(new HpackDecoder().decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])), 'INTEGER_OVERFLOW', 'connection');
  // Zero continuation octets are valid in the RFC's grammar but only ever padding: refused past 5.
  expectError(new HpackDecoder().decode(Buffer.from([0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])), 'INTEGER_OVERFLOW', 'connection');
  // 2^31 - 1 itself is only a bad index.
  expectError(new HpackDecoder().decode(Buffer.from(int(2 ** 31 - 1, 7, 0x80))), 'BAD_INDEX', 'connection');
  // A string length, a name index and a size update overflow the same way.
  expectError(new HpackDecoder().decode(Buffer.from([0x00, ...int(2 ** 32, 7, 0)])), 'INTEGER_OVERFLOW', 'connection');
  expectError(new HpackDecoder().decode(Buffer.from(int(2 ** 33, 6, 0x40))), 'INTEGER_OVERFLOW', 'connection');
  expectError(new HpackDecoder().decode(Buffer.from(int(2 ** 34, 5, 0x20))), 'INTEGER_OVERFLOW', 'connection');
});

test('a string literal longer than maxStringLength is a decoding error, before its octets are read', () => {
  const decoder = () => new HpackDecoder({ maxStringLength: 100 });
  const literal = (n: number) => Buffer.from([0x0f, 0x04, ...int(n, 7, 0), ...Buffer.alloc(n, 0x61)]);
  assert.deepEqual(expectFields(decoder().decode(literal(100))), ['accept', 'a'.repeat(100)]);
  expectError(decoder().decode(literal(101)), 'STRING_TOO_LONG', 'connection');
  // The declared length alone decides: the block need not hold the octets.
  expectError(decoder().decode(Buffer.from([0x0f, 0x04, ...int(1e9, 7, 0)])), 'STRING_TOO_LONG', 'connection');
  expectError(decoder().decode(Buffer.from([0x00, ...int(101, 7, 0x80)])), 'STRING_TOO_LONG', 'connection');
  // By default: twice the larger of the list and table limits.
  const byDefault = new HpackDecoder({ maxHeaderListSize: 1000 });
  expectError(byDefault.decode(Buffer.from([0x0f, 0x04, ...int(8193, 7, 0)])), 'STRING_TOO_LONG', 'connection');
  expectError(new HpackDecoder({ maxHeaderListSize: 1000 }).decode(Buffer.from([0x0f, 0x04, ...int(8192, 7, 0)])), 'TRUNCATED', 'connection');
});

test('a dynamic table size update above SETTINGS_HEADER_TABLE_SIZE is a decoding error (RFC 7541 §6.3)', () => {
  expectError(new HpackDecoder().decode(Buffer.from(int(4097, 5, 0x20))), 'TABLE_SIZE_TOO_LARGE', 'connection');
  const ok = new HpackDecoder();
  assert.deepEqual(expectFields(ok.decode(Buffer.from([...int(4096, 5, 0x20), 0x82]))), [':method', 'GET']);
  expectError(new HpackDecoder({ maxTableSize: 100 }).decode(Buffer.from(int(101, 5, 0x20))), 'TABLE_SIZE_TOO_LARGE', 'connection');
});

test('a dynamic table size update after the first field is a decoding error (RFC 7541 §4.2)', () => {
  expectError(new HpackDecoder().decode(Buffer.from([0x82, 0x20])), 'TABLE_SIZE_UPDATE_NOT_FIRST', 'connection');
  expectError(new HpackDecoder().decode(Buffer.from([0x20, 0x82, 0x3f, 0x01])), 'TABLE_SIZE_UPDATE_NOT_FIRST', 'connection');
  // Two at the start are fine (the smallest, then the final size), and evict as they go.
  const decoder = new HpackDecoder();
  expectFields(decoder.decode(Buffer.from(indexedLiteral('x-a', 'b'))));
  assert.equal(decoder.tableSize, 36);
  assert.deepEqual(expectFields(decoder.decode(Buffer.from([0x20, ...int(4096, 5, 0x20), 0x82]))), [':method', 'GET']);
  assert.equal(decoder.tableSize, 0);
  assert.equal(decoder.tableMaxSize, 4096);
});

test('after our SETTINGS_HEADER_TABLE_SIZE shrinks, the next block must start with a size update (RFC 7541 §4.2)', () => {
  const filled = () => {
    const d = new HpackDecoder();
    expectFields(d.decode(Buffer.from(indexedLiteral('x-a', 'b'.repeat(200)))));
    d.setMaxTableSize(100);
    return d;
  };
  expectError(filled().decode(Buffer.from([0x82])), 'TABLE_SIZE_UPDATE_MISSING', 'connection');
  expectError(filled().decode(Buffer.alloc(0)), 'TABLE_SIZE_UPDATE_MISSING', 'connection');
  expectError(filled().decode(Buffer.from(int(101, 5, 0x20))), 'TABLE_SIZE_TOO_LARGE', 'connection');
  const d = filled();
  assert.deepEqual(expectFields(d.decode(Buffer.from([...int(100, 5, 0x20), 0x82]))), [':method', 'GET']);
  assert.equal(d.tableSize, 0); // the 233-octet entry did not fit in 100
  assert.deepEqual(expectFields(d.decode(Buffer.from([0x82]))), [':method', 'GET']);
  // Raising the limit asks for nothing; the peer may keep its size.
  const raised = new HpackDecoder({ maxTableSize: 100 });
  raised.setMaxTableSize(8192);
  assert.deepEqual(expectFields(raised.decode(Buffer.from([0x82]))), [':method', 'GET']);
  assert.deepEqual(expectFields(raised.decode(Buffer.from([...int(8192, 5, 0x20)]))), []);
});

test('index 0, and indices past the dynamic table, are decoding errors (RFC 7541 §2.3.3, §6.1)', () => {
  expectError(new HpackDecoder().decode(Buffer.from([0x80])), 'BAD_INDEX', 'connection');
  expectError(new HpackDecoder().decode(Buffer.from([0xbe])), 'BAD_INDEX', 'connection'); // 62, table empty
  expectError(new HpackDecoder().decode(Buffer.from([0x7e, 0x01, 0x61])), 'BAD_INDEX', 'connection'); // name 62
  const one = new HpackDecoder();
  expectFields(one.decode(Buffer.from(indexedLiteral('x-a', 'b'))));
  assert.deepEqual(expectFields(one.decode(Buffer.from([0xbe, 0x82]))), ['x-a', 'b', ':method', 'GET']);
  expectError(one.decode(Buffer.from([0xbf])), 'BAD_INDEX', 'connection');
  assert.deepEqual(expectFields(new HpackDecoder().decode(Buffer.from([0xbd]))), ['www-authenticate', '']); // 61
});

test('a block that ends inside a representation is a decoding error, at every cut', () => {
  const encoder = new HpackEncoder();
  const block = encoder.encode([':status', '200', 'content-type', 'text/html; charset=utf-8', 'x-custom-name', 'x'.repeat(300), 'etag', '"abc"']);
  const boundaries = new Set<number>();
  // Where each field starts and ends, found by decoding prefixes: every other cut must be TRUNCATED.
  for (let cut = 0; cut <= block.length; cut++) {
    const result = new HpackDecoder().decode(block, 0, cut);
    if (result instanceof HpackError) assert.equal(result.code, 'TRUNCATED', `cut at ${cut}`);
    else boundaries.add(cut);
  }
  assert.deepEqual([...boundaries].sort((a, b) => a - b).length, 5);
});

test('after a connection-scope error the decoder refuses every later block', () => {
  const decoder = new HpackDecoder();
  const first = expectError(decoder.decode(Buffer.from([0x80])), 'BAD_INDEX', 'connection');
  assert.equal(decoder.decode(Buffer.from([0x82])), first);
  // A stream-scope error does not: the next block decodes.
  const roomy = new HpackDecoder({ maxHeaderListSize: 50 });
  expectError(roomy.decode(Buffer.from([0x82, 0x82])), 'HEADER_LIST_TOO_LARGE', 'stream');
  assert.deepEqual(expectFields(roomy.decode(Buffer.from([0x82]))), [':method', 'GET']);
});

test('random bytes never throw: a field list or an HpackError from the catalogue', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 60 }), (a, b) => {
      const decoder = new HpackDecoder({ maxTableSize: 256, maxHeaderListSize: 2000, maxStringLength: 150 });
      // A connection error ends the decoder for good; a stream error is only ever a list limit.
      let dead: HpackError | null = null;
      for (const bytes of [a, b]) {
        const result = decoder.decode(Buffer.from(bytes));
        if (dead !== null) assert.equal(result, dead, 'every block after a connection error gets the same error');
        else if (result instanceof HpackError && result.scope === 'connection') dead = result;
        else if (result instanceof HpackError) assert.ok(result.code === 'HEADER_LIST_TOO_LARGE' || result.code === 'TOO_MANY_FIELDS', result.code);
        else assert.equal(result.length % 2, 0);
        assert.ok(decoder.tableSize <= 256);
      }
    }),
    { seed: SEED, numRuns: 3000 },
  );
});
