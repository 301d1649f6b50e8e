// Active health checks: every `intervalMs`, a GET of `path` to each backend on a connection of its
// own (never a pooled one: a check must see whether a new connection works). `fall` failures in a
// row (a refused connection, a timeout, a status other than the expected one) mark the backend
// unhealthy; `rise` successes in a row bring it back. Timers are unref'd: checks never keep the
// process alive, and stop() ends them.

import type { Backend } from './backend.ts';
import { UpstreamConnection } from './upstream-connection.ts';

export interface HealthCheckOptions {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  /** Statuses that count as healthy: one code, or a class written as 200 (exact) / "2xx". */
  expect: (status: number) => boolean;
  rise: number;
  fall: number;
  ca?: string | Buffer | undefined;
  /** Host sent with the check (the backend's authority when absent). */
  host?: string | undefined;
  /** Called when a backend changes state (log lines). */
  onChange?: (backend: Backend, healthy: boolean, reason: string) => void;
}

interface CheckState {
  okInARow: number;
  failInARow: number;
  inFlight: boolean;
}

export class HealthChecker {
  readonly #backends: readonly Backend[];
  readonly #options: HealthCheckOptions;
  readonly #state = new Map<Backend, CheckState>();
  #timer: NodeJS.Timeout | null = null;

  constructor(backends: readonly Backend[], options: HealthCheckOptions) {
    this.#backends = backends;
    this.#options = options;
    for (const b of backends) this.#state.set(b, { okInARow: 0, failInARow: 0, inFlight: false });
  }

  start(): void {
    if (this.#timer !== null) return;
    this.checkAll();
    this.#timer = setInterval(() => this.checkAll(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One round of checks (also called by tests). */
  checkAll(): void {
    for (const b of this.#backends) this.#check(b);
  }

  #check(backend: Backend): void {
    const state = this.#state.get(backend)!;
    if (state.inFlight) return;
    state.inFlight = true;
    const o = this.#options;
    let settled = false;
    const done = (ok: boolean, reason: string): void => {
      if (settled) return;
      settled = true;
      state.inFlight = false;
      conn.socket.destroy();
      if (ok) {
        state.failInARow = 0;
        if (++state.okInARow >= o.rise && !backend.healthy) {
          backend.healthy = true;
          o.onChange?.(backend, true, reason);
        }
      } else {
        state.okInARow = 0;
        if (++state.failInARow >= o.fall && backend.healthy) {
          backend.healthy = false;
          o.onChange?.(backend, false, reason);
        }
      }
    };
    const conn = UpstreamConnection.open(backend.target, { connectTimeoutMs: o.timeoutMs, ca: o.ca }, (error) => {
      if (error !== null) return done(false, error.message);
      let status = 0;
      conn.exchange(
        { head: `GET ${o.path} HTTP/1.1\r\nHost: ${o.host ?? backend.target.authority}\r\nUser-Agent: httpcraft-health-check\r\nConnection: close\r\n\r\n`, method: 'GET', body: null, chunked: false, timeoutMs: o.timeoutMs },
        {
          onInform: () => {},
          onHead: (head) => {
            status = head.status;
          },
          onData: () => {},
          onEnd: () => done(o.expect(status), `GET ${o.path} answered ${status}`),
          onError: (e) => done(false, e.message),
        },
      );
    });
  }
}
