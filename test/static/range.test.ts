import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { multipartLayout, parseRange } from '../../src/static/range.ts';

test('single ranges: first-last, open-ended, suffix (RFC 9110 §14.1.2)', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 99 }] });
  assert.deepEqual(parseRange('bytes=500-', 1000), { kind: 'ranges', ranges: [{ start: 500, end: 999 }] });
  assert.deepEqual(parseRange('bytes=-200', 1000), { kind: 'ranges', ranges: [{ start: 800, end: 999 }] });
  assert.deepEqual(parseRange('bytes=0-0', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 0 }] });
  assert.deepEqual(parseRange('bytes=-2000', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 999 }] });
  assert.deepEqual(parseRange('bytes=900-99999999999999999999', 1000), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
  assert.deepEqual(parseRange('Bytes = 1-2', 10), { kind: 'ranges', ranges: [{ start: 1, end: 2 }] });
});

test('several ranges keep their order; overlapping ones are coalesced (§14.2)', () => {
  assert.deepEqual(parseRange('bytes=10-19, 0-4', 100), { kind: 'ranges', ranges: [{ start: 10, end: 19 }, { start: 0, end: 4 }] });
  assert.deepEqual(parseRange('bytes=0-10,5-20,50-60', 100), { kind: 'ranges', ranges: [{ start: 0, end: 20 }, { start: 50, end: 60 }] });
  assert.deepEqual(parseRange('bytes=0-1,2-3', 100), { kind: 'ranges', ranges: [{ start: 0, end: 3 }] });
  // unsatisfiable members are dropped when another is satisfiable
  assert.deepEqual(parseRange('bytes=5000-6000,0-1', 100), { kind: 'ranges', ranges: [{ start: 0, end: 1 }] });
});

test('unsatisfiable ranges (§15.5.17)', () => {
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-5', 0), { kind: 'unsatisfiable' });
});

test('invalid Range values are ignored, not errors (§14.2)', () => {
  for (const v of ['bytes=', 'bytes', 'items=0-1', 'bytes=abc', 'bytes=5-1', 'bytes=1-2-3', 'bytes=0x1-2', 'bytes=--1', 'bytes=-', 'bytes= 1 - 2', 'bytes=+1-2', 'bytes=1.5-2']) {
    assert.deepEqual(parseRange(v, 1000), { kind: 'ignore' }, v);
  }
  assert.deepEqual(parseRange('bytes=' + Array.from({ length: 65 }, (_, i) => `${i * 2}-${i * 2}`).join(','), 1000), { kind: 'ignore' });
});

test('property: every satisfiable result lies inside the representation, sorted parts never overlap', () => {
  const spec = fc.oneof(
    fc.tuple(fc.nat(5000), fc.option(fc.nat(5000))).map(([a, b]) => `${a}-${b ?? ''}`),
    fc.nat(5000).map((n) => `-${n}`),
    fc.constantFrom('', 'x', '-', '1-0'),
  );
  fc.assert(
    fc.property(fc.array(spec, { minLength: 1, maxLength: 8 }), fc.nat(4000), (specs, size) => {
      const result = parseRange('bytes=' + specs.join(','), size);
      if (result.kind !== 'ranges') return;
      let total = 0;
      for (const r of result.ranges) {
        assert.ok(r.start >= 0 && r.start <= r.end && r.end < size, JSON.stringify({ specs, size, r }));
        total += r.end - r.start + 1;
      }
      assert.ok(total <= size, 'coalescing bounds the bytes sent by the size');
      const sorted = [...result.ranges].sort((a, b) => a.start - b.start);
      for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]!.start > sorted[i - 1]!.end + 1);
    }),
    { numRuns: 2000, seed: 20261125 },
  );
});

test('property: the parser never throws on arbitrary input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.nat(10_000), (s, size) => {
      parseRange(s, size);
      parseRange('bytes=' + s, size);
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test('multipart layout length equals the bytes it describes (§14.6)', () => {
  const layout = multipartLayout([{ start: 0, end: 9 }, { start: 20, end: 24 }], 100, 'text/plain; charset=utf-8', 'B0UND');
  let body = '';
  const data = 'x'.repeat(100);
  for (const p of layout.parts) body += p.head + data.slice(p.range.start, p.range.end + 1);
  body += layout.tail;
  assert.equal(Buffer.byteLength(body), layout.length);
  assert.equal(layout.contentType, 'multipart/byteranges; boundary=B0UND');
  assert.match(body, /^--B0UND\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Range: bytes 0-9\/100\r\n\r\nxxxxxxxxxx\r\n--B0UND\r\n/);
  assert.ok(body.endsWith('\r\n--B0UND--\r\n'));
});

test('only SP and HTAB count as whitespace around a range-spec (RFC 9110 §5.6.3; found by fuzzing)', () => {
  // NBSP (0xA0 in a latin1 field value) used to be trimmed by String#trim and the range honoured.
  assert.deepEqual(parseRange('bytes=1-2\u00a0,-10', 64), { kind: 'ignore' });
  assert.deepEqual(parseRange('bytes=\u00a01-2', 64), { kind: 'ignore' });
  assert.deepEqual(parseRange('\u00a0bytes=1-2', 64), { kind: 'ignore' });
  assert.deepEqual(parseRange('bytes= 1-2 ,\t-10\t', 64), { kind: 'ranges', ranges: [{ start: 1, end: 2 }, { start: 54, end: 63 }] });
});
