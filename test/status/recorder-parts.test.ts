import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopPaths, MAX_PATH_CHARS } from '../../src/status/top-paths.ts';
import { RateRing, RATE_SECONDS } from '../../src/status/rate-ring.ts';
import { DurationHistogram, DURATION_BOUNDS_SECONDS, fineIndex, fineUpperMs, LatencyWindow, quantileMs, FINE_BUCKETS } from '../../src/status/latency.ts';
import { methodIndex } from '../../src/status/metrics.ts';
import { METHOD_LABELS, summarizeLatency } from '../../src/status/snapshot.ts';

test('top paths: memory stays bounded under a flood of distinct paths, and hot paths survive', () => {
  const top = new TopPaths(32);
  // 3 hot paths among 20,000 distinct cold ones, interleaved: 28,750 requests, so any path seen
  // more than 28,750 / 32 ≈ 898 times is guaranteed a counter.
  for (let i = 0; i < 20_000; i++) {
    top.record(`/cold/${i}`);
    if (i % 4 === 0) top.record('/hot-a');
    if (i % 8 === 0) top.record('/hot-b');
    if (i % 16 === 0) top.record('/hot-c');
  }
  assert.equal(top.size, 32);
  const best = top.top(3);
  assert.deepEqual(
    best.map((p) => p.path),
    ['/hot-a', '/hot-b', '/hot-c'],
  );
  // Space-saving never under-counts, and the over-count is bounded by the recorded error.
  const truth = { '/hot-a': 5000, '/hot-b': 2500, '/hot-c': 1250 } as Record<string, number>;
  for (const p of best) {
    assert.ok(p.count >= truth[p.path]! && p.count - p.error <= truth[p.path]!, p.path);
  }
});

test('top paths: exact when there are fewer paths than counters; long paths are cut', () => {
  const top = new TopPaths(4);
  for (const p of ['/a', '/b', '/a', '/c', '/a', '/b']) top.record(p);
  assert.deepEqual(top.top(10), [
    { path: '/a', count: 3, error: 0 },
    { path: '/b', count: 2, error: 0 },
    { path: '/c', count: 1, error: 0 },
  ]);
  top.record('/' + 'x'.repeat(5000));
  top.record('/' + 'x'.repeat(6000));
  const long = top.top(10).find((p) => p.path.startsWith('/x'))!;
  assert.equal(long.path.length, MAX_PATH_CHARS);
  assert.equal(long.count, 2);
});

test('rate ring: per-second counts, gaps cleared, the current second left out', () => {
  const ring = new RateRing();
  const t0 = 1_700_000_000;
  ring.record(t0);
  ring.record(t0);
  ring.record(t0 + 1);
  ring.record(t0 + 4);
  let s = ring.series(t0 + 5);
  assert.equal(s.length, RATE_SECONDS - 1);
  assert.deepEqual(s.slice(-5), [2, 1, 0, 0, 1]);
  // Still inside the current second: it is not in the series yet.
  ring.record(t0 + 5);
  assert.deepEqual(ring.series(t0 + 5).slice(-1), [1]);
  assert.deepEqual(ring.series(t0 + 6).slice(-2), [1, 1]);
  // A full lap later, nothing old remains.
  s = ring.series(t0 + 5 + RATE_SECONDS);
  assert.equal(s.reduce((a, b) => a + b, 0), 0);
  // Wrapping around the ring keeps old buckets until they are reused.
  const r2 = new RateRing();
  for (let k = 0; k < RATE_SECONDS + 10; k++) r2.record(t0 + k);
  const s2 = r2.series(t0 + RATE_SECONDS + 10);
  assert.ok(s2.every((n) => n === 1));
});

test('latency buckets: log spaced, each bound 15% above the last; quantiles interpolate', () => {
  assert.equal(fineIndex(0), 0);
  assert.equal(fineIndex(0.01), 0);
  for (const ms of [0.02, 0.5, 1, 3.3, 50, 999, 20_000]) {
    const i = fineIndex(ms);
    assert.ok(fineUpperMs(i) >= ms * 0.999999 && fineUpperMs(i - 1) < ms * 1.000001, String(ms));
  }
  assert.equal(fineIndex(1e9), FINE_BUCKETS - 1);
  assert.equal(quantileMs([], 0, 0.5), 0);
  assert.equal(quantileMs([[10, 4]], 4, 0.5), 5);
});

test('latency window: p50/p90/p99 of a known distribution within the bucket error', () => {
  const w = new LatencyWindow();
  const now = 1_700_000_000;
  for (let ms = 1; ms <= 1000; ms++) w.record(ms, now + (ms % 50) / 10);
  const sum = w.summary(now + 5);
  assert.equal(sum.count, 1000);
  assert.equal(sum.maxMs, 1000);
  const s = summarizeLatency(60, sum.buckets, sum.count, sum.sumMs, sum.maxMs);
  for (const [got, want] of [
    [s.p50Ms, 500],
    [s.p90Ms, 900],
    [s.p99Ms, 990],
  ] as const) {
    assert.ok(Math.abs(got - want) / want < 0.08, `${got} vs ${want}`);
  }
  assert.equal(s.meanMs, 500.5);
  // Sixty seconds later the window has moved past every sample.
  assert.equal(w.summary(now + 70).count, 0);
  // Half-way, the older slots have dropped out.
  const w2 = new LatencyWindow();
  w2.record(5, now);
  w2.record(7, now + 30);
  assert.equal(w2.summary(now + 62).count, 1);
});

test('duration histogram: a value equal to a bound falls in that bound (le is inclusive)', () => {
  const h = new DurationHistogram(2);
  h.record(1, 0.001);
  h.record(1, 0.0011);
  h.record(1, 99);
  h.record(0, 0);
  const row = h.row(1);
  assert.equal(row.counts.length, DURATION_BOUNDS_SECONDS.length + 1);
  assert.equal(row.counts[DURATION_BOUNDS_SECONDS.indexOf(0.001)], 1);
  assert.equal(row.counts[DURATION_BOUNDS_SECONDS.indexOf(0.0025)], 1);
  assert.equal(row.counts[DURATION_BOUNDS_SECONDS.length], 1);
  assert.equal(row.count, 3);
  assert.equal(h.row(0).counts[0], 1);
});

test('methods map to a bounded label set', () => {
  assert.deepEqual(
    ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'get', ''].map((m) => METHOD_LABELS[methodIndex(m)]),
    ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'other', 'other', 'other'],
  );
});
