// The rate_limits config value: a list of {path, per, rate, burst, name}, checked field by field so an
// error names the rule and the field (config.json:$.rate_limits[1].rate). The config kind calls
// parseRateLimitRules; the middleware compiles the result once at start-up.

import { parseRate } from './token-bucket.ts';
import { globToRegExp } from '../static/cache-control.ts';

export interface RateLimitRule {
  /** URL path glob, as cache_control patterns: with "/" the whole path, without it the base name. */
  path: string;
  /** Whose budget: the client address, or the signed-in user (the address when nobody signed in). */
  per: 'ip' | 'user';
  /** "100/min": count per s/sec/second, min/minute, h/hour, d/day (optionally a multiple: "10/5min"). */
  rate: string;
  /** Bucket size: requests allowed at once before the rate applies (default: the rate's count). */
  burst: number;
  /** Policy name in the RateLimit-Policy and RateLimit fields (default "rule<N>", N from 1). */
  name: string;
}

export type RulesResult = { ok: true; value: RateLimitRule[] } | { ok: false; problem: string; at: string };

const FIELDS = ['path', 'per', 'rate', 'burst', 'name'];
// A policy name goes out as a structured-field String (RFC 9651 §3.3.3): printable ASCII, no '"' or '\'.
const NAME = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/;
const MAX_BURST = 1_000_000_000;

export function parseRateLimitRules(value: unknown): RulesResult {
  const bad = (problem: string, at: string): RulesResult => ({ ok: false, problem, at });
  if (!Array.isArray(value)) return bad('expected a list of {"path", "per", "rate", "burst"} rules', '');
  const out: RateLimitRule[] = [];
  const names = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const rule: unknown = value[i];
    const at = `[${i}]`;
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return bad('expected {"path": glob, "per": "ip" or "user", "rate": "100/min", "burst": n}', at);
    const r = rule as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!FIELDS.includes(k)) return bad(`unknown field "${k}"; allowed: ${FIELDS.join(', ')}`, `${at}.${k}`);
    if (typeof r.path !== 'string' || r.path === '') return bad('expected a non-empty glob string ("/**", "/api/**", "*.zip")', `${at}.path`);
    try {
      globToRegExp(r.path);
    } catch (error) {
      return bad((error as Error).message, `${at}.path`);
    }
    const per = r.per ?? 'ip';
    if (per !== 'ip' && per !== 'user') return bad('expected "ip" or "user"', `${at}.per`);
    const rate = typeof r.rate === 'string' ? parseRate(r.rate) : null;
    if (rate === null) return bad('expected a rate like "100/min" (a count from 1 per s, min, h or day)', `${at}.rate`);
    const burst = r.burst ?? rate.count;
    if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1 || burst > MAX_BURST) return bad(`expected an integer from 1 to ${MAX_BURST}`, `${at}.burst`);
    const name = r.name ?? `rule${i + 1}`;
    if (typeof name !== 'string' || !NAME.test(name)) return bad('expected 1 to 64 printable ASCII characters without " or \\', `${at}.name`);
    if (names.has(name)) return bad(`another rule already has the name "${name}"`, `${at}.name`);
    names.add(name);
    out.push({ path: r.path, per, rate: r.rate as string, burst, name });
  }
  return { ok: true, value: out };
}
