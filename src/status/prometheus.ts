// The Prometheus text exposition format, version 0.0.4: "# HELP" and "# TYPE" before each metric
// family, one sample per line, label values escaped (\\, \", \n), histograms as cumulative
// _bucket{le=…} series ending in le="+Inf" plus _sum and _count. Rendered from a snapshot, so a
// cluster primary can render the merge of its workers' snapshots the same way.
//
// Label values come only from fixed sets (method: METHOD_LABELS, class: 1xx-5xx) or from the app's
// own route patterns: a client cannot create new series by sending odd methods or paths.

import { CLASS_LABELS, METHOD_LABELS, PROTOCOL_LABELS, type StatusSnapshot } from './snapshot.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A number as Prometheus writes it (Go's float formatting rules for the special values). */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

class Writer {
  text = '';

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    this.text += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  }

  sample(name: string, value: number, labels?: Record<string, string>): void {
    let l = '';
    if (labels !== undefined) {
      const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
      if (parts.length > 0) l = `{${parts.join(',')}}`;
    }
    this.text += `${name}${l} ${formatValue(value)}\n`;
  }

  one(name: string, type: 'counter' | 'gauge', help: string, value: number): void {
    this.family(name, type, help);
    this.sample(name, value);
  }
}

export function renderPrometheus(s: StatusSnapshot): string {
  const w = new Writer();
  w.family('httpcraft_info', 'gauge', 'Build information; the value is always 1.');
  w.sample('httpcraft_info', 1, { version: s.server.version, node: s.server.node });
  w.one('httpcraft_start_time_seconds', 'gauge', 'Start time of the server since the Unix epoch in seconds.', s.server.startTime / 1000);
  w.one('httpcraft_uptime_seconds', 'gauge', 'Seconds since the server started.', s.server.uptimeSeconds);
  w.one('httpcraft_workers', 'gauge', 'Worker processes reporting.', s.server.workers);

  w.family('httpcraft_http_requests_total', 'counter', 'HTTP responses completed, by request method and status class.');
  for (const m of METHOD_LABELS) {
    for (const c of CLASS_LABELS) {
      const n = s.requests.byMethodClass[m]?.[c] ?? 0;
      // Series appear once they have a value; every combination stays in the fixed label sets.
      if (n > 0) w.sample('httpcraft_http_requests_total', n, { method: m, class: c });
    }
  }
  w.family('httpcraft_http_protocol_requests_total', 'counter', 'HTTP responses completed, by the protocol of the request.');
  for (const p of PROTOCOL_LABELS) w.sample('httpcraft_http_protocol_requests_total', s.requests.byProtocol[p] ?? 0, { protocol: p });
  w.one('httpcraft_http_keepalive_reused_requests_total', 'counter', 'Requests served on an already used (keep-alive) connection.', s.requests.keepAliveReused);

  w.family('httpcraft_http_request_duration_seconds', 'histogram', 'Time from the first byte of a request to the last byte of its response handed to the socket.');
  const bounds = s.duration.bounds;
  for (const m of METHOD_LABELS) {
    const row = s.duration.byMethod[m];
    if (row === undefined) continue;
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += row.counts[i] ?? 0;
      w.sample('httpcraft_http_request_duration_seconds_bucket', cumulative, { method: m, le: formatValue(bounds[i]!) });
    }
    w.sample('httpcraft_http_request_duration_seconds_bucket', row.count, { method: m, le: '+Inf' });
    w.sample('httpcraft_http_request_duration_seconds_sum', row.sum, { method: m });
    w.sample('httpcraft_http_request_duration_seconds_count', row.count, { method: m });
  }

  // Per route of the app: the label is the route's pattern, from the app's own table (bounded).
  const routes = s.routes ?? [];
  if (routes.length > 0) {
    w.family('httpcraft_route_requests_total', 'counter', 'Responses of the app\'s routes, by route pattern and status class.');
    for (const r of routes) {
      r.byClass.forEach((n, i) => {
        if (n > 0) w.sample('httpcraft_route_requests_total', n, { route: r.route, class: CLASS_LABELS[i]! });
      });
    }
    w.family('httpcraft_route_request_duration_seconds', 'histogram', 'Duration of the app\'s responses, by route pattern.');
    for (const r of routes) {
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += r.duration.counts[i] ?? 0;
        w.sample('httpcraft_route_request_duration_seconds_bucket', cumulative, { route: r.route, le: formatValue(bounds[i]!) });
      }
      w.sample('httpcraft_route_request_duration_seconds_bucket', r.duration.count, { route: r.route, le: '+Inf' });
      w.sample('httpcraft_route_request_duration_seconds_sum', r.duration.sum, { route: r.route });
      w.sample('httpcraft_route_request_duration_seconds_count', r.duration.count, { route: r.route });
    }
  }

  w.one('httpcraft_received_bytes_total', 'counter', 'Bytes read from client connections.', s.bytes.received);
  w.one('httpcraft_sent_bytes_total', 'counter', 'Bytes written to client connections.', s.bytes.sent);
  w.one('httpcraft_connections_active', 'gauge', 'Open client connections.', s.connections.active);
  w.one('httpcraft_connections_total', 'counter', 'Client connections accepted.', s.connections.total);
  w.one('httpcraft_connections_refused_total', 'counter', 'Connections refused because the connection limit was reached.', s.connections.refused);
  w.one('httpcraft_http2_connections_active', 'gauge', 'Open HTTP/2 connections (among httpcraft_connections_active).', s.connections.http2.active);
  w.one('httpcraft_http2_connections_total', 'counter', 'HTTP/2 connections accepted (TLS h2, h2c, Upgrade: h2c).', s.connections.http2.total);
  w.one('httpcraft_http2_streams_open', 'gauge', 'HTTP/2 streams with a request in progress.', s.connections.http2.streams);

  if (s.cache !== null) {
    w.one('httpcraft_cache_entries', 'gauge', 'Files held in the in-memory cache.', s.cache.entries);
    w.one('httpcraft_cache_bytes', 'gauge', 'Bytes held in the in-memory cache.', s.cache.bytes);
    w.one('httpcraft_cache_hits_total', 'counter', 'File cache lookups answered from memory.', s.cache.hits);
    w.one('httpcraft_cache_misses_total', 'counter', 'File cache lookups that read the file.', s.cache.misses);
    w.one('httpcraft_cache_evictions_total', 'counter', 'Entries dropped from the file cache to stay within its limits.', s.cache.evictions);
  }
  w.one('httpcraft_uploads_files_total', 'counter', 'Uploaded files stored.', s.uploads.files);
  w.one('httpcraft_uploads_bytes_total', 'counter', 'Bytes of uploaded files stored.', s.uploads.bytes);
  w.one('httpcraft_uploads_rejected_total', 'counter', 'Uploads refused or aborted.', s.uploads.rejected);

  if (s.upstreams !== undefined) {
    // Labels are the configured route paths and backend URLs: a fixed set, never from requests.
    const each = (f: (b: NonNullable<typeof s.upstreams>[number]['backends'][number], route: string) => void): void => {
      for (const r of s.upstreams!) for (const b of r.backends) f(b, r.path);
    };
    w.family('httpcraft_upstream_up', 'gauge', 'Whether a proxy backend takes requests (1) or is out after failures or health checks (0).');
    each((b, route) => w.sample('httpcraft_upstream_up', b.state === 'up' ? 1 : 0, { route, backend: b.url }));
    w.family('httpcraft_upstream_requests_total', 'counter', 'Requests sent to a proxy backend (retries included).');
    each((b, route) => w.sample('httpcraft_upstream_requests_total', b.requests, { route, backend: b.url }));
    w.family('httpcraft_upstream_responses_total', 'counter', 'Responses from a proxy backend, by status class.');
    each((b, route) => {
      for (const [cls, n] of Object.entries(b.responses)) if (n > 0) w.sample('httpcraft_upstream_responses_total', n, { route, backend: b.url, class: cls });
    });
    w.family('httpcraft_upstream_failures_total', 'counter', 'Exchanges with a proxy backend that failed (refused, timed out, invalid, cut short).');
    each((b, route) => w.sample('httpcraft_upstream_failures_total', b.failures, { route, backend: b.url }));
    w.family('httpcraft_upstream_retries_total', 'counter', 'Requests this backend took as a retry after another failed.');
    each((b, route) => w.sample('httpcraft_upstream_retries_total', b.retries, { route, backend: b.url }));
    w.family('httpcraft_upstream_active_requests', 'gauge', 'Requests in flight to a proxy backend.');
    each((b, route) => w.sample('httpcraft_upstream_active_requests', b.active, { route, backend: b.url }));
    w.family('httpcraft_upstream_connections', 'gauge', 'Open connections to a proxy backend (idle ones included).');
    each((b, route) => w.sample('httpcraft_upstream_connections', b.openConnections, { route, backend: b.url }));
  }

  w.one('process_resident_memory_bytes', 'gauge', 'Resident set size in bytes (summed over workers).', s.memory.rss);
  w.one('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use in bytes (summed over workers).', s.memory.heapUsed);
  w.one('nodejs_heap_total_bytes', 'gauge', 'V8 heap reserved in bytes (summed over workers).', s.memory.heapTotal);
  w.one('nodejs_eventloop_delay_p99_seconds', 'gauge', '99th percentile of event-loop delay over the last interval (worst worker).', s.eventLoop.p99Ms / 1000);
  w.one('nodejs_eventloop_delay_max_seconds', 'gauge', 'Largest event-loop delay over the last interval (worst worker).', s.eventLoop.maxMs / 1000);
  return w.text;
}
