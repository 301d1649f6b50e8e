// The token bucket's arithmetic on an injected clock: burst, refill, the figures of the RateLimit
// field, Retry-After rounding; and the memory store's bound on keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bucket, bucketPolicy, ceilSeconds, newDecision, parseRate } from '../../src/access/token-bucket.ts';
import { MemoryBuckets, MemoryStore } from '../../src/access/memory-store.ts';
import { compileRules } from '../../src/access/rate-limit.ts';

test('parseRate: units s/sec/second, min/minute, h/hour, day, plurals and multiples', () => {
  assert.deepEqual(parseRate('100/min'), { count: 100, windowSeconds: 60 });
  assert.deepEqual(parseRate('5/s'), { count: 5, windowSeconds: 1 });
  assert.deepEqual(parseRate('5 / second'), { count: 5, windowSeconds: 1 });
  assert.deepEqual(parseRate('7/sec'), { count: 7, windowSeconds: 1 });
  assert.deepEqual(parseRate('30/minutes'), { count: 30, windowSeconds: 60 });
  assert.deepEqual(parseRate('1000/h'), { count: 1000, windowSeconds: 3600 });
  assert.deepEqual(parseRate('1000/hour'), { count: 1000, windowSeconds: 3600 });
  assert.deepEqual(parseRate('10/5min'), { count: 10, windowSeconds: 300 });
  assert.deepEqual(parseRate('2/day'), { count: 2, windowSeconds: 86400 });
  for (const bad of ['', '100', '/min', '0/min', '-1/min', '1.5/min', '10/fortnight', '10/0min', 'ten/min']) assert.equal(parseRate(bad), null, bad);
});

test('a full bucket allows burst requests at once, then refuses until a token refills', () => {
  const policy = bucketPolicy({ count: 5, windowSeconds: 60 }, 5); // one token per 12 s
  const bucket = new Bucket(policy, 0);
  const d = newDecision();
  for (let i = 0; i < 5; i++) {
    bucket.take(policy, 0, d);
    assert.equal(d.allowed, true, `request ${i + 1}`);
    assert.equal(d.remaining, 4 - i);
  }
  bucket.take(policy, 0, d);
  assert.equal(d.allowed, false);
  assert.equal(d.remaining, 0);
  assert.equal(d.retryAfterSeconds, 12, 'exactly 12 s until one token, not 13 (float crumbs)');
  assert.equal(d.resetSeconds, 60, 'a full bucket again after 60 s');
  // 11.5 s later: still no whole token; Retry-After rounds the half second up.
  bucket.take(policy, 11_500, d);
  assert.equal(d.allowed, false);
  assert.equal(d.retryAfterSeconds, 1);
  bucket.take(policy, 12_000, d);
  assert.equal(d.allowed, true, 'one token back after 12 s');
  assert.equal(d.remaining, 0);
  bucket.take(policy, 12_000, d);
  assert.equal(d.allowed, false);
});

test('refill never exceeds the burst, however long the bucket idles', () => {
  const policy = bucketPolicy({ count: 10, windowSeconds: 1 }, 3);
  const bucket = new Bucket(policy, 0);
  const d = newDecision();
  for (let i = 0; i < 3; i++) assert.equal(bucket.take(policy, 0, d).allowed, true);
  assert.equal(bucket.take(policy, 0, d).allowed, false);
  bucket.take(policy, 3_600_000, d);
  assert.equal(d.allowed, true);
  assert.equal(d.remaining, 2, 'three tokens at most, one taken');
  // A sustained stream at the rate is allowed: one request per 100 ms.
  for (let t = 3_600_100; t < 3_601_100; t += 100) assert.equal(bucket.take(policy, t, d).allowed, true);
});

test('a clock that steps back refills nothing', () => {
  const policy = bucketPolicy({ count: 1, windowSeconds: 1 }, 1);
  const bucket = new Bucket(policy, 10_000);
  const d = newDecision();
  assert.equal(bucket.take(policy, 10_000, d).allowed, true);
  assert.equal(bucket.take(policy, 5_000, d).allowed, false);
  assert.equal(bucket.take(policy, 10_999, d).allowed, false);
  assert.equal(bucket.take(policy, 11_000, d).allowed, true);
});

test('ceilSeconds: Retry-After in whole seconds, rounded up, float crumbs ignored', () => {
  assert.equal(ceilSeconds(0), 0);
  assert.equal(ceilSeconds(1), 1);
  assert.equal(ceilSeconds(1000), 1);
  assert.equal(ceilSeconds(1001), 2);
  assert.equal(ceilSeconds(12000.000000000002), 12);
});

test('the memory store is bounded: beyond maxKeys the least recently used key is forgotten', () => {
  const policy = bucketPolicy({ count: 1, windowSeconds: 86400 * 7 }, 1);
  const buckets = new MemoryBuckets(policy, 100);
  const d = newDecision();
  assert.equal(buckets.take('keep', 0, d).allowed, true);
  for (let i = 0; i < 50_000; i++) {
    const now = i * 100; // a new client every 100 ms
    buckets.take(`10.0.${i >> 8}.${i & 255}`, now, d);
    // A client seen again stays recent, so it keeps its (empty) bucket.
    if (i % 50 === 0) assert.equal(buckets.take('keep', now, d).allowed, false);
  }
  assert.equal(buckets.size, 100);
  assert.ok(buckets.evictions >= 49_900);
  // The oldest of the many was evicted: it starts again with a full bucket.
  assert.equal(buckets.take('10.0.0.1', 5_000_000, d).allowed, true);
});

test('a cluster worker holds its share of each budget: the sum over N workers never exceeds it', () => {
  const rules = compileRules([{ path: '/**', per: 'ip', rate: '10/min', burst: 10, name: 'all' }]);
  let now = 0;
  const workers = [0, 1, 2].map(() => new MemoryStore(rules, { share: 1 / 3 }));
  const d = newDecision();
  let allowed = 0;
  for (let i = 0; i < 60; i++) if (workers[i % 3]!.take(rules[0]!, '192.0.2.1', d, now).allowed) allowed++;
  assert.ok(allowed <= 10, `${allowed} allowed`);
  assert.equal(allowed, 9, 'each worker holds 3⅓ tokens: 3 whole ones');
  now = 60_000; // a window later every worker is full again: at most the budget once more
  allowed = 0;
  for (let i = 0; i < 60; i++) if (workers[i % 3]!.take(rules[0]!, '192.0.2.1', d, now).allowed) allowed++;
  assert.ok(allowed <= 10, `${allowed} allowed`);
});
