// The figures of one process at one moment, as plain JSON (the shape is documented in
// docs/status.md). Every field is chosen so that snapshots of several worker processes can be merged
// into one by adding (counters, histograms, per-second series aligned on time) or by taking the
// worst (event-loop delay), and percentiles are recomputed from merged buckets rather than averaged.

import { quantileMs } from './latency.ts';
import type { PathCount } from './top-paths.ts';
import { mergeRouteRows, type RouteRow } from './route-stats.ts';
import type { UpstreamRouteFigures } from './sources.ts';

export const METHOD_LABELS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'other'] as const;
/** The protocol a request came over, as the access log writes it. */
export const PROTOCOL_LABELS = ['HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0'] as const;
export type ProtocolLabel = (typeof PROTOCOL_LABELS)[number];

export function emptyByProtocol(): Record<ProtocolLabel, number> {
  return { 'HTTP/1.0': 0, 'HTTP/1.1': 0, 'HTTP/2.0': 0 };
}
export type MethodLabel = (typeof METHOD_LABELS)[number];
// RFC 9110 §15: the first digit is the class. Codes 600-999 (which Response permits) have no class
// and are counted as 5xx, the class a client must assume for an unknown server answer.
export const CLASS_LABELS = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type ClassLabel = (typeof CLASS_LABELS)[number];

export const TOP_PATHS_SHOWN = 10;

export interface LatencySummary {
  windowSeconds: number;
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Non-empty buckets of the window: [upper bound in ms, count], ascending. */
  buckets: Array<[number, number]>;
}

export interface DurationRow {
  /** Per-bucket counts (not cumulative), one per bound plus the +Inf bucket. */
  counts: number[];
  sum: number;
  count: number;
}

export interface CacheFigures {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  hitRate: number;
  maxEntries: number | null;
  maxBytes: number | null;
}

export interface WorkerRow {
  id: number;
  pid: number;
  uptimeSeconds: number;
  requests: number;
  perSecond: number;
  activeConnections: number;
  rss: number;
  heapUsed: number;
  eventLoopP99Ms: number;
}

export interface StatusSnapshot {
  schema: 1;
  server: { name: string; version: string; node: string; startTime: number; now: number; uptimeSeconds: number; workers: number };
  requests: {
    total: number;
    perSecond: number;
    keepAliveReused: number;
    byMethod: Record<MethodLabel, number>;
    byClass: Record<ClassLabel, number>;
    byCode: Record<string, number>;
    byMethodClass: Record<MethodLabel, Record<ClassLabel, number>>;
    byProtocol: Record<ProtocolLabel, number>;
  };
  rate: { intervalSeconds: 1; end: number; requests: number[] };
  latency: LatencySummary;
  duration: { bounds: number[]; byMethod: Partial<Record<MethodLabel, DurationRow>> };
  bytes: { received: number; sent: number };
  /** `http2`: the HTTP/2 connections among them (TLS h2, h2c, upgraded) and their streams open now. */
  connections: { active: number; total: number; refused: number; http2: { active: number; total: number; streams: number } };
  cache: CacheFigures | null;
  uploads: { files: number; bytes: number; rejected: number };
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  eventLoop: { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number };
  topPaths: PathCount[];
  /** Per route pattern of the app (--app), busiest first; absent from snapshots of older workers. */
  routes?: RouteRow[];
  workers: WorkerRow[];
  /** Reverse-proxy routes and their backends; absent without proxy routes. */
  upstreams?: UpstreamRouteFigures[];
}

export function emptyByMethod(): Record<MethodLabel, number> {
  return { GET: 0, HEAD: 0, POST: 0, PUT: 0, DELETE: 0, OPTIONS: 0, PATCH: 0, other: 0 };
}

export function emptyByClass(): Record<ClassLabel, number> {
  return { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
}

/** Percentiles, mean and max of a window from its buckets. */
export function summarizeLatency(windowSeconds: number, buckets: Array<[number, number]>, count: number, sumMs: number, maxMs: number): LatencySummary {
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  // Interpolating inside the top bucket can overshoot the largest value actually seen.
  const q = (p: number): number => r(Math.min(maxMs, quantileMs(buckets, count, p)));
  return {
    windowSeconds,
    count,
    meanMs: count === 0 ? 0 : r(sumMs / count),
    p50Ms: q(0.5),
    p90Ms: q(0.9),
    p99Ms: q(0.99),
    maxMs: r(maxMs),
    buckets,
  };
}

/** Average requests per second over the last (up to) 60 complete seconds of a series. */
export function recentRate(series: readonly number[], uptimeSeconds: number): number {
  const span = Math.max(1, Math.min(60, Math.floor(uptimeSeconds), series.length));
  let sum = 0;
  for (let i = series.length - span; i < series.length; i++) sum += series[i] ?? 0;
  return Math.round((sum / span) * 100) / 100;
}

function addRecords<K extends string>(into: Record<K, number>, from: Record<K, number>): void {
  for (const k of Object.keys(from) as K[]) into[k] = (into[k] ?? 0) + from[k];
}

/**
 * One snapshot from many (one per worker). The primary of a cluster collects its workers' snapshots
 * over IPC and serves the merge; a single snapshot merges to itself (with its one worker row).
 */
export function mergeSnapshots(snapshots: readonly StatusSnapshot[]): StatusSnapshot {
  if (snapshots.length === 0) throw new RangeError('mergeSnapshots needs at least one snapshot');
  if (snapshots.length === 1) return snapshots[0]!;
  const first = snapshots[0]!;
  const now = Math.max(...snapshots.map((s) => s.server.now));
  const startTime = Math.min(...snapshots.map((s) => s.server.startTime));
  const uptimeSeconds = Math.max(...snapshots.map((s) => s.server.uptimeSeconds));

  const byMethod = emptyByMethod();
  const byClass = emptyByClass();
  const byCode: Record<string, number> = {};
  const byMethodClass = Object.fromEntries(Object.keys(emptyByMethod()).map((m) => [m, emptyByClass()])) as Record<MethodLabel, Record<ClassLabel, number>>;
  const byProtocol = emptyByProtocol();
  let total = 0;
  let reused = 0;
  for (const s of snapshots) {
    addRecords(byProtocol, s.requests.byProtocol);
    total += s.requests.total;
    reused += s.requests.keepAliveReused;
    addRecords(byMethod, s.requests.byMethod);
    addRecords(byClass, s.requests.byClass);
    addRecords(byCode, s.requests.byCode);
    for (const m of Object.keys(s.requests.byMethodClass) as MethodLabel[]) addRecords(byMethodClass[m], s.requests.byMethodClass[m]);
  }

  // Per-second series are aligned on their end second.
  const end = Math.max(...snapshots.map((s) => s.rate.end));
  const length = Math.max(...snapshots.map((s) => s.rate.requests.length));
  const series = new Array<number>(length).fill(0);
  for (const s of snapshots) {
    const shift = end - s.rate.end;
    const n = s.rate.requests.length;
    for (let i = 0; i < n; i++) {
      const at = length - 1 - (n - 1 - i) - shift;
      if (at >= 0) series[at]! += s.rate.requests[i]!;
    }
  }

  const bucketMap = new Map<number, number>();
  let lCount = 0;
  let lSum = 0;
  let lMax = 0;
  for (const s of snapshots) {
    for (const [b, c] of s.latency.buckets) bucketMap.set(b, (bucketMap.get(b) ?? 0) + c);
    lCount += s.latency.count;
    lSum += s.latency.meanMs * s.latency.count;
    lMax = Math.max(lMax, s.latency.maxMs);
  }
  const buckets = [...bucketMap.entries()].sort((a, b) => a[0] - b[0]);

  const duration: StatusSnapshot['duration'] = { bounds: first.duration.bounds, byMethod: {} };
  for (const s of snapshots) {
    for (const [m, row] of Object.entries(s.duration.byMethod) as Array<[MethodLabel, DurationRow]>) {
      const into = (duration.byMethod[m] ??= { counts: new Array<number>(row.counts.length).fill(0), sum: 0, count: 0 });
      row.counts.forEach((c, i) => (into.counts[i] = (into.counts[i] ?? 0) + c));
      into.sum += row.sum;
      into.count += row.count;
    }
  }

  const caches = snapshots.map((s) => s.cache).filter((c): c is CacheFigures => c !== null);
  let cache: CacheFigures | null = null;
  if (caches.length > 0) {
    const sum = (f: (c: CacheFigures) => number | null): number => caches.reduce((a, c) => a + (f(c) ?? 0), 0);
    const hits = sum((c) => c.hits);
    const misses = sum((c) => c.misses);
    const anyMax = (f: (c: CacheFigures) => number | null): number | null => (caches.every((c) => f(c) !== null) ? sum(f) : null);
    cache = {
      entries: sum((c) => c.entries),
      bytes: sum((c) => c.bytes),
      hits,
      misses,
      evictions: sum((c) => c.evictions),
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      maxEntries: anyMax((c) => c.maxEntries),
      maxBytes: anyMax((c) => c.maxBytes),
    };
  }

  const pathMap = new Map<string, PathCount>();
  for (const s of snapshots) {
    for (const p of s.topPaths) {
      const into = pathMap.get(p.path);
      if (into === undefined) pathMap.set(p.path, { ...p });
      else {
        into.count += p.count;
        into.error += p.error;
      }
    }
  }
  const topPaths = [...pathMap.values()].sort((a, b) => b.count - a.count || (a.path < b.path ? -1 : 1)).slice(0, TOP_PATHS_SHOWN);

  const upstreams = mergeUpstreams(snapshots);
  const sumOf = (f: (s: StatusSnapshot) => number): number => snapshots.reduce((a, s) => a + f(s), 0);
  const maxOf = (f: (s: StatusSnapshot) => number): number => Math.max(...snapshots.map(f));
  const workers = snapshots.flatMap((s) => s.workers).sort((a, b) => a.id - b.id);
  return {
    schema: 1,
    server: { name: first.server.name, version: first.server.version, node: first.server.node, startTime, now, uptimeSeconds, workers: workers.length },
    requests: { total, perSecond: recentRate(series, uptimeSeconds), keepAliveReused: reused, byMethod, byClass, byCode, byMethodClass, byProtocol },
    rate: { intervalSeconds: 1, end, requests: series },
    latency: summarizeLatency(first.latency.windowSeconds, buckets, lCount, lSum, lMax),
    duration,
    bytes: { received: sumOf((s) => s.bytes.received), sent: sumOf((s) => s.bytes.sent) },
    connections: {
      active: sumOf((s) => s.connections.active),
      total: sumOf((s) => s.connections.total),
      refused: sumOf((s) => s.connections.refused),
      http2: { active: sumOf((s) => s.connections.http2.active), total: sumOf((s) => s.connections.http2.total), streams: sumOf((s) => s.connections.http2.streams) },
    },
    cache,
    uploads: { files: sumOf((s) => s.uploads.files), bytes: sumOf((s) => s.uploads.bytes), rejected: sumOf((s) => s.uploads.rejected) },
    memory: {
      rss: sumOf((s) => s.memory.rss),
      heapUsed: sumOf((s) => s.memory.heapUsed),
      heapTotal: sumOf((s) => s.memory.heapTotal),
      external: sumOf((s) => s.memory.external),
      arrayBuffers: sumOf((s) => s.memory.arrayBuffers),
    },
    // The worst worker is the one to look at: a blocked loop delays every request it holds.
    eventLoop: { meanMs: maxOf((s) => s.eventLoop.meanMs), p50Ms: maxOf((s) => s.eventLoop.p50Ms), p99Ms: maxOf((s) => s.eventLoop.p99Ms), maxMs: maxOf((s) => s.eventLoop.maxMs) },
    topPaths,
    routes: mergeRouteRows(snapshots.map((s) => s.routes)),
    workers,
    ...(upstreams === undefined ? {} : { upstreams }),
  };
}

const STATE_RANK = { up: 0, down: 1, unhealthy: 2 } as const;

/** Upstream figures of several workers: counters added per route and backend; the worst state wins
 * (each worker keeps its own passive health, so one that sees a backend down reports it). */
function mergeUpstreams(snapshots: readonly StatusSnapshot[]): UpstreamRouteFigures[] | undefined {
  const lists = snapshots.map((s) => s.upstreams).filter((u): u is UpstreamRouteFigures[] => u !== undefined);
  if (lists.length === 0) return undefined;
  const out: UpstreamRouteFigures[] = structuredClone(lists[0]!);
  for (const list of lists.slice(1)) {
    for (const route of list) {
      const into = out.find((r) => r.path === route.path);
      if (into === undefined) {
        out.push(structuredClone(route));
        continue;
      }
      for (const b of route.backends) {
        const t = into.backends.find((x) => x.url === b.url);
        if (t === undefined) {
          into.backends.push(structuredClone(b));
          continue;
        }
        t.active += b.active;
        t.requests += b.requests;
        t.failures += b.failures;
        t.retries += b.retries;
        t.openConnections += b.openConnections;
        t.idleConnections += b.idleConnections;
        for (const k of Object.keys(t.responses) as Array<keyof typeof t.responses>) t.responses[k] += b.responses[k];
        if (STATE_RANK[b.state] > STATE_RANK[t.state]) t.state = b.state;
      }
    }
  }
  return out;
}
