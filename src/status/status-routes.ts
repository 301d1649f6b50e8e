// The status, metrics and health endpoints as one middleware, placed before the static files. It
// costs a few string comparisons for every other request. The dashboard and /metrics apply the access
// rule first, so a client that may not see them gets the same 404 as for any missing file, whatever
// the method, and learns nothing about their existence; so do the exchange inspector's page and
// stream (inspector-routes.ts). The health probes answer every client by
// default: an orchestrator's prober (the kubelet, a balancer) is never on loopback, and all they
// say is "ok", "ready" or why not.

import type { Middleware } from '../app/pipeline.ts';
import { HttpError } from '../app/http-error.ts';
import { prefersJson } from '../app/error-response.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { createAccessGuard, type AccessGuard } from './access.ts';
import { DASHBOARD_CSP, renderDashboard } from './dashboard.ts';
import { sendLiveness, sendReadiness } from './health.ts';
import type { StatusRecorder } from './metrics.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.ts';
import type { StatusSnapshot } from './snapshot.ts';
import { createInspector, type Inspector } from './inspector-routes.ts';
import type { TraceSource } from './inspector-feed.ts';

export interface StatusRouteOptions {
  recorder: StatusRecorder;
  /** The dashboard and its JSON form (server_status_path); null when enable_server_status is off. */
  statusPath?: string | null;
  /** Prometheus text (metrics_path); null disables it. */
  metricsPath?: string | null;
  /** Liveness and readiness probes; null disables them. */
  healthPath?: string | null;
  readyPath?: string | null;
  /** status_allow: networks (CIDR) allowed without a token; empty = loopback only. */
  allow?: readonly string[];
  /** health_public: the probes answer every client (true by default); false puts them behind the access rule too. */
  healthPublic?: boolean;
  /** status_token: admits any client sending it as a Bearer token or ?token=. */
  token?: string | null;
  /**
   * Where the figures come from; the recorder's own snapshot by default. A cluster primary passes a
   * function that gathers its workers' snapshots and merges them (mergeSnapshots).
   */
  snapshot?: () => StatusSnapshot | Promise<StatusSnapshot>;
  /**
   * The exchanges for the inspector (statusPath + "/inspector", docs/inspector.md): the process's
   * TraceHub, or in a cluster worker the relay of every worker's (cluster/worker-trace.ts). Without
   * it, or without statusPath, there is no inspector.
   */
  trace?: TraceSource;
}

const ALLOW = 'GET, HEAD, OPTIONS';

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The URL may carry ?token=: never leak it to another site through Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export function statusRoutes(options: StatusRouteOptions): Middleware {
  const recorder = options.recorder;
  const statusPath = options.statusPath === undefined ? '/server-status' : options.statusPath;
  const metricsPath = options.metricsPath === undefined ? '/metrics' : options.metricsPath;
  const healthPath = options.healthPath === undefined ? '/healthz' : options.healthPath;
  const readyPath = options.readyPath === undefined ? '/readyz' : options.readyPath;
  for (const [key, p] of [['server_status_path', statusPath], ['metrics_path', metricsPath]] as const) {
    if (p !== null && !p.startsWith('/')) throw new RangeError(`${key}: ${JSON.stringify(p)} must start with "/"`);
  }
  const guard: AccessGuard = createAccessGuard({ allow: options.allow ?? [], token: options.token ?? null });
  // The paths numbered below this (1 status, 2 metrics, 3 health, 4 ready) are behind the access rule.
  const guardedBelow = options.healthPublic === false ? 5 : 3;
  const snapshot = options.snapshot ?? (() => recorder.snapshot());
  const page = renderDashboard(recorder.name);
  const inspector: Inspector | null =
    statusPath === null || options.trace === undefined
      ? null
      : createInspector({ source: options.trace, path: `${statusPath.replace(/\/+$/, '')}/inspector`, serverName: recorder.name, closing: () => recorder.server?.draining === true });

  const serveStatus = async (req: Request, res: Response): Promise<void> => {
    const format = req.query === '' ? null : new URLSearchParams(req.query).get('format');
    if (format !== null && format !== 'json' && format !== 'html') throw new HttpError(400, 'format must be "json" or "html"');
    noStore(res);
    // The representation depends on Accept unless the query fixes it (RFC 9110 §12.5.5).
    if (format === null) res.setHeader('Vary', 'Accept');
    if (format === 'json' || (format === null && prefersJson(req))) {
      res.json(200, await snapshot());
      return;
    }
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.send(200, page, 'text/html; charset=utf-8');
  };

  const serveMetrics = async (_req: Request, res: Response): Promise<void> => {
    const s = await snapshot();
    noStore(res);
    res.send(200, renderPrometheus(s), PROMETHEUS_CONTENT_TYPE);
  };

  return (req, res, next) => {
    const path = req.path;
    const which = path === statusPath ? 1 : path === metricsPath ? 2 : path === healthPath ? 3 : path === readyPath ? 4 : inspector === null ? 0 : path === inspector.path ? 5 : path === inspector.eventsPath ? 6 : 0;
    if (which === 0) return next();
    // The inspector shows every request's fields (cookies, credentials): always behind the access rule.
    if ((which >= 5 || which < guardedBelow) && !guard(req)) {
      req.trace?.decide('status-hidden');
      throw new HttpError(404, 'Not Found');
    }
    const method = req.method;
    if (method === 'OPTIONS') {
      res.setHeader('Allow', ALLOW);
      res.writeHead(204).end();
      return undefined;
    }
    if (method !== 'GET' && method !== 'HEAD') req.trace?.decide('method-405', ALLOW);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed here`, { headers: { Allow: ALLOW } });
    switch (which) {
      case 1:
        return serveStatus(req, res);
      case 2:
        return serveMetrics(req, res);
      case 5:
        inspector!.page(req, res);
        return undefined;
      case 6:
        inspector!.events(req, res);
        return undefined;
      case 3:
        sendLiveness(req, res);
        return undefined;
      default:
        sendReadiness(req, res, recorder.server);
        return undefined;
    }
  };
}
