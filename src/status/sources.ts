// Hooks through which other features report figures the dashboard shows. The file cache and the
// upload handler are separate modules; they implement (or feed) these small interfaces and the
// status recorder reads them only when a snapshot is taken, so they cost nothing per request here.

/** What the file cache exposes; a cache class can implement it with getters. */
export interface CacheStatsSource {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  /** Configured limits, when known (shown as "used of max"). */
  readonly maxEntries?: number;
  readonly maxBytes?: number;
}

/** What the reverse proxy exposes: per route, per backend figures (src/proxy/backend.ts). */
export interface UpstreamStatsSource {
  figures(): UpstreamRouteFigures[];
}

export interface UpstreamBackendFigures {
  url: string;
  weight: number;
  state: 'up' | 'down' | 'unhealthy';
  active: number;
  requests: number;
  failures: number;
  retries: number;
  openConnections: number;
  idleConnections: number;
  responses: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
}

export interface UpstreamRouteFigures {
  path: string;
  strategy: string;
  backends: UpstreamBackendFigures[];
}

/** What the upload handler exposes. */
export interface UploadStatsSource {
  /** Files stored completely. */
  readonly files: number;
  /** Bytes of the files stored. */
  readonly bytes: number;
  /** Uploads refused or aborted (too large, bad form, client gone): nothing was kept. */
  readonly rejected: number;
}

/** A ready-made UploadStatsSource the upload handler can simply call. */
export class UploadCounter implements UploadStatsSource {
  files = 0;
  bytes = 0;
  rejected = 0;

  recordFile(bytes: number): void {
    this.files++;
    this.bytes += bytes;
  }

  recordRejected(): void {
    this.rejected++;
  }
}
