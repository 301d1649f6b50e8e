// The in-memory store of token buckets: one Map per rule from key (client address or user name) to
// its Bucket, bounded by `maxKeys`. The Map's insertion order is the recency order: a hit moves the
// key to the end, so the first key is the least recently used and is the one evicted when a new key
// would exceed the bound. An evicted client starts again with a full bucket — the bound trades that
// for memory an attacker with many addresses cannot grow without limit.

import { Bucket, type BucketPolicy, type Decision } from './token-bucket.ts';
import type { CompiledRule, RateLimitStore } from './rate-limit.ts';

export const DEFAULT_MAX_KEYS = 100_000;
const RECENCY_MS = 1000;

export class MemoryBuckets {
  readonly #policy: BucketPolicy;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  #evictions = 0;

  constructor(policy: BucketPolicy, maxKeys = DEFAULT_MAX_KEYS) {
    if (!(maxKeys >= 1)) throw new RangeError('maxKeys must be at least 1');
    this.#policy = policy;
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#buckets.size;
  }

  get evictions(): number {
    return this.#evictions;
  }

  /** Takes a token for `key` at `now` (ms, monotonic) and fills `out`. */
  take(key: string, now: number, out: Decision): Decision {
    const buckets = this.#buckets;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= this.#maxKeys) {
        // The oldest key is the first in insertion order.
        const oldest = buckets.keys().next().value as string;
        buckets.delete(oldest);
        this.#evictions++;
      }
      bucket = new Bucket(this.#policy, now);
      buckets.set(key, bucket);
    } else if (now - bucket.seenAt >= RECENCY_MS) {
      // Move to the end: most recently used. At most once a second per key: a busy client does not
      // pay a delete and an insert per request, and eviction order is exact to within that second.
      bucket.seenAt = now;
      buckets.delete(key);
      buckets.set(key, bucket);
    }
    return bucket.take(this.#policy, now, out);
  }
}

export interface MemoryStoreOptions {
  /** Most keys per rule (least recently used evicted beyond). */
  maxKeys?: number;
  /**
   * The share of each budget this process holds: 1 alone; 1/N for each of N cluster workers, so the
   * sum over the workers never exceeds the budget (see docs/rate-limiting.md for the trade-off).
   */
  share?: number;
}

/** The default store: buckets in this process's memory. */
export class MemoryStore implements RateLimitStore {
  readonly #buckets: MemoryBuckets[];

  constructor(rules: readonly CompiledRule[], options: MemoryStoreOptions = {}) {
    const share = options.share ?? 1;
    this.#buckets = rules.map((rule) => new MemoryBuckets(shareOf(rule.policy, share), options.maxKeys));
  }

  /** Keys held for a rule (the status of the bound, for tests and metrics). */
  keys(rule: number): number {
    return this.#buckets[rule]?.size ?? 0;
  }

  take(rule: CompiledRule, key: string, out: Decision, now: number): Decision {
    return this.#buckets[rule.index]!.take(key, now, out);
  }

  async close(): Promise<void> {}
}

/** A policy scaled to a share of its budget (capacity and refill alike). */
export function shareOf(policy: BucketPolicy, share: number): BucketPolicy {
  return share === 1 ? policy : { capacity: policy.capacity * share, perMs: policy.perMs * share };
}
