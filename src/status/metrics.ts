// The status recorder: counts every response the server completes and turns the counts into a
// snapshot on demand. Recording runs on the server's `response` event and touches only fixed-size
// typed arrays and one bounded map (the busiest paths): a handful of increments per request, no
// allocation, no timers. Everything costly (memory usage, sorting, JSON) happens per snapshot.

import cluster from 'node:cluster';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { HttpServer } from '../server/http-server.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { DurationHistogram, DURATION_BOUNDS_SECONDS, LatencyWindow, WINDOW_SLOT_SECONDS, WINDOW_SLOTS } from './latency.ts';
import { RateRing } from './rate-ring.ts';
import { TopPaths } from './top-paths.ts';
import { RouteStats } from './route-stats.ts';
import { UploadCounter, type CacheStatsSource, type UploadStatsSource, type UpstreamStatsSource } from './sources.ts';
import {
  CLASS_LABELS,
  METHOD_LABELS,
  TOP_PATHS_SHOWN,
  emptyByClass,
  emptyByMethod,
  PROTOCOL_LABELS,
  recentRate,
  summarizeLatency,
  type ClassLabel,
  type DurationRow,
  type MethodLabel,
  type StatusSnapshot,
} from './snapshot.ts';

const CLASSES = CLASS_LABELS.length;
// performance.timeOrigin is a getter that costs as much as the rest of record(); it never changes.
const TIME_ORIGIN = performance.timeOrigin;
// Event-loop delay is reported over the last interval of this length, not since start.
const LOOP_INTERVAL_MS = 15_000;

/** Index into METHOD_LABELS; anything outside the common set is "other" (bounded label values). */
export function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'DELETE':
      return 4;
    case 'OPTIONS':
      return 5;
    case 'PATCH':
      return 6;
    default:
      return 7;
  }
}

export interface RecorderOptions {
  /** Shown as the server's name (default "httpcraft"). */
  name?: string;
  version?: string;
  /** This process's worker id (default: the cluster worker id, 0 in a single process). */
  workerId?: number;
  cache?: CacheStatsSource | null;
  uploads?: UploadStatsSource;
  upstreams?: UpstreamStatsSource | null;
  /** Counters kept for the busiest paths (space-saving); default 64. */
  topPathsCapacity?: number;
}

export class StatusRecorder {
  readonly name: string;
  readonly version: string;
  readonly workerId: number;
  readonly startTime = Date.now();
  /** The upload counter, unless another source was given; the upload handler feeds it. */
  readonly uploads: UploadStatsSource;
  cache: CacheStatsSource | null;
  /** The reverse proxy's backends (null without proxy routes). */
  upstreams: UpstreamStatsSource | null;

  #total = 0;
  #reused = 0;
  // By PROTOCOL_LABELS index: HTTP/1.0, HTTP/1.1, HTTP/2.0.
  readonly #byProtocol = new Float64Array(PROTOCOL_LABELS.length);
  readonly #methodClass = new Float64Array(METHOD_LABELS.length * CLASSES);
  readonly #codes = new Float64Array(1000);
  readonly #rate = new RateRing();
  readonly #window = new LatencyWindow();
  readonly #duration = new DurationHistogram(METHOD_LABELS.length);
  readonly #paths: TopPaths;
  readonly #routes = new RouteStats();

  readonly #sockets = new Set<Socket>();
  #connections = 0;
  #closedRead = 0;
  #closedWritten = 0;

  #server: HttpServer | null = null;
  #detach: (() => void) | null = null;
  readonly #loop: IntervalHistogram;
  #loopLast = { meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
  #loopTimer: NodeJS.Timeout;

  constructor(options: RecorderOptions = {}) {
    this.name = options.name ?? 'httpcraft';
    this.version = options.version ?? '';
    this.workerId = options.workerId ?? (cluster.isWorker ? (cluster.worker?.id ?? 0) : 0);
    this.cache = options.cache ?? null;
    this.upstreams = options.upstreams ?? null;
    this.uploads = options.uploads ?? new UploadCounter();
    this.#paths = new TopPaths(options.topPathsCapacity ?? 64);
    this.#loop = monitorEventLoopDelay({ resolution: 20 });
    this.#loop.enable();
    this.#loopTimer = setInterval(() => {
      this.#loopLast = this.#loopFigures();
      this.#loop.reset();
    }, LOOP_INTERVAL_MS);
    this.#loopTimer.unref();
  }

  /**
   * Records one completed response. Called from the server's `response` event; safe to call
   * directly (tests, other transports).
   */
  readonly record = (req: Request, res: Response): void => {
    const endHr = performance.now();
    const ms = endHr - req.startHr;
    const nowSec = (TIME_ORIGIN + endHr) / 1000;
    const m = methodIndex(req.method);
    const status = res.status;
    let c = ((status / 100) | 0) - 1;
    if (c > 4) c = 4;
    else if (c < 0) c = 0;
    this.#total++;
    this.#methodClass[m * CLASSES + c]!++;
    this.#codes[status >= 100 && status < 1000 ? status : 0]!++;
    if (req.sequence > 1) this.#reused++;
    const v = req.httpVersion;
    this.#byProtocol[v === '1.1' ? 1 : v === '2.0' ? 2 : 0]!++;
    this.#rate.record(Math.floor(nowSec));
    this.#window.record(ms, nowSec);
    this.#duration.record(m, ms / 1000);
    this.#paths.record(req.path);
    // The app's route pattern (set by the router), never the raw path: bounded label values.
    const route = req.route;
    if (typeof route === 'string') this.#routes.record(route, c, ms / 1000);
  };

  readonly #onConnection = (socket: Socket): void => {
    this.#connections++;
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#closedRead += socket.bytesRead;
      this.#closedWritten += socket.bytesWritten;
      this.#sockets.delete(socket);
    });
  };

  /**
   * Subscribes to a server's events; returns a function that unsubscribes. With `record: false`
   * (enable_server_status off) it only remembers the server, for the readiness probe: nothing is
   * counted and nothing runs per request.
   */
  attach(server: HttpServer, options: { record?: boolean } = {}): () => void {
    this.#detach?.();
    this.#server = server;
    const record = options.record ?? true;
    if (record) {
      server.on('response', this.record);
      server.on('connection', this.#onConnection);
    }
    this.#detach = () => {
      if (record) {
        server.off('response', this.record);
        server.off('connection', this.#onConnection);
      }
      this.#server = null;
      this.#detach = null;
    };
    return this.#detach;
  }

  /** The attached server, for readiness (listening, draining). */
  get server(): HttpServer | null {
    return this.#server;
  }

  /** Stops the event-loop monitor and detaches from the server. */
  close(): void {
    this.#detach?.();
    clearInterval(this.#loopTimer);
    this.#loop.disable();
  }

  #loopFigures(): { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number } {
    const h = this.#loop;
    // Before the first sample min/max are sentinels and mean is NaN.
    if (!(h.count > 0)) return { meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    return { meanMs: ms(h.mean), p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
  }

  snapshot(): StatusSnapshot {
    const now = Date.now();
    // The rings are filled on the monotonic clock (see record()); read them on the same clock, or a
    // wall clock stepped by NTP would shift every bucket.
    const nowSec = (TIME_ORIGIN + performance.now()) / 1000;
    const uptimeSeconds = Math.max(0, Math.round((now - this.startTime) / 100) / 10);

    const byMethod = emptyByMethod();
    const byClass = emptyByClass();
    const byMethodClass = {} as Record<MethodLabel, Record<ClassLabel, number>>;
    METHOD_LABELS.forEach((method, m) => {
      const row = emptyByClass();
      CLASS_LABELS.forEach((cls, c) => {
        const n = this.#methodClass[m * CLASSES + c]!;
        row[cls] = n;
        byMethod[method] += n;
        byClass[cls] += n;
      });
      byMethodClass[method] = row;
    });
    const byCode: Record<string, number> = {};
    for (let code = 100; code < 1000; code++) if (this.#codes[code]! > 0) byCode[String(code)] = this.#codes[code]!;

    const series = this.#rate.series(Math.floor(nowSec));
    const w = this.#window.summary(nowSec);
    const duration: StatusSnapshot['duration'] = { bounds: [...DURATION_BOUNDS_SECONDS], byMethod: {} };
    METHOD_LABELS.forEach((method, m) => {
      const row: DurationRow = this.#duration.row(m);
      if (row.count > 0) duration.byMethod[method] = row;
    });

    let received = this.#closedRead;
    let sent = this.#closedWritten;
    for (const s of this.#sockets) {
      received += s.bytesRead;
      sent += s.bytesWritten;
    }

    const cache = this.cache;
    const mem = process.memoryUsage();
    const loop = this.#loop.count > 0 ? this.#loopFigures() : this.#loopLast;
    const perSecond = recentRate(series, uptimeSeconds);
    const active = this.#sockets.size;
    const h2 = this.#server?.stats.http2 ?? { open: 0, total: 0, streams: 0 };
    const byProtocol = { 'HTTP/1.0': this.#byProtocol[0]!, 'HTTP/1.1': this.#byProtocol[1]!, 'HTTP/2.0': this.#byProtocol[2]! };
    return {
      schema: 1,
      server: { name: this.name, version: this.version, node: process.version, startTime: this.startTime, now, uptimeSeconds, workers: 1 },
      requests: { total: this.#total, perSecond, keepAliveReused: this.#reused, byMethod, byClass, byCode, byMethodClass, byProtocol },
      rate: { intervalSeconds: 1, end: Math.floor(nowSec), requests: series },
      latency: summarizeLatency(WINDOW_SLOT_SECONDS * WINDOW_SLOTS, w.buckets, w.count, w.sumMs, w.maxMs),
      duration,
      bytes: { received, sent },
      connections: { active, total: this.#connections, refused: this.#server?.stats.refused ?? 0, http2: { active: h2.open, total: h2.total, streams: h2.streams } },
      cache:
        cache === null
          ? null
          : {
              entries: cache.entries,
              bytes: cache.bytes,
              hits: cache.hits,
              misses: cache.misses,
              evictions: cache.evictions,
              hitRate: cache.hits + cache.misses === 0 ? 0 : cache.hits / (cache.hits + cache.misses),
              maxEntries: cache.maxEntries ?? null,
              maxBytes: cache.maxBytes ?? null,
            },
      uploads: { files: this.uploads.files, bytes: this.uploads.bytes, rejected: this.uploads.rejected },
      memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, arrayBuffers: mem.arrayBuffers },
      eventLoop: loop,
      topPaths: this.#paths.top(TOP_PATHS_SHOWN),
      routes: this.#routes.rows(),
      ...(this.upstreams === null ? {} : { upstreams: this.upstreams.figures() }),
      workers: [
        {
          id: this.workerId,
          pid: process.pid,
          uptimeSeconds,
          requests: this.#total,
          perSecond,
          activeConnections: active,
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          eventLoopP99Ms: loop.p99Ms,
        },
      ],
    };
  }
}
