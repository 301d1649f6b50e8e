// One backend of a proxy route: its pool, its weight, what passive and active health say of it, and
// the figures the status page and /metrics show.
//
// Passive health (nginx's max_fails / fail_timeout): `maxFails` failures in a row (connect refused,
// timeout, garbage) take the backend out for `failTimeoutMs`; after that one request is let through
// as a probe, and a failure of it takes the backend out again at once. Active health (health-check.ts)
// sets `healthy`; a backend is picked only when both allow it.

import { ConnectionPool, type PoolOptions } from './pool.ts';
import type { UpstreamTarget } from './upstream-target.ts';
import type { UpstreamBackendFigures } from '../status/sources.ts';

/** A backend's figures, as the status page shows them (the shape is the status module's). */
export type BackendFigures = UpstreamBackendFigures;

export class Backend {
  readonly target: UpstreamTarget;
  readonly weight: number;
  readonly pool: ConnectionPool;
  /** Exchanges in flight (least_connections reads it). */
  active = 0;
  requests = 0;
  failures = 0;
  retries = 0;
  readonly responses = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  /** Set by the active health check; true when there is none. */
  healthy = true;
  /** Smooth weighted round robin's running weight (round-robin.ts). */
  currentWeight = 0;
  #failsInARow = 0;
  #downUntil = 0;
  readonly #maxFails: number;
  readonly #failTimeoutMs: number;

  constructor(target: UpstreamTarget, weight: number, pool: PoolOptions, maxFails: number, failTimeoutMs: number) {
    this.target = target;
    this.weight = weight;
    this.pool = new ConnectionPool(target, pool);
    this.#maxFails = maxFails;
    this.#failTimeoutMs = failTimeoutMs;
  }

  /** Whether a request may go here now. */
  available(now: number): boolean {
    return this.healthy && now >= this.#downUntil;
  }

  /** The backend answered (any status: a 500 is an answer, not a transport failure). */
  succeeded(status: number): void {
    this.#failsInARow = 0;
    const cls = status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';
    this.responses[cls]++;
  }

  /** The exchange failed at the transport or protocol level. */
  failed(now: number): void {
    this.failures++;
    this.#failsInARow++;
    if (this.#maxFails > 0 && this.#failsInARow >= this.#maxFails) {
      this.#downUntil = now + this.#failTimeoutMs;
      // One more failure after the back-off takes it out again straight away (a probe, not N).
      this.#failsInARow = this.#maxFails - 1;
    }
  }

  figures(now: number): BackendFigures {
    return {
      url: this.target.url,
      weight: this.weight,
      state: !this.healthy ? 'unhealthy' : now < this.#downUntil ? 'down' : 'up',
      active: this.active,
      requests: this.requests,
      failures: this.failures,
      retries: this.retries,
      openConnections: this.pool.openConnections,
      idleConnections: this.pool.idleConnections,
      responses: { ...this.responses },
    };
  }
}
