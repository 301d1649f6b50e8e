// The byte encoder of access lines against the string formatter it replaces on the file path: for
// any entry (hostile request fields included), the bytes are exactly Buffer.from(line), and never
// more than the bound the line buffer reserves. Fixed seeds: a failure is replayable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { combinedLine, commonLine, type AccessEntry } from '../../src/log/formats.ts';
import { encodeCombinedLine, encodeCommonLine, maxAccessLineBytes } from '../../src/log/access-encoder.ts';
import { LineBuffer, chunkViews, CHUNK_BYTES } from '../../src/log/line-buffer.ts';

const SEED = 20261125;

// Request-derived fields may hold anything a client sent: quotes, backslashes, control bytes,
// latin1 and (through our API) any UTF-16 unit.
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('"', '\\', '\r\n', '\x00', '\x7f', 'é', '\u2028', '"GET / HTTP/1.1" 200'),
);
const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`), fc.constant(''));

const entry: fc.Arbitrary<AccessEntry> = fc.record({
  remoteAddress: address,
  user: fc.oneof(fc.constant('-'), fc.constant(''), hostile),
  time: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  method: fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'PROPFIND'), hostile),
  target: fc.oneof(fc.webPath(), hostile),
  httpVersion: fc.constantFrom('1.0', '1.1'),
  status: fc.integer({ min: 100, max: 599 }),
  bytes: fc.oneof(fc.constantFrom(0, 1, 9, 10, 99, 100, 1000, 1024), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  referer: fc.option(fc.oneof(fc.webUrl(), hostile), { nil: undefined }),
  userAgent: fc.option(hostile, { nil: undefined }),
  durationMs: fc.nat(),
});

for (const [format, encode, line] of [
  ['common', encodeCommonLine, commonLine],
  ['combined', encodeCombinedLine, combinedLine],
] as const) {
  test(`${format}: the encoded bytes are exactly the formatted line's, within the bound`, () => {
    fc.assert(
      fc.property(entry, (e) => {
        const bound = maxAccessLineBytes(format, e);
        const buf = Buffer.alloc(bound + 8, 0xee);
        const end = encode(e, buf, 3);
        assert.ok(end - 3 <= bound, `${end - 3} bytes > bound ${bound}`);
        assert.equal(buf.subarray(3, end).toString('latin1'), Buffer.from(line(e)).toString('latin1'));
        assert.equal(buf[end], 0xee, 'nothing written past the end');
      }),
      { seed: SEED + format.length, numRuns: 2000 },
    );
  });
}

test('the line buffer keeps records whole and in order across chunks, long ones in their own buffer', () => {
  const lines = new LineBuffer();
  const expected: string[] = [];
  let filled = 0;
  for (let i = 0; i < 5000; i++) {
    const line = i % 997 === 0 ? `long ${i} ${'x'.repeat(CHUNK_BYTES + 10)}` : i % 3 === 0 ? `ünï©ødé ${i} ✓` : `line ${i}`;
    expected.push(line);
    if (lines.append(line)) filled++;
  }
  assert.ok(filled > 5, `chunks filled: ${filled}`);
  const chunks = lines.take();
  assert.equal(lines.bytes, 0);
  assert.equal(Buffer.concat(chunkViews(chunks)).toString('utf8'), expected.join('\n') + '\n');
  // Record ends mark every line's end within its chunk.
  const fromEnds: string[] = [];
  for (const c of chunks) {
    let prev = 0;
    for (const end of c.ends) {
      fromEnds.push(c.buf.subarray(prev, end - 1).toString('utf8'));
      prev = end;
    }
    assert.equal(prev, c.used);
  }
  assert.deepEqual(fromEnds, expected);
  lines.recycle(chunks);
  lines.append('after');
  assert.equal(Buffer.concat(chunkViews(lines.take())).toString('utf8'), 'after\n');
});
