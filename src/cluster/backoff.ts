// When to restart a worker that keeps crashing. The first crash of a healthy worker is replaced at
// once (a request of death should cost one process, not capacity); repeated crashes wait
// exponentially longer, so a worker that dies at start-up does not spin the CPU at fork speed and
// flood the log. A worker that stays up for `stableMs` is healthy again and its count starts over.

export interface BackoffPolicy {
  /** Delay before the second consecutive restart; doubles for each one after. */
  initialMs: number;
  maxMs: number;
  /** Uptime after which a worker counts as healthy and the crash count resets. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = { initialMs: 500, maxMs: 30_000, stableMs: 10_000 };

/** Delay before restart number `consecutive` (1 = the first crash after a healthy run). */
export function restartDelayMs(consecutive: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (consecutive <= 1) return 0;
  // 2^(n-2) grows past any cap long before it overflows; clamp the exponent anyway.
  const factor = 2 ** Math.min(consecutive - 2, 30);
  return Math.min(policy.maxMs, policy.initialMs * factor);
}

/** Tracks one worker slot's crash streak. */
export class CrashTracker {
  readonly #policy: BackoffPolicy;
  #consecutive = 0;
  #restarts = 0;

  constructor(policy: BackoffPolicy = DEFAULT_BACKOFF) {
    this.#policy = policy;
  }

  /** Total replacements after crashes (shown per worker). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Crashes in a row without a stable run in between. */
  get consecutive(): number {
    return this.#consecutive;
  }

  /** Records a crash of a worker that had been up `uptimeMs`; returns the delay before its replacement. */
  crashed(uptimeMs: number): number {
    if (uptimeMs >= this.#policy.stableMs) this.#consecutive = 0;
    this.#consecutive++;
    this.#restarts++;
    return restartDelayMs(this.#consecutive, this.#policy);
  }

  /** The worker in this slot has been up long enough to count as healthy. */
  stable(): void {
    this.#consecutive = 0;
  }
}
