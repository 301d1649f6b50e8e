// The token bucket: `burst` tokens at most, refilled continuously at `count` tokens per `windowSeconds`;
// a request takes one token or is refused. It allows short bursts up to `burst` and, over time,
// exactly the configured rate — the classic algorithm (as in nginx's limit_req with burst, minus the
// queueing: a refused request is answered 429 at once rather than delayed).
//
// The state is two numbers (tokens, last update) and the clock is injected, so the arithmetic is
// tested without waiting; the memory store keeps one Bucket per key, the Redis script the same two
// numbers in a hash.

/** A parsed `rate`: `count` requests per `windowSeconds`. */
export interface Rate {
  readonly count: number;
  readonly windowSeconds: number;
}

/** The parameters of one rule's buckets (derived once from the config). */
export interface BucketPolicy {
  /** Tokens the bucket holds at most (burst). */
  readonly capacity: number;
  /** Refill per millisecond. */
  readonly perMs: number;
}

/**
 * One decision: whether the request may go on, and what the RateLimit fields tell the client.
 * Stores fill one object per call site and return it (no allocation per request in memory).
 */
export interface Decision {
  allowed: boolean;
  /** Whole tokens left after this request (the RateLimit field's r). */
  remaining: number;
  /** Seconds until the bucket is full again, rounded up (the RateLimit field's t). */
  resetSeconds: number;
  /** Seconds until one token is back, rounded up, at least 1 (Retry-After on a 429). */
  retryAfterSeconds: number;
}

export const newDecision = (): Decision => ({ allowed: true, remaining: 0, resetSeconds: 0, retryAfterSeconds: 0 });

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600, d: 86400, day: 86400 };

/** "100/min", "5/s", "1000/hour", "10/5min" (a count per optional multiple of a unit); null when malformed. */
export function parseRate(text: string): Rate | null {
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*([a-z]+?)s?\s*$/i.exec(text);
  if (m === null) return null;
  const count = Number(m[1]);
  const unit = UNIT_SECONDS[m[3]!.toLowerCase()];
  const times = m[2] === '' ? 1 : Number(m[2]);
  if (unit === undefined || count < 1 || !Number.isSafeInteger(count) || times < 1) return null;
  return { count, windowSeconds: unit * times };
}

export function bucketPolicy(rate: Rate, burst: number): BucketPolicy {
  return { capacity: burst, perMs: rate.count / (rate.windowSeconds * 1000) };
}

export class Bucket {
  tokens: number;
  updatedAt: number;
  /** When the memory store last moved this bucket to the recent end (its LRU order). */
  seenAt: number;

  constructor(policy: BucketPolicy, now: number) {
    this.tokens = policy.capacity;
    this.updatedAt = now;
    this.seenAt = now;
  }

  /** Refills for the time passed, then takes one token if there is one; fills `out`. */
  take(policy: BucketPolicy, now: number, out: Decision): Decision {
    const elapsed = now - this.updatedAt;
    // A clock that steps back (it should not: callers pass a monotonic one) refills nothing.
    if (elapsed > 0) {
      this.tokens = Math.min(policy.capacity, this.tokens + elapsed * policy.perMs);
      this.updatedAt = now;
    }
    return fillDecision(policy, this, out);
  }
}

/** Takes one token from `state` if it holds one, and fills `out`. */
export function fillDecision(policy: BucketPolicy, state: { tokens: number }, out: Decision): Decision {
  const allowed = state.tokens >= 1 - EPSILON;
  if (allowed) state.tokens = Math.max(0, state.tokens - 1);
  return describeDecision(policy, allowed, state.tokens, out);
}

/** The client-facing figures for a bucket left with `tokens` after the decision (the Redis script's reply too). */
export function describeDecision(policy: BucketPolicy, allowed: boolean, tokens: number, out: Decision): Decision {
  out.allowed = allowed;
  out.retryAfterSeconds = allowed ? 0 : Math.max(1, ceilSeconds((1 - tokens) / policy.perMs));
  out.remaining = Math.floor(tokens + EPSILON);
  out.resetSeconds = ceilSeconds((policy.capacity - tokens) / policy.perMs);
  return out;
}

// Refill arithmetic in floating point leaves crumbs (12000.000000000002 ms): rounding up must not
// turn them into a whole extra second, nor rounding down lose a token that is really there.
const EPSILON = 1e-9;

/** Milliseconds to whole seconds, rounded up (Retry-After is delay-seconds, RFC 9110 §10.2.3). */
export function ceilSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000 - EPSILON);
}
