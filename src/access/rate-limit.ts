// The rate-limit middleware: the first rule whose path glob matches decides (first match, like
// cache_control and the access rules: one rule per request keeps a budget predictable — a request is
// never charged to two buckets). Its bucket is the client's address (per "ip", as resolved through
// trusted_proxies) or the signed-in user (per "user"; req.local('user') set by authentication, the
// address when nobody signed in, so anonymous clients are still limited).
//
// Every response under a rule carries the IETF httpapi fields (draft-ietf-httpapi-ratelimit-headers-10
// §3/§4, unchanged in -11): `RateLimit-Policy: "rule1";q=100;w=60` (the quota per window) and
// `RateLimit: "rule1";r=42;t=17` (requests left, seconds until the bucket is full again). A request
// with no token left gets 429 (RFC 6585 §4) with Retry-After: the seconds until one token is back.
//
// No rules: no middleware at all (decided at start-up). With rules, a request costs the rule scan,
// one Map lookup in the memory store, and the RateLimit field's string.

import type { Middleware } from '../app/pipeline.ts';
import { HttpError } from '../app/http-error.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { pathGlobMatcher } from '../static/cache-control.ts';
import { rulePath } from './path-rules.ts';
import { clientAddressOf } from './client-address.ts';
import type { RateLimitRule } from './rate-limit-rules.ts';
import { bucketPolicy, newDecision, parseRate, type BucketPolicy, type Decision } from './token-bucket.ts';

/** One compiled rule, as stores see it. */
export interface CompiledRule {
  readonly index: number;
  readonly name: string;
  readonly per: 'ip' | 'user';
  readonly policy: BucketPolicy;
  /** The rate in words ("5 per 60 s"), for the trace. */
  readonly rate: string;
  readonly matches: (urlPath: string) => boolean;
  /** "/**" or "**": every path, so the path need not even be decoded. */
  readonly matchesAll: boolean;
  /** ['RateLimit-Policy', its value], built once and frozen: appended as is (checked once by the response). */
  readonly policyLine: readonly string[];
  /** `"name";r=` — the RateLimit field's fixed head. */
  readonly fieldHead: string;
  /** RateLimit fields made for this rule, by (remaining, reset): see rateLimitField. */
  readonly fieldCache: Map<number, readonly string[]>;
}

/**
 * Where buckets live. `take` fills `out` and returns it (memory: synchronously), or a promise of a
 * decision (Redis); null means the store could not decide and lets the request through (fail open).
 */
export interface RateLimitStore {
  /** `now`: monotonic milliseconds (the request's arrival, already read: no clock call of its own). */
  take(rule: CompiledRule, key: string, out: Decision, now: number): Decision | null | Promise<Decision | null>;
  close(): Promise<void>;
}

export function compileRules(rules: readonly RateLimitRule[]): CompiledRule[] {
  return rules.map((rule, index) => {
    const rate = parseRate(rule.rate);
    if (rate === null) throw new RangeError(`rate_limits[${index}].rate: ${JSON.stringify(rule.rate)} is not a rate`);
    return {
      index,
      name: rule.name,
      per: rule.per,
      policy: bucketPolicy(rate, rule.burst),
      rate: `${rate.count} per ${rate.windowSeconds} s`,
      matches: pathGlobMatcher(rule.path),
      matchesAll: rule.path === '/**' || rule.path === '**',
      policyLine: Object.freeze(['RateLimit-Policy', `"${rule.name}";q=${rate.count};w=${rate.windowSeconds}`]),
      fieldHead: `"${rule.name}";r=`,
      fieldCache: new Map(),
    };
  });
}

// The RateLimit field for (remaining, reset) of a rule, as a frozen pair kept for reuse: a client's
// figures repeat (a bucket that refills stays at capacity - 1; a draining one steps through at most
// its capacity), so most responses append a list already checked, with flat strings and nothing
// allocated. Bounded: past FIELD_CACHE_ENTRIES pairs per rule the cache starts again.
const FIELD_CACHE_ENTRIES = 1024;
const RATE_LIMIT_FIELD_NAMES: readonly string[] = Object.freeze(['ratelimit-policy', 'ratelimit']);

export function rateLimitField(rule: CompiledRule, remaining: number, reset: number): readonly string[] {
  const cacheable = remaining < 1e9 && reset < 1e6;
  const key = remaining * 1e6 + reset;
  const cache = rule.fieldCache;
  if (cacheable) {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
  }
  const pair = Object.freeze(['RateLimit', `${rule.fieldHead}${remaining};t=${reset}`]);
  if (cacheable) {
    if (cache.size >= FIELD_CACHE_ENTRIES) cache.clear();
    cache.set(key, pair);
  }
  return pair;
}

export function rateLimit(rules: readonly CompiledRule[], store: RateLimitStore): Middleware | null {
  if (rules.length === 0) return null;
  const decision = newDecision(); // reused: a synchronous store fills it and it is read at once
  const apply = (req: Request, res: Response, rule: CompiledRule, key: string, d: Decision | null, next: () => void | Promise<void>): void | Promise<void> => {
    if (d === null) return next();
    // Appended, not set: nothing earlier in the chain sets them, and appending skips a scan.
    res.appendFields(rule.policyLine);
    res.keepOnError(RATE_LIMIT_FIELD_NAMES); // an error page (a 429, a 404) still tells the client its budget
    res.appendFields(rateLimitField(rule, d.remaining, d.resetSeconds));
    // An error page that replaces this response keeps them (error-response.ts): the request counted.
    if (!d.allowed) {
      req.trace?.decide('rate-limit-429', rule.name, rule.rate, key);
      throw new HttpError(429, `Too many requests; retry in ${d.retryAfterSeconds} s.`, { headers: { 'Retry-After': String(d.retryAfterSeconds) } });
    }
    return next();
  };
  return (req, res, next) => {
    let path: string | null = null;
    let rule: CompiledRule | undefined;
    for (const r of rules) {
      if (r.matchesAll || r.matches((path ??= rulePath(req.path)))) {
        rule = r;
        break;
      }
    }
    if (rule === undefined) return next();
    const key = keyFor(rule, req);
    const d = store.take(rule, key, decision, req.startHr);
    if (d instanceof Promise) return d.then((result) => apply(req, res, rule, key, result, next));
    return apply(req, res, rule, key, d, next);
  };
}

function keyFor(rule: CompiledRule, req: Request): string {
  if (rule.per === 'user') {
    const user = req.local('user');
    // Prefixed so a user named like an address never shares that address's bucket.
    if (typeof user === 'string' && user !== '') return `user:${user}`;
  }
  return clientAddressOf(req);
}
