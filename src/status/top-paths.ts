// The busiest paths in bounded memory: the space-saving algorithm (Metwally, Agrawal, El Abbadi,
// "Efficient Computation of Frequent and Top-k Elements in Data Streams", 2005). It keeps at most
// `capacity` counters; an unseen path takes over the smallest counter and inherits its count as an
// over-estimate (kept as `error`). Any path more frequent than total/capacity is guaranteed to be
// present, so a flood of distinct URLs cannot grow memory or push out the real hot paths.

/** Paths longer than this are cut; the tail of a huge URL is not worth remembering. */
export const MAX_PATH_CHARS = 200;

export interface PathCount {
  path: string;
  count: number;
  /** Upper bound of the over-count inherited from an evicted path (0 = exact). */
  error: number;
}

export class TopPaths {
  readonly capacity: number;
  readonly #index = new Map<string, number>();
  readonly #paths: string[] = [];
  readonly #counts: Float64Array;
  readonly #errors: Float64Array;

  constructor(capacity = 64) {
    this.capacity = capacity;
    this.#counts = new Float64Array(capacity);
    this.#errors = new Float64Array(capacity);
  }

  record(rawPath: string): void {
    const path = rawPath.length > MAX_PATH_CHARS ? rawPath.slice(0, MAX_PATH_CHARS) : rawPath;
    const slot = this.#index.get(path);
    if (slot !== undefined) {
      this.#counts[slot]!++;
      return;
    }
    const used = this.#paths.length;
    if (used < this.capacity) {
      this.#index.set(path, used);
      this.#paths.push(path);
      this.#counts[used] = 1;
      return;
    }
    let min = 0;
    const counts = this.#counts;
    for (let i = 1; i < used; i++) if (counts[i]! < counts[min]!) min = i;
    this.#index.delete(this.#paths[min]!);
    this.#index.set(path, min);
    this.#paths[min] = path;
    this.#errors[min] = counts[min]!;
    counts[min]!++;
  }

  /** The n largest counters, largest first. */
  top(n: number): PathCount[] {
    const all: PathCount[] = this.#paths.map((path, i) => ({ path, count: this.#counts[i]!, error: this.#errors[i]! }));
    all.sort((a, b) => b.count - a.count || (a.path < b.path ? -1 : 1));
    return all.slice(0, n);
  }

  get size(): number {
    return this.#paths.length;
  }
}
