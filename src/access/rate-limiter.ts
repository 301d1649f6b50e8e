// Builds the rate limiter from its options, once at start-up: the compiled rules, the store (memory
// or Redis) and the middleware. Nothing at all when there are no rules.

import type { Middleware } from '../app/pipeline.ts';
import { MemoryStore } from './memory-store.ts';
import { compileRules, rateLimit, type RateLimitStore } from './rate-limit.ts';
import type { RateLimitRule } from './rate-limit-rules.ts';
import { RedisStore } from './redis-store.ts';

export interface RateLimiterOptions {
  rules: readonly RateLimitRule[];
  /** "memory" or a redis:// URL. */
  store: string;
  fail: 'open' | 'closed';
  /** Longest wait on Redis for one decision. */
  timeoutMs: number;
  /** Most keys per rule in memory. */
  maxKeys: number;
  /** The share of each budget this process holds in memory (1/N for N cluster workers). */
  share: number;
}

export interface RateLimiter {
  readonly middleware: Middleware;
  readonly store: RateLimitStore;
}

export function createRateLimiter(options: RateLimiterOptions, log: { warn(m: string): void; info(m: string): void }): RateLimiter | null {
  if (options.rules.length === 0) return null;
  const rules = compileRules(options.rules);
  const store =
    options.store === 'memory'
      ? new MemoryStore(rules, { maxKeys: options.maxKeys, share: options.share })
      : new RedisStore({ url: options.store, fail: options.fail, timeoutMs: options.timeoutMs, warn: (m) => log.warn(m), info: (m) => log.info(m) });
  return { middleware: rateLimit(rules, store)!, store };
}
