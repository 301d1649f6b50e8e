// Failed sign-ins per client address, in a fixed window from the first failure: past maxFailures
// the address is refused (429) until the window ends, before any hash is computed, so a brute-force
// run costs the attacker time and the server nothing. Bounded: the oldest addresses are forgotten.

import { BoundedMap } from './bounded-map.ts';

const MAX_ADDRESSES = 10_000;

interface Window {
  count: number;
  startMs: number;
}

export class FailureCounter {
  readonly #windows = new BoundedMap<string, Window>(MAX_ADDRESSES);
  readonly #maxFailures: number;
  readonly #windowMs: number;

  constructor(maxFailures: number, windowMs: number) {
    this.#maxFailures = maxFailures;
    this.#windowMs = windowMs;
  }

  /** Seconds the address must wait (Retry-After), or 0 when it may try. */
  retryAfter(address: string, nowMs: number): number {
    const w = this.#windows.get(address);
    if (w === undefined || w.count < this.#maxFailures) return 0;
    const left = w.startMs + this.#windowMs - nowMs;
    if (left <= 0) {
      this.#windows.delete(address);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  record(address: string, nowMs: number): void {
    const w = this.#windows.get(address);
    if (w === undefined || nowMs - w.startMs >= this.#windowMs) this.#windows.set(address, { count: 1, startMs: nowMs });
    else w.count++;
  }
}
