// Requests per second for the last few minutes: a fixed ring of one-second buckets. Recording adds
// one to the current second's bucket; moving into a new second clears the buckets skipped since.

export const RATE_SECONDS = 300;

export class RateRing {
  readonly #counts = new Float64Array(RATE_SECONDS);
  #second = -1;

  /** Counts one event at nowSec (whole seconds since the epoch). */
  record(nowSec: number): void {
    if (nowSec !== this.#second) this.#advance(nowSec);
    this.#counts[nowSec % RATE_SECONDS]!++;
  }

  #advance(nowSec: number): void {
    if (this.#second < 0 || nowSec - this.#second >= RATE_SECONDS) this.#counts.fill(0);
    else if (nowSec > this.#second) for (let s = this.#second + 1; s <= nowSec; s++) this.#counts[s % RATE_SECONDS] = 0;
    else return; // the clock stepped back: keep counting into the current bucket
    this.#second = nowSec;
  }

  /**
   * Counts of the complete seconds before nowSec, oldest first (RATE_SECONDS - 1 of them; the
   * current second is still filling and would make the last point dip).
   */
  series(nowSec: number): number[] {
    this.#advance(nowSec);
    const out = new Array<number>(RATE_SECONDS - 1);
    for (let k = 0; k < RATE_SECONDS - 1; k++) {
      const s = nowSec - (RATE_SECONDS - 1) + k;
      out[k] = s < 0 ? 0 : this.#counts[s % RATE_SECONDS]!;
    }
    return out;
  }
}
