// Latency with fixed memory, two ways:
//
// - LatencyWindow: percentiles (p50/p90/p99) over a sliding window. Each 5-second slot of a ring
//   holds a histogram of log-spaced buckets (each 15% wider than the last, from 10 µs to ~2 min), so
//   a percentile is accurate to within about 7.5% and merging workers is adding counts.
// - DurationHistogram: the Prometheus histogram, cumulative since start, with the usual latency
//   buckets (seconds) per method label.
//
// Recording is a few arithmetic operations on typed arrays: no allocation per request.

export const FINE_MIN_MS = 0.01;
export const FINE_GROWTH = 1.15;
export const FINE_BUCKETS = 120;

/** Upper bound (ms) of fine bucket i; bucket 0 holds everything up to FINE_MIN_MS. */
export function fineUpperMs(i: number): number {
  return FINE_MIN_MS * FINE_GROWTH ** i;
}

const FINE_BOUNDS = Float64Array.from({ length: FINE_BUCKETS }, (_, i) => fineUpperMs(i));

/** The fine bucket of a latency: the first whose upper bound is ≥ ms (binary search, no log). */
export function fineIndex(ms: number): number {
  if (!(ms > FINE_MIN_MS)) return 0;
  const bounds = FINE_BOUNDS;
  let lo = 1;
  let hi = FINE_BUCKETS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The q-quantile of a bucketed distribution: [upperBoundMs, count] pairs sorted by bound. */
export function quantileMs(buckets: ReadonlyArray<readonly [number, number]>, total: number, q: number): number {
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (const [upper, count] of buckets) {
    if (seen + count >= rank && count > 0) {
      // Linear interpolation inside the bucket.
      const within = (rank - seen) / count;
      return lower + (upper - lower) * within;
    }
    seen += count;
    lower = upper;
  }
  return lower;
}

export const WINDOW_SLOT_SECONDS = 5;
export const WINDOW_SLOTS = 12; // 60 s

export class LatencyWindow {
  readonly #counts = new Uint32Array(WINDOW_SLOTS * FINE_BUCKETS);
  readonly #epochs = new Float64Array(WINDOW_SLOTS).fill(-1);
  readonly #sums = new Float64Array(WINDOW_SLOTS);
  readonly #maxes = new Float64Array(WINDOW_SLOTS);
  readonly #totals = new Uint32Array(WINDOW_SLOTS);

  /** Records one latency (ms) at time nowSec (seconds since the epoch, may be fractional). */
  record(ms: number, nowSec: number): void {
    const epoch = Math.floor(nowSec / WINDOW_SLOT_SECONDS);
    const slot = epoch % WINDOW_SLOTS;
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch;
      this.#counts.fill(0, slot * FINE_BUCKETS, (slot + 1) * FINE_BUCKETS);
      this.#sums[slot] = 0;
      this.#maxes[slot] = 0;
      this.#totals[slot] = 0;
    }
    this.#counts[slot * FINE_BUCKETS + fineIndex(ms)]!++;
    this.#sums[slot]! += ms;
    this.#totals[slot]!++;
    if (ms > this.#maxes[slot]!) this.#maxes[slot] = ms;
  }

  /** The window ending at nowSec: non-empty buckets, count, sum and max. */
  summary(nowSec: number): { buckets: Array<[number, number]>; count: number; sumMs: number; maxMs: number } {
    const current = Math.floor(nowSec / WINDOW_SLOT_SECONDS);
    const merged = new Float64Array(FINE_BUCKETS);
    let count = 0;
    let sumMs = 0;
    let maxMs = 0;
    for (let s = 0; s < WINDOW_SLOTS; s++) {
      const epoch = this.#epochs[s]!;
      if (epoch < 0 || current - epoch >= WINDOW_SLOTS || epoch > current) continue;
      for (let i = 0; i < FINE_BUCKETS; i++) merged[i]! += this.#counts[s * FINE_BUCKETS + i]!;
      count += this.#totals[s]!;
      sumMs += this.#sums[s]!;
      if (this.#maxes[s]! > maxMs) maxMs = this.#maxes[s]!;
    }
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < FINE_BUCKETS; i++) if (merged[i]! > 0) buckets.push([roundBound(fineUpperMs(i)), merged[i]!]);
    return { buckets, count, sumMs, maxMs };
  }
}

/** Bounds rounded to 6 significant digits, so JSON stays short and merging by bound is exact. */
function roundBound(ms: number): number {
  return Number(ms.toPrecision(6));
}

/** Prometheus buckets in seconds: 0.5 ms to 10 s (le="+Inf" is implied). */
export const DURATION_BOUNDS_SECONDS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class DurationHistogram {
  readonly #rows: number;
  readonly #width = DURATION_BOUNDS_SECONDS.length + 1; // + the +Inf bucket
  // Per row (label value): per-bucket counts (not cumulative), then sum and count kept apart.
  readonly #counts: Float64Array;
  readonly #sums: Float64Array;
  readonly #totals: Float64Array;

  constructor(rows: number) {
    this.#rows = rows;
    this.#counts = new Float64Array(rows * this.#width);
    this.#sums = new Float64Array(rows);
    this.#totals = new Float64Array(rows);
  }

  record(row: number, seconds: number): void {
    const bounds = DURATION_BOUNDS_SECONDS;
    let i = 0;
    // Most requests are fast: a forward scan stops in the first few buckets.
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.#counts[row * this.#width + i]!++;
    this.#sums[row]! += seconds;
    this.#totals[row]!++;
  }

  row(row: number): { counts: number[]; sum: number; count: number } {
    const start = row * this.#width;
    return { counts: Array.from(this.#counts.subarray(start, start + this.#width)), sum: this.#sums[row]!, count: this.#totals[row]! };
  }

  get rows(): number {
    return this.#rows;
  }
}
