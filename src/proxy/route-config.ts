// How the `proxy` key is read: a list of routes, each checked field by field so that an error names
// the exact place (config.json:$.proxy[0].to[1]); and the --proxy flag's short form
// "/api=http://127.0.0.1:3000[,http://…]" (repeatable), which makes a route with the defaults.

import { resolve } from 'node:path';
import type { Coerced } from '../config/kinds.ts';
import { parseUpstreamUrl } from './upstream-target.ts';

export const STRATEGIES = ['round_robin', 'least_connections', 'ip_hash', 'hash'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface HealthCheckConfig {
  path: string;
  /** Seconds. */
  interval: number;
  /** Seconds. */
  timeout: number;
  /** A status (200) or a class ("2xx"); a list of them. */
  expect_status: Array<number | string>;
  rise: number;
  fall: number;
}

export interface ProxyRouteConfig {
  path: string;
  to: Array<{ url: string; weight: number }>;
  strategy: Strategy;
  /** For "hash": "header:Name", "cookie:name" or "path". */
  hash_key: string | null;
  /** Seconds without an answer (head or next body bytes) before 504. */
  timeout: number;
  connect_timeout: number;
  strip_prefix: boolean;
  /** "keep" (the client's), "upstream" (the backend's authority) or a literal host. */
  host: string;
  /** Extra backends tried for an idempotent request without a body that failed before any answer. */
  retries: number;
  max_fails: number;
  /** Seconds a backend is skipped after max_fails failures in a row. */
  fail_timeout: number;
  keepalive: number;
  keepalive_timeout: number;
  keepalive_requests: number;
  /** PEM file of CA certificates trusted for https:// backends (instead of the system's); absolute
   * once loaded (resolveRoutePaths). */
  ca: string | null;
  health_check: HealthCheckConfig | null;
}

export const ROUTE_DEFAULTS = {
  strategy: 'round_robin',
  hash_key: null,
  timeout: 30,
  connect_timeout: 5,
  strip_prefix: false,
  host: 'keep',
  retries: 1,
  max_fails: 3,
  fail_timeout: 10,
  keepalive: 32,
  keepalive_timeout: 60,
  keepalive_requests: 1000,
  ca: null,
  health_check: null,
} as const satisfies Omit<ProxyRouteConfig, 'path' | 'to'>;

const HEALTH_DEFAULTS = { interval: 5, timeout: 2, expect_status: ['2xx', '3xx'], rise: 2, fall: 3 } as const;

export const PROXY_DESCRIPTION = 'a list of {"path": "/api/", "to": [URL or {"url", "weight"}], "strategy", "timeout", "strip_prefix", "host", …} (JSON; docs/proxy.md); --proxy /api=http://127.0.0.1:3000 (repeatable)';

const ROUTE_FIELDS = ['path', 'to', ...Object.keys(ROUTE_DEFAULTS)];
const HEALTH_FIELDS = ['path', ...Object.keys(HEALTH_DEFAULTS)];

const bad = (problem: string, at?: string): Coerced => (at === undefined ? { ok: false, problem } : { ok: false, problem, at });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const HOST_LITERAL = /^[A-Za-z0-9.\-_~%!$&'()*+,;=:[\]]+$/;

function number(value: unknown, min: number, max: number, integer: boolean): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) return null;
  if (integer && !Number.isInteger(value)) return null;
  return value;
}

function expectList(value: unknown): Array<number | string> | null {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return null;
  for (const item of list) {
    if (typeof item === 'number' && Number.isInteger(item) && item >= 100 && item <= 599) continue;
    if (typeof item === 'string' && /^[1-5]xx$/.test(item)) continue;
    return null;
  }
  return list as Array<number | string>;
}

/** The test a health check's status must pass. */
export function statusMatcher(expect: ReadonlyArray<number | string>): (status: number) => boolean {
  return (status) => expect.some((e) => (typeof e === 'number' ? status === e : Math.floor(status / 100) === Number(e[0])));
}

function parseRoute(rule: unknown, at: string): ProxyRouteConfig | Coerced {
  if (!isObject(rule)) return bad('expected {"path": "/api/", "to": ["http://127.0.0.1:3000"]}', at);
  for (const k of Object.keys(rule)) if (!ROUTE_FIELDS.includes(k)) return bad(`unknown field "${k}"; allowed: ${ROUTE_FIELDS.join(', ')}`, `${at}.${k}`);
  if (typeof rule.path !== 'string' || !rule.path.startsWith('/') || /[?#\s]/.test(rule.path)) return bad('expected a URL path prefix starting with "/" ("/api/")', `${at}.path`);
  const toList = typeof rule.to === 'string' ? [rule.to] : rule.to;
  if (!Array.isArray(toList) || toList.length === 0) return bad('expected one upstream URL or a non-empty list ("http://127.0.0.1:3000" or {"url": …, "weight": 2})', `${at}.to`);
  const to: ProxyRouteConfig['to'] = [];
  const seen = new Set<string>();
  for (let i = 0; i < toList.length; i++) {
    const item: unknown = toList[i];
    const where = `${at}.to[${i}]`;
    const url = typeof item === 'string' ? item : isObject(item) ? item.url : undefined;
    if (typeof url !== 'string') return bad('expected a URL or {"url": URL, "weight": n}', where);
    if (isObject(item)) for (const k of Object.keys(item)) if (k !== 'url' && k !== 'weight') return bad(`unknown field "${k}"; allowed: url, weight`, `${where}.${k}`);
    const weight = isObject(item) && item.weight !== undefined ? number(item.weight, 1, 1000, true) : 1;
    if (weight === null) return bad('expected a weight, an integer from 1 to 1000', `${where}.weight`);
    const target = parseUpstreamUrl(url);
    if ('problem' in target) return bad(target.problem, where);
    if (seen.has(target.url)) return bad(`${target.url} is listed twice`, where);
    seen.add(target.url);
    to.push({ url: target.url, weight });
  }
  const out: ProxyRouteConfig = { path: rule.path, to, ...ROUTE_DEFAULTS, health_check: null };
  if (rule.strategy !== undefined) {
    if (typeof rule.strategy !== 'string' || !(STRATEGIES as readonly string[]).includes(rule.strategy)) return bad(`expected one of ${STRATEGIES.join(', ')}`, `${at}.strategy`);
    out.strategy = rule.strategy as Strategy;
  }
  if (rule.hash_key !== undefined && rule.hash_key !== null) {
    if (typeof rule.hash_key !== 'string' || !/^(path|ip|header:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|cookie:[^\s;=,]+)$/.test(rule.hash_key)) return bad('expected "header:Name", "cookie:name", "path" or "ip"', `${at}.hash_key`);
    out.hash_key = rule.hash_key;
  }
  if (out.strategy === 'hash' && out.hash_key === null) return bad('strategy "hash" needs hash_key ("header:X-User", "cookie:session", "path")', `${at}.hash_key`);
  const numbers: Array<[keyof ProxyRouteConfig, number, number, boolean]> = [
    ['timeout', 0.1, 86400, false],
    ['connect_timeout', 0.1, 3600, false],
    ['retries', 0, 10, true],
    ['max_fails', 0, 1000, true],
    ['fail_timeout', 0, 86400, false],
    ['keepalive', 0, 10000, true],
    ['keepalive_timeout', 0.1, 86400, false],
    ['keepalive_requests', 0, 1_000_000_000, true],
  ];
  for (const [key, min, max, integer] of numbers) {
    if (rule[key] === undefined) continue;
    const n = number(rule[key], min, max, integer);
    if (n === null) return bad(`expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, `${at}.${key}`);
    (out as unknown as Record<string, unknown>)[key] = n;
  }
  if (rule.strip_prefix !== undefined) {
    if (typeof rule.strip_prefix !== 'boolean') return bad('expected true or false', `${at}.strip_prefix`);
    out.strip_prefix = rule.strip_prefix;
  }
  if (rule.host !== undefined) {
    if (typeof rule.host !== 'string' || rule.host === '' || !HOST_LITERAL.test(rule.host)) return bad('expected "keep", "upstream" or a host[:port]', `${at}.host`);
    out.host = rule.host;
  }
  if (rule.ca !== undefined && rule.ca !== null) {
    if (typeof rule.ca !== 'string' || rule.ca === '') return bad('expected the path of a PEM file of CA certificates', `${at}.ca`);
    out.ca = rule.ca;
  }
  if (rule.health_check !== undefined && rule.health_check !== null) {
    const h: unknown = rule.health_check;
    const where = `${at}.health_check`;
    if (!isObject(h)) return bad('expected {"path": "/healthz", "interval": 5, "timeout": 2, "expect_status": "2xx", "rise": 2, "fall": 3}', where);
    for (const k of Object.keys(h)) if (!HEALTH_FIELDS.includes(k)) return bad(`unknown field "${k}"; allowed: ${HEALTH_FIELDS.join(', ')}`, `${where}.${k}`);
    if (typeof h.path !== 'string' || !h.path.startsWith('/') || /[\s#]/.test(h.path)) return bad('expected a path starting with "/"', `${where}.path`);
    const check: HealthCheckConfig = { path: h.path, interval: HEALTH_DEFAULTS.interval, timeout: HEALTH_DEFAULTS.timeout, expect_status: [...HEALTH_DEFAULTS.expect_status], rise: HEALTH_DEFAULTS.rise, fall: HEALTH_DEFAULTS.fall };
    for (const [key, min, max, integer] of [['interval', 0.05, 86400, false], ['timeout', 0.05, 3600, false], ['rise', 1, 100, true], ['fall', 1, 100, true]] as const) {
      if (h[key] === undefined) continue;
      const n = number(h[key], min, max, integer);
      if (n === null) return bad(`expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, `${where}.${key}`);
      check[key] = n;
    }
    if (h.expect_status !== undefined) {
      const list = expectList(h.expect_status);
      if (list === null) return bad('expected a status (200), a class ("2xx") or a list of them', `${where}.expect_status`);
      check.expect_status = list;
    }
    out.health_check = check;
  }
  return out;
}

export function parseProxyRoutes(value: unknown): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${PROXY_DESCRIPTION}`);
  const out: ProxyRouteConfig[] = [];
  for (let i = 0; i < value.length; i++) {
    const r = parseRoute(value[i], `[${i}]`);
    if ('ok' in r) return r;
    out.push(r);
  }
  return { ok: true, value: out };
}

/**
 * The routes with `ca` made absolute from `base`: the folder of the config file that names it, or
 * the working directory for --proxy and HTTPCRAFT_PROXY, as every path key (config/load.ts), so a
 * config file means the same thing whichever folder the server is started from.
 */
export function resolveRoutePaths(value: unknown, base: string): unknown {
  return (value as ProxyRouteConfig[]).map((route) => (route.ca === null ? route : { ...route, ca: resolve(base, route.ca) }));
}

/** The --proxy / HTTPCRAFT_PROXY text: JSON as in a config file, or PATH=URL[,URL…]. */
export function parseProxyText(text: string): Coerced {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(t);
      return parseProxyRoutes(Array.isArray(parsed) ? parsed : [parsed]);
    } catch {
      return bad(`not valid JSON; expected ${PROXY_DESCRIPTION}`);
    }
  }
  const eq = t.indexOf('=');
  if (eq <= 0) return bad('expected PATH=URL, as in /api=http://127.0.0.1:3000 (several URLs: comma-separated)');
  return parseProxyRoutes([{ path: t.slice(0, eq), to: t.slice(eq + 1).split(',').map((u) => u.trim()).filter((u) => u !== '') }]);
}

export const PROXY_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['path', 'to'],
    additionalProperties: false,
    properties: {
      path: { type: 'string', pattern: '^/' },
      to: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: { anyOf: [{ type: 'string' }, { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string' }, weight: { type: 'integer', minimum: 1, maximum: 1000 } } }] } }] },
      strategy: { enum: [...STRATEGIES] },
      hash_key: { type: ['string', 'null'] },
      timeout: { type: 'number', minimum: 0.1 },
      connect_timeout: { type: 'number', minimum: 0.1 },
      strip_prefix: { type: 'boolean' },
      host: { type: 'string' },
      retries: { type: 'integer', minimum: 0, maximum: 10 },
      max_fails: { type: 'integer', minimum: 0 },
      fail_timeout: { type: 'number', minimum: 0 },
      keepalive: { type: 'integer', minimum: 0 },
      keepalive_timeout: { type: 'number', minimum: 0.1 },
      keepalive_requests: { type: 'integer', minimum: 0 },
      ca: { type: ['string', 'null'] },
      health_check: {
        type: ['object', 'null'],
        required: ['path'],
        additionalProperties: false,
        properties: { path: { type: 'string', pattern: '^/' }, interval: { type: 'number' }, timeout: { type: 'number' }, expect_status: {}, rise: { type: 'integer' }, fall: { type: 'integer' } },
      },
    },
  },
};
