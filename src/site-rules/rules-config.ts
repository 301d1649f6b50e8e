// How the site-rule keys are read: redirects, rewrites and per-path headers are lists of objects
// checked field by field, so an error names the exact place (config.json:$.redirects[1].status).

import type { Coerced } from '../config/kinds.ts';
import { globToRegExp } from '../static/cache-control.ts';
import { compilePattern, targetNames } from './path-pattern.ts';

export interface RedirectRule {
  from: string;
  to: string;
  status: 301 | 302 | 303 | 307 | 308;
}
export interface RewriteRule {
  from: string;
  to: string;
}
export interface PathHeadersRule {
  path: string;
  headers: Record<string, string>;
}

const bad = (problem: string, at?: string): Coerced => (at === undefined ? { ok: false, problem } : { ok: false, problem, at });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[^\r\n\0]*$/;
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

function fields(rule: Record<string, unknown>, allowed: readonly string[], at: string): Coerced | null {
  for (const k of Object.keys(rule)) if (!allowed.includes(k)) return bad(`unknown field "${k}"; allowed: ${allowed.join(', ')}`, `${at}.${k}`);
  return null;
}

function fromTo(rule: Record<string, unknown>, at: string, external: boolean): { from: string; to: string } | Coerced {
  if (typeof rule.from !== 'string') return bad('expected a path pattern ("/old/*", "/blog/:slug")', `${at}.from`);
  let names: string[];
  try {
    const p = compilePattern(rule.from);
    names = [...p.source.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    if (p.source.endsWith('/*')) names.push('splat');
  } catch (error) {
    return bad((error as Error).message, `${at}.from`);
  }
  const to = rule.to;
  const absolute = typeof to === 'string' && /^https?:\/\//i.test(to);
  if (typeof to !== 'string' || /[\r\n\0\s]/.test(to) || !(to.startsWith('/') || (external && absolute))) {
    return bad(external ? 'expected a path ("/new/:splat") or an http(s):// URL' : 'expected a path starting with "/" ("/index.html", "/api/:splat")', `${at}.to`);
  }
  if (to.startsWith('//')) return bad('"//" would leave the site: write https://host/… for another site', `${at}.to`);
  for (const n of targetNames(absolute ? to.replace(/^https?:\/\/[^/]*/i, '') : to)) if (!names.includes(n)) return bad(`":${n}" is not captured by "from" (captures: ${names.length === 0 ? 'none' : names.map((x) => `:${x}`).join(', ')})`, `${at}.to`);
  return { from: rule.from, to };
}

export function parseRedirects(value: unknown): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${REDIRECTS_DESCRIPTION}`);
  const out: RedirectRule[] = [];
  for (let i = 0; i < value.length; i++) {
    const at = `[${i}]`;
    const rule: unknown = value[i];
    if (!isObject(rule)) return bad('expected {"from": "/old/*", "to": "/new/:splat", "status": 301}', at);
    const f = fields(rule, ['from', 'to', 'status'], at);
    if (f !== null) return f;
    const ft = fromTo(rule, at, true);
    if ('ok' in ft) return ft;
    const status = rule.status ?? 301;
    if (typeof status !== 'number' || !REDIRECT_STATUSES.includes(status)) return bad(`expected one of ${REDIRECT_STATUSES.join(', ')}`, `${at}.status`);
    out.push({ ...ft, status: status as RedirectRule['status'] });
  }
  return { ok: true, value: out };
}

export function parseRewrites(value: unknown): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${REWRITES_DESCRIPTION}`);
  const out: RewriteRule[] = [];
  for (let i = 0; i < value.length; i++) {
    const at = `[${i}]`;
    const rule: unknown = value[i];
    if (!isObject(rule)) return bad('expected {"from": "/app/*", "to": "/index.html"}', at);
    const f = fields(rule, ['from', 'to'], at);
    if (f !== null) return f;
    const ft = fromTo(rule, at, false);
    if ('ok' in ft) return ft;
    out.push(ft);
  }
  return { ok: true, value: out };
}

export function parsePathHeaders(value: unknown): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${HEADERS_DESCRIPTION}`);
  const out: PathHeadersRule[] = [];
  for (let i = 0; i < value.length; i++) {
    const at = `[${i}]`;
    const rule: unknown = value[i];
    if (!isObject(rule)) return bad('expected {"path": "/assets/**", "headers": {"Cache-Control": "max-age=31536000"}}', at);
    const f = fields(rule, ['path', 'headers'], at);
    if (f !== null) return f;
    if (typeof rule.path !== 'string' || !rule.path.startsWith('/')) return bad('expected a glob of URL paths starting with "/" ("/assets/**")', `${at}.path`);
    try {
      globToRegExp(rule.path);
    } catch (error) {
      return bad((error as Error).message, `${at}.path`);
    }
    if (!isObject(rule.headers)) return bad('expected an object of header name → value', `${at}.headers`);
    const headers: Record<string, string> = {};
    for (const [name, v] of Object.entries(rule.headers)) {
      if (!TOKEN.test(name)) return bad('not a valid header name (RFC 9110 §5.1)', `${at}.headers[${JSON.stringify(name)}]`);
      if (/^(content-length|transfer-encoding|connection|keep-alive|upgrade|te|trailer)$/i.test(name)) return bad(`${name} is the server's to set (framing and connection fields)`, `${at}.headers[${JSON.stringify(name)}]`);
      // A file's own description of itself: a second value would contradict the first.
      if (/^(content-type|content-encoding|content-range|etag|last-modified|accept-ranges|location)$/i.test(name)) return bad(`${name} describes the response itself and cannot be set per path (Cache-Control can)`, `${at}.headers[${JSON.stringify(name)}]`);
      if (typeof v !== 'string' || !FIELD_VALUE.test(v)) return bad('expected a header value string without CR, LF or NUL', `${at}.headers[${JSON.stringify(name)}]`);
      headers[name] = v;
    }
    out.push({ path: rule.path, headers });
  }
  return { ok: true, value: out };
}

export const REDIRECTS_DESCRIPTION = 'a list of {"from": "/old/*", "to": "/new/:splat", "status": 301} (JSON; docs/site-rules.md)';
export const REWRITES_DESCRIPTION = 'a list of {"from": "/app/*", "to": "/index.html"} (JSON; docs/site-rules.md)';
export const HEADERS_DESCRIPTION = 'a list of {"path": glob, "headers": {name: value}} (JSON; docs/site-rules.md)';

const FROM_TO = { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: { type: 'string', pattern: '^/' }, to: { type: 'string' } } };
export const REWRITES_SCHEMA = { type: 'array', items: FROM_TO };
export const REDIRECTS_SCHEMA = { type: 'array', items: { ...FROM_TO, properties: { ...FROM_TO.properties, status: { enum: REDIRECT_STATUSES } } } };
export const HEADERS_SCHEMA = {
  type: 'array',
  items: { type: 'object', required: ['path', 'headers'], additionalProperties: false, properties: { path: { type: 'string', pattern: '^/' }, headers: { type: 'object', additionalProperties: { type: 'string' } } } },
};
