// Liveness and readiness for load balancers and orchestrators. /healthz says the process answers
// (it is alive if it can say so). /readyz says it should be sent traffic: the listener is accepting
// and the server is not draining for shutdown; otherwise 503, so a balancer moves traffic away
// while in-flight requests finish.

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { prefersJson } from '../app/error-response.ts';

/** What readiness looks at; HttpServer fits. */
export interface ReadinessSource {
  readonly listening: boolean;
  readonly draining: boolean;
}

export function readiness(server: ReadinessSource | null): { ready: boolean; reason: string } {
  if (server === null) return { ready: false, reason: 'not attached to a server' };
  if (server.draining) return { ready: false, reason: 'draining' };
  if (!server.listening) return { ready: false, reason: 'not accepting connections' };
  return { ready: true, reason: 'ready' };
}

function answer(req: Request, res: Response, status: number, text: string): void {
  // Probes must never be answered from a cache.
  res.setHeader('Cache-Control', 'no-store');
  if (prefersJson(req)) res.json(status, { status: text });
  else res.send(status, text + '\n');
}

export function sendLiveness(req: Request, res: Response): void {
  answer(req, res, 200, 'ok');
}

export function sendReadiness(req: Request, res: Response, server: ReadinessSource | null): void {
  const r = readiness(server);
  if (!r.ready) res.setHeader('Retry-After', '5');
  answer(req, res, r.ready ? 200 : 503, r.reason);
}
