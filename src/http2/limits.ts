// Every bound the HTTP/2 server session keeps on a peer, in one table: its default and the attack or
// resource it bounds. A limit passed ends in a stream reset or in GOAWAY ENHANCE_YOUR_CALM, never in
// unbounded memory or CPU. Rates are token buckets: `burst` events at once, refilled at `perSecond`
// by the clock the IO shell passes in (session.now), so a long, well-behaved connection never trips.

export interface RateLimit {
  burst: number;
  perSecond: number;
}

export interface SessionLimits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise; streams beyond it get RST_STREAM REFUSED_STREAM (§5.1.2). */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we advertise (≥ 65535): request-body bytes in flight per stream. */
  initialWindowSize: number;
  /** Our connection receive window (≥ 65535, raised by a WINDOW_UPDATE at start): body bytes in flight per connection. */
  connectionWindowSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce (HPACK bombs): past it the request gets 431. */
  maxHeaderListSize: number;
  /** Fields in one header list: past it the request gets 431 (CPU per request). */
  maxHeaderFields: number;
  /** Bytes of one field block buffered before END_HEADERS (CONTINUATION flood, CVE-2024-27316). */
  maxHeaderBlockBytes: number;
  /** CONTINUATION frames in one field block (CVE-2024-27316). */
  maxContinuationFrames: number;
  /** Streams reset by the client, and stream errors it provokes (rapid reset, CVE-2023-44487). */
  resetRate: RateLimit;
  /** SETTINGS frames (each costs us work and an ACK: SETTINGS flood, CVE-2019-9515). */
  settingsRate: RateLimit;
  /** PING frames (each costs an ACK: ping flood, CVE-2019-9512). */
  pingRate: RateLimit;
  /** DATA frames with no payload and no END_STREAM (empty frames flood, CVE-2019-9518). */
  emptyDataRate: RateLimit;
  /** WINDOW_UPDATE frames (each may wake the scheduler: window update flood). */
  windowUpdateRate: RateLimit;
  /** PRIORITY frames, which we ignore (resource loop, CVE-2019-9513: bounded even so). */
  priorityRate: RateLimit;
  /** Control frames (ACKs, RST_STREAM, WINDOW_UPDATE) queued while the client does not read (CVE-2019-9512/9514/9515). */
  maxQueuedControlFrames: number;
  /** Closed streams remembered so that their late frames are ignored, not errors (§5.1 "closed"). */
  closedStreamMemory: number;
}

export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = Object.freeze({
  maxConcurrentStreams: 100,
  initialWindowSize: 262_144,
  connectionWindowSize: 1_048_576,
  maxHeaderListSize: 65_536,
  maxHeaderFields: 256,
  maxHeaderBlockBytes: 65_536,
  maxContinuationFrames: 8,
  // A browser cancelling a page's requests stays far below; an open-and-reset flood of thousands a
  // second trips it within a second (nghttp2's own bucket since its fix is of this order).
  resetRate: Object.freeze({ burst: 1000, perSecond: 33 }),
  settingsRate: Object.freeze({ burst: 100, perSecond: 10 }),
  pingRate: Object.freeze({ burst: 100, perSecond: 10 }),
  emptyDataRate: Object.freeze({ burst: 100, perSecond: 10 }),
  windowUpdateRate: Object.freeze({ burst: 10_000, perSecond: 10_000 }),
  priorityRate: Object.freeze({ burst: 10_000, perSecond: 1000 }),
  // The order of nghttp2's outbound-queue flood limit (NGHTTP2_DEFAULT_MAX_OBQ_FLOOD_ITEM).
  maxQueuedControlFrames: 1000,
  closedStreamMemory: 200,
});

/** Checks user-given limits (our values, so a bad one is a RangeError at start-up, not a peer's fault). */
export function resolveLimits(given: Partial<SessionLimits> = {}): SessionLimits {
  const l: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...given };
  const int = (name: keyof SessionLimits, min: number, max = 0x7fff_ffff): void => {
    const v = l[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`HTTP/2 limit ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  };
  int('maxConcurrentStreams', 1);
  int('initialWindowSize', 65_535);
  int('connectionWindowSize', 65_535);
  int('maxHeaderListSize', 1);
  int('maxHeaderFields', 1);
  int('maxHeaderBlockBytes', 1);
  int('maxContinuationFrames', 0);
  int('maxQueuedControlFrames', 1);
  int('closedStreamMemory', 0);
  for (const name of ['resetRate', 'settingsRate', 'pingRate', 'emptyDataRate', 'windowUpdateRate', 'priorityRate'] as const) {
    const r = l[name];
    if (!(Number.isFinite(r.burst) && r.burst >= 1 && Number.isFinite(r.perSecond) && r.perSecond >= 0)) {
      throw new RangeError(`HTTP/2 limit ${name} needs burst ≥ 1 and perSecond ≥ 0`);
    }
  }
  return l;
}

/** A token bucket on the caller's clock: take() is false once the bucket is empty. */
export class RateBucket {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #at: number;

  constructor(limit: RateLimit, now: number) {
    this.#burst = limit.burst;
    this.#perMs = limit.perSecond / 1000;
    this.#tokens = limit.burst;
    this.#at = now;
  }

  take(now: number): boolean {
    if (now > this.#at) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
      this.#at = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
