import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { StatusRecorder } from '../../src/status/metrics.ts';
import { mergeSnapshots, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { renderPrometheus } from '../../src/status/prometheus.ts';
import type { Request } from '../../src/server/request.ts';
import type { Response } from '../../src/server/response.ts';
import { parseExposition, sampleValue } from '../support/prometheus-parser.ts';

/** Records a completed request that took `ms` (a fake request: only what the recorder reads). */
function record(r: StatusRecorder, method: string, path: string, status: number, ms: number, sequence = 1): void {
  const req = { method, path, sequence, startHr: performance.now() - ms } as unknown as Request;
  r.record(req, { status } as unknown as Response);
}

test('mergeSnapshots adds counters, keeps one row per worker and recomputes percentiles', () => {
  const a = new StatusRecorder({ workerId: 1, version: '1.0.0' });
  const b = new StatusRecorder({ workerId: 2, version: '1.0.0' });
  try {
    for (let i = 0; i < 90; i++) record(a, 'GET', '/a', 200, 1, i === 0 ? 1 : 2);
    for (let i = 0; i < 10; i++) record(b, 'POST', '/b', 503, 200);
    record(b, 'GET', '/a', 404, 1);
    a.cache = { entries: 1, bytes: 100, hits: 9, misses: 1, evictions: 0, maxEntries: 10 };
    b.cache = { entries: 2, bytes: 200, hits: 1, misses: 9, evictions: 3 };
    const sa = a.snapshot();
    const sb = b.snapshot();
    const m = mergeSnapshots([sa, sb]);

    assert.equal(m.server.workers, 2);
    assert.deepEqual(
      m.workers.map((w) => [w.id, w.requests]),
      [
        [1, 90],
        [2, 11],
      ],
    );
    assert.equal(m.requests.total, 101);
    assert.equal(m.requests.keepAliveReused, 89);
    assert.equal(m.requests.byMethod.GET, 91);
    assert.equal(m.requests.byMethod.POST, 10);
    assert.deepEqual(m.requests.byClass, { '1xx': 0, '2xx': 90, '3xx': 0, '4xx': 1, '5xx': 10 });
    assert.deepEqual(m.requests.byCode, { '200': 90, '404': 1, '503': 10 });
    assert.equal(m.requests.byMethodClass.POST['5xx'], 10);
    assert.equal(m.latency.count, 101);
    // 90% of requests took ~1 ms, 10% ~200 ms: p50 is fast, p99 slow. Averaging the workers'
    // p50s (1 ms and ~200 ms) would have said ~100 ms.
    assert.ok(m.latency.p50Ms < 2, String(m.latency.p50Ms));
    assert.ok(m.latency.p99Ms > 150, String(m.latency.p99Ms));
    assert.ok(m.latency.maxMs >= 200);
    assert.equal(m.duration.byMethod.GET!.count, 91);
    assert.equal(m.duration.byMethod.POST!.count, 10);
    assert.deepEqual(
      m.topPaths.map((p) => [p.path, p.count]),
      [
        ['/a', 91],
        ['/b', 10],
      ],
    );
    assert.deepEqual(
      { ...m.cache, hitRate: Math.round(m.cache!.hitRate * 100) / 100 },
      { entries: 3, bytes: 300, hits: 10, misses: 10, evictions: 3, hitRate: 0.5, maxEntries: null, maxBytes: null },
    );
    assert.equal(m.memory.rss, sa.memory.rss + sb.memory.rss);
    assert.equal(m.eventLoop.p99Ms, Math.max(sa.eventLoop.p99Ms, sb.eventLoop.p99Ms));

    // The merged snapshot renders as valid Prometheus text with the summed figures.
    const prom = parseExposition(renderPrometheus(m));
    assert.equal(sampleValue(prom, 'httpcraft_http_requests_total', { method: 'GET', class: '2xx' }), 90);
    assert.equal(sampleValue(prom, 'httpcraft_http_request_duration_seconds_count', { method: 'POST' }), 10);
    assert.equal(sampleValue(prom, 'httpcraft_workers'), 2);
    assert.equal(sampleValue(prom, 'httpcraft_cache_hits_total'), 10);
  } finally {
    a.close();
    b.close();
  }
});

test('mergeSnapshots aligns per-second series on their end second', () => {
  const base = new StatusRecorder();
  try {
    const s = base.snapshot();
    const n = s.rate.requests.length;
    const mk = (end: number, last: number[]): StatusSnapshot => {
      const requests = new Array<number>(n).fill(0);
      last.forEach((v, i) => (requests[n - last.length + i] = v));
      return { ...s, rate: { intervalSeconds: 1, end, requests } };
    };
    // Worker 2's snapshot was taken one second later: its last point is one second newer.
    const m = mergeSnapshots([mk(1000, [1, 2, 3]), mk(1001, [10, 20, 30])]);
    assert.equal(m.rate.end, 1001);
    assert.equal(m.rate.requests.length, n);
    assert.deepEqual(m.rate.requests.slice(-4), [1, 12, 23, 30]);
    assert.equal(mergeSnapshots([s]), s);
    assert.throws(() => mergeSnapshots([]), /at least one/);
  } finally {
    base.close();
  }
});

test('a snapshot survives JSON and merges the same (it crosses IPC as JSON)', () => {
  const a = new StatusRecorder({ workerId: 1 });
  const b = new StatusRecorder({ workerId: 2 });
  try {
    record(a, 'GET', '/x', 200, 3);
    record(b, 'GET', '/x', 200, 5);
    const direct = mergeSnapshots([a.snapshot(), b.snapshot()]);
    const viaJson = mergeSnapshots([JSON.parse(JSON.stringify(a.snapshot())) as StatusSnapshot, JSON.parse(JSON.stringify(b.snapshot())) as StatusSnapshot]);
    assert.equal(viaJson.requests.total, 2);
    assert.deepEqual(viaJson.latency.buckets, direct.latency.buckets);
    assert.deepEqual(viaJson.topPaths, [{ path: '/x', count: 2, error: 0 }]);
  } finally {
    a.close();
    b.close();
  }
});
