// The keep-alive pool of one backend: idle connections kept for reuse (at most `maxIdle`, each for
// `idleTimeoutMs` and `maxRequests` exchanges), new ones opened on demand. Like nginx's upstream
// `keepalive`, the bound is on connections kept idle, not on connections in use: a burst opens what
// it needs and the surplus is closed once it has come back.
//
// Unlike nginx, the surplus is not closed the moment it comes back but after SURPLUS_GRACE_MS idle.
// With more requests in flight than maxIdle (50 keep-alive clients, keepalive 32), answers arrive in
// bursts: a loop turn hands back more connections than maxIdle before the next requests take them,
// and closing the extra ones at once meant reopening as many a moment later. In the proxy benchmark
// that churn cost a third of the CLI's CPU per request (113 against 82 µs with a pool large enough);
// a connection reused within a second is not surplus.

import { UpstreamConnection, type ConnectOptions, type UpstreamError } from './upstream-connection.ts';
import type { UpstreamTarget } from './upstream-target.ts';
import { loopNow } from '../server/loop-clock.ts';

/** How long a connection past maxIdle may stay idle before it is closed (see above). */
export const SURPLUS_GRACE_MS = 1000;

export interface PoolOptions extends ConnectOptions {
  /** Idle connections kept (0: a new connection per request). */
  maxIdle: number;
  idleTimeoutMs: number;
  /** Exchanges per connection before it is closed (0: no limit). */
  maxRequests: number;
}

export class ConnectionPool {
  readonly target: UpstreamTarget;
  readonly #options: PoolOptions;
  readonly #reusingOptions: PoolOptions;
  // Most recently returned last: reuse the warmest connection, let the oldest time out.
  #idle: UpstreamConnection[] = [];
  #open = 0;
  #closed = false;
  // Closes the connections idle past idleTimeoutMs, and the surplus beyond maxIdle past
  // SURPLUS_GRACE_MS: one timer for the pool, armed for the oldest (at #sweepAt, loop-clock ms).
  #sweep: NodeJS.Timeout | null = null;
  #sweepAt = 0;
  /** Connections opened over the pool's life (figures). */
  opened = 0;

  constructor(target: UpstreamTarget, options: PoolOptions) {
    this.target = target;
    this.#options = options;
    this.#reusingOptions = { ...options, reuseReadBuffer: true };
  }

  /** Open connections, idle and busy. */
  get openConnections(): number {
    return this.#open;
  }

  get idleConnections(): number {
    return this.#idle.length;
  }

  /**
   * A connection ready for an exchange: an idle one, else a new one (`fresh` skips the idle ones).
   * New connections read into a reused buffer of their own, except a `detachable` one (for an
   * Upgrade, whose socket a tunnel may take over): always new, and reading the usual way.
   */
  acquire(callback: (error: UpstreamError | null, conn: UpstreamConnection | null) => void, fresh = false, detachable = false): void {
    while (!fresh && !detachable && this.#idle.length > 0) {
      const conn = this.#idle.pop()!;
      if (conn.idle) {
        callback(null, conn);
        return;
      }
    }
    this.opened++;
    this.#open++;
    const conn = UpstreamConnection.open(this.target, detachable ? this.#options : this.#reusingOptions, (error) => (error === null ? callback(null, conn) : callback(error, null)));
    conn.setPoolHooks(
      (c) => this.#giveBack(c),
      (c) => this.#forget(c),
    );
  }

  /** Closes every idle connection and keeps none from now on. */
  close(): void {
    this.#closed = true;
    if (this.#sweep !== null) clearTimeout(this.#sweep);
    this.#sweep = null;
    for (const conn of this.#idle) conn.socket.destroy();
    this.#idle = [];
  }

  #giveBack(conn: UpstreamConnection): void {
    const max = this.#options.maxRequests;
    if (this.#closed || this.#options.maxIdle === 0 || (max > 0 && conn.exchanges >= max)) {
      conn.socket.destroy();
      return;
    }
    conn.idleSince = loopNow();
    this.#idle.push(conn);
    this.#armSweep();
  }

  /** How long the oldest idle connection may stay idle: idleTimeoutMs, or only the grace while more
   * than maxIdle are idle (it is surplus). */
  #allowedIdleMs(): number {
    const timeout = this.#options.idleTimeoutMs;
    return this.#idle.length > this.#options.maxIdle ? Math.min(timeout, SURPLUS_GRACE_MS) : timeout;
  }

  /** Arms the pool's one timer for the oldest idle connection (first in #idle: they are pushed in
   * turn), earlier than it was armed if that connection has just become surplus. */
  #armSweep(): void {
    if (this.#idle.length === 0) return;
    const at = this.#idle[0]!.idleSince + this.#allowedIdleMs();
    if (this.#sweep !== null) {
      if (this.#sweepAt <= at) return;
      clearTimeout(this.#sweep);
    }
    this.#sweepAt = at;
    this.#sweep = setTimeout(this.#onSweep, Math.max(0, at - loopNow()));
    this.#sweep.unref();
  }

  readonly #onSweep = (): void => {
    this.#sweep = null;
    const now = performance.now();
    // Oldest first (those reused since are no longer in #idle): past idleTimeoutMs, or past the
    // grace while they are surplus.
    while (this.#idle.length > 0 && this.#idle[0]!.idleSince + this.#allowedIdleMs() <= now) this.#idle.shift()!.socket.destroy();
    this.#armSweep();
  };

  #forget(conn: UpstreamConnection): void {
    this.#open--;
    const i = this.#idle.indexOf(conn);
    if (i !== -1) this.#idle.splice(i, 1);
  }
}
