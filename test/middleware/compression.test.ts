import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { compressBuffer, negotiateEncoding } from '../../src/middleware/compression.ts';

test('Accept-Encoding negotiation with q-values (RFC 9110 §12.5.3)', () => {
  const both = ['br', 'gzip'] as const;
  assert.equal(negotiateEncoding(undefined, both), 'identity');
  assert.equal(negotiateEncoding('', both), 'identity');
  assert.equal(negotiateEncoding('gzip, deflate, br', both), 'br');
  assert.equal(negotiateEncoding('gzip', both), 'gzip');
  assert.equal(negotiateEncoding('x-gzip', both), 'gzip');
  assert.equal(negotiateEncoding('br;q=0.5, gzip;q=0.8', both), 'gzip');
  assert.equal(negotiateEncoding('br;q=0, gzip;q=0', both), 'identity');
  assert.equal(negotiateEncoding('*', both), 'br');
  assert.equal(negotiateEncoding('*;q=0.3, br;q=0', both), 'gzip');
  assert.equal(negotiateEncoding('identity', both), 'identity');
  assert.equal(negotiateEncoding('BR;Q=1.0', both), 'br');
  assert.equal(negotiateEncoding('br', ['gzip']), 'identity');
  assert.equal(negotiateEncoding('br;q=garbage, gzip;q=0.1', both), 'br');
});

test('compressBuffer round-trips with both codings', async () => {
  const text = Buffer.from('hello world '.repeat(500));
  assert.deepEqual(gunzipSync(await compressBuffer(text, 'gzip')), text);
  assert.deepEqual(brotliDecompressSync(await compressBuffer(text, 'br')), text);
});
