// Property: any sequence of header blocks round-trips through one encoder → decoder pair whose
// state (the dynamic table) carries across blocks, with the peer's table size changing in between;
// after every block both tables hold the same entries. Fixed seed and run count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackEncoder } from '../../src/http2/hpack/encoder.ts';
import { HpackError } from '../../src/http2/hpack/errors.ts';

const SEED = 20260715;

const latin1 = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
// Names: static-table names (with exact-match values below), policy names, and random tokens.
const nameArb = fc.oneof(
  fc.constantFrom(':status', ':path', 'content-type', 'cache-control', 'date', 'content-length', 'etag', 'cookie', 'set-cookie', 'authorization', 'accept-encoding', 'server', 'vary', 'x-custom'),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.'.split('')), minLength: 1, maxLength: 20 }),
);
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', '200', '404', 'gzip, deflate', 'text/html', 'no-cache', 'httpcraft', '/', 'a'.repeat(100)) },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...'abcdefghij /;=,"0123456789'.split('')), maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: latin1, maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: latin1, minLength: 300, maxLength: 3000 }) },
);
// The third element: 0 marks the field sensitive (one in ten).
const blockArb = fc.array(fc.tuple(nameArb, valueArb, fc.integer({ min: 0, max: 9 })), { maxLength: 14 });
// Between blocks: nothing, or the peer's SETTINGS_HEADER_TABLE_SIZE changes (to sizes around the
// entries' sizes, 0 and larger than our limit).
const stepArb = fc.record({
  block: blockArb,
  repeat: fc.boolean(),
  tableSize: fc.option(fc.constantFrom(0, 1, 64, 100, 256, 1000, 4096, 8192, 65536), { freq: 4 }),
});
const optionsArb = fc.record({
  huffman: fc.constantFrom('auto', 'always', 'never') as fc.Arbitrary<'auto' | 'always' | 'never'>,
  indexing: fc.constantFrom('policy', 'all') as fc.Arbitrary<'policy' | 'all'>,
  tableSizeLimit: fc.constantFrom(0, 256, 4096, 16384),
});

test('any sequence of field lists round-trips with shared state and table size changes (RFC 7541 §2.3, §4)', () => {
  fc.assert(
    fc.property(optionsArb, fc.array(stepArb, { minLength: 1, maxLength: 25 }), (options, steps) => {
      const encoder = new HpackEncoder(options);
      const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
      let previous: string[] = [];
      for (const step of steps) {
        if (step.tableSize !== null) {
          // Our decoder's limit is the setting the peer's encoder obeys; the encoder learns it
          // from SETTINGS, the decoder once it is acknowledged — here at the same point.
          encoder.setMaxTableSize(step.tableSize);
          decoder.setMaxTableSize(step.tableSize);
        }
        // Half the time a block repeats much of the previous one, as keep-alive responses do.
        const fields = step.repeat ? [...previous, ...step.block.flatMap(([n, v]) => [n, v])] : step.block.flatMap(([n, v]) => [n, v]);
        encoder.begin(step.block.length % 3);
        const sensitive = new Set(step.block.filter(([, , s]) => s === 0).map(([n]) => n));
        for (let i = 0; i < fields.length; i += 2) encoder.add(fields[i]!, fields[i + 1]!, sensitive.has(fields[i]!));
        const block = encoder.end().subarray(step.block.length % 3);
        const decoded = decoder.decode(block);
        if (decoded instanceof HpackError) assert.fail(`${decoded.code} on ${block.toString('hex')}`);
        assert.deepEqual(decoded, fields);
        assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
        assert.equal(decoder.tableSize, encoder.tableSize);
        assert.ok(encoder.tableSize <= Math.min(options.tableSizeLimit, step.tableSize ?? Infinity, 65536));
        previous = fields.slice(0, 20);
      }
    }),
    { seed: SEED, numRuns: 300 },
  );
});
