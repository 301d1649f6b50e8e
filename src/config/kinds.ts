// Value kinds of the configuration table: how each kind is read from JSON (config file) and from text
// (environment variables and flags), and how it is described to a user ("an integer from 0 to 65535").
// A kind never throws: it returns the value or a problem, and the loader turns problems into
// ConfigErrors that name the key and the source.

import { refusedSecurityHeader } from '../middleware/security-headers.ts';
import { parseNetwork } from '../status/access.ts';
import { parseRateLimitRules } from '../access/rate-limit-rules.ts';

export type Kind =
  | { readonly type: 'bool' }
  | { readonly type: 'int'; readonly min: number; readonly max: number; readonly auto?: boolean; readonly nullable?: boolean }
  | { readonly type: 'bytes'; readonly min: number; readonly max: number }
  | { readonly type: 'seconds'; readonly min: number; readonly max: number }
  | { readonly type: 'string'; readonly nullable?: boolean; readonly nonEmpty?: boolean; readonly prefix?: string }
  | { readonly type: 'path'; readonly nullable?: boolean; readonly words?: readonly string[] }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly aliases?: Readonly<Record<string, string>> }
  | { readonly type: 'port'; readonly nullable?: boolean }
  | { readonly type: 'list' }
  | { readonly type: 'string-or-list' }
  | { readonly type: 'header-map' }
  | { readonly type: 'cache-rules' }
  | { readonly type: 'cidr-list' }
  | { readonly type: 'rate-limits' }
  | { readonly type: 'store-url' }
  // A list of objects checked by its own module (access control: users, tokens, access rules).
  // `resolvePaths` makes the relative paths inside the value absolute from the folder of the source
  // it came from (the config file's; the working directory for flags and env), as for path keys.
  | { readonly type: 'records'; readonly describe: string; readonly schema: Readonly<Record<string, unknown>>; readonly parse: (value: unknown) => Coerced; readonly parseText?: (text: string) => Coerced; readonly resolvePaths?: (value: unknown, base: string) => unknown };

/** A value read from one source; `at` points inside a nested value (`[0].pattern`) when it is to blame. */
export type Coerced = { ok: true; value: unknown } | { ok: false; problem: string; at?: string };

const ok = (value: unknown): Coerced => ({ ok: true, value });
const bad = (problem: string, at?: string): Coerced => (at === undefined ? { ok: false, problem } : { ok: false, problem, at });

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);
// Header field names are RFC 9110 §5.1 tokens; values may not carry CR, LF or NUL (§5.5).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[^\r\n\0]*$/;

/** What a kind accepts, in words, for error messages, --help and the docs. */
export function describeKind(kind: Kind): string {
  switch (kind.type) {
    case 'bool':
      return 'true or false';
    case 'int':
      return `an integer from ${kind.min} to ${kind.max}${kind.auto === true ? ' or "auto"' : ''}${kind.nullable === true ? ' or null' : ''}`;
    case 'bytes':
      return `a size in bytes ${kind.max === Number.MAX_SAFE_INTEGER ? `of at least ${kind.min}` : `from ${kind.min} to ${kind.max}`} (a number, or a string like "64k" or "10m")`;
    case 'seconds':
      return `a number of seconds from ${kind.min} to ${kind.max}`;
    case 'string':
      return `${kind.nonEmpty === true ? 'a non-empty string' : 'a string'}${kind.prefix === undefined ? '' : ` starting with "${kind.prefix}"`}${kind.nullable === true ? ' or null' : ''}`;
    case 'path':
      if (kind.words !== undefined) return `a file system path, ${kind.words.map((w) => `"${w}"`).join(' or ')}`;
      return kind.nullable === true ? 'a file system path or null' : 'a file system path';
    case 'enum':
      return `one of ${kind.values.join(', ')}`;
    case 'port':
      return `a port number from 0 to 65535${kind.nullable === true ? ' or null' : ''}`;
    case 'list':
      return 'a list of strings (JSON array, or comma-separated in flags and env)';
    case 'string-or-list':
      return 'a string or a list of strings (comma-separated in flags and env)';
    case 'header-map':
      return 'an object of header name → value (JSON)';
    case 'cache-rules':
      return 'a list of {"pattern": glob, "value": Cache-Control value} (JSON)';
    case 'cidr-list':
      return 'a list of IP addresses or CIDR networks, IPv4 or IPv6 (JSON array, or comma-separated in flags and env)';
    case 'rate-limits':
      return 'a list of {"path": glob, "per": "ip" or "user", "rate": "100/min", "burst": n, "name": policy name} (JSON)';
    case 'store-url':
      return '"memory" or a redis://host:port[/db] URL (rediss:// for TLS)';
    case 'records':
      return kind.describe;
  }
}

/** A short placeholder for --help (`--port <port>`). */
export function placeholder(kind: Kind): string {
  switch (kind.type) {
    case 'bool':
      return '';
    case 'int':
      return kind.auto === true ? '<n|auto>' : '<n>';
    case 'bytes':
      return '<bytes>';
    case 'seconds':
      return '<seconds>';
    case 'path':
      return kind.words === undefined ? '<path>' : `<path|${kind.words.join('|')}>`;
    case 'enum':
      return `<${kind.values.join('|')}>`;
    case 'port':
      return '<port>';
    case 'list':
    case 'string-or-list':
      return '<a,b,…>';
    case 'header-map':
    case 'cache-rules':
    case 'rate-limits':
      return '<json>';
    case 'records':
      return kind.parseText !== undefined ? '<PATH=URL|json>' : '<json>';
    case 'cidr-list':
      return '<cidr,…>';
    case 'store-url':
      return '<memory|redis://…>';
    case 'string':
      return '<text>';
  }
}

function inRange(n: number, min: number, max: number): boolean {
  return n >= min && n <= max;
}

/** Reads a value from a parsed JSON config file. */
export function fromJson(kind: Kind, value: unknown): Coerced {
  const want = describeKind(kind);
  switch (kind.type) {
    case 'bool':
      return typeof value === 'boolean' ? ok(value) : bad(`expected ${want}`);
    case 'int':
      if (kind.auto === true && value === 'auto') return ok('auto');
      if (kind.nullable === true && value === null) return ok(null);
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(`expected ${want}`);
      return inRange(value, kind.min, kind.max) ? ok(value) : bad(`out of range; expected ${want}`);
    case 'bytes':
      if (typeof value === 'string') return fromText(kind, value);
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(`expected ${want}`);
      return inRange(value, kind.min, kind.max) ? ok(value) : bad(`out of range; expected ${want}`);
    case 'seconds':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad(`expected ${want}`);
      return inRange(value, kind.min, kind.max) ? ok(value) : bad(`out of range; expected ${want}`);
    case 'port':
      if (kind.nullable === true && value === null) return ok(null);
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(`expected ${want}`);
      return inRange(value, 0, 65535) ? ok(value) : bad(`out of range; expected ${want}`);
    case 'string':
    case 'path':
      if (kind.nullable === true && value === null) return ok(null);
      if (typeof value !== 'string') return bad(`expected ${want}`);
      return checkString(kind, value);
    case 'enum':
      return typeof value === 'string' ? fromText(kind, value) : bad(`expected ${want}`);
    case 'list':
      return stringList(value, want);
    case 'string-or-list':
      return typeof value === 'string' ? ok(value) : stringList(value, want);
    case 'header-map':
      return headerMap(value, want);
    case 'cache-rules':
      return cacheRules(value, want);
    case 'cidr-list': {
      const list = stringList(value, want);
      return list.ok ? cidrList(list.value as string[]) : list;
    }
    case 'rate-limits': {
      const r = parseRateLimitRules(value);
      return r.ok ? ok(r.value) : bad(r.problem, r.at === '' ? undefined : r.at);
    }
    case 'store-url':
      return typeof value === 'string' ? storeUrl(value) : bad(`expected ${want}`);
    case 'records':
      return kind.parse(value);
  }
}

/** Reads a value given as text (an environment variable or a command-line flag). */
export function fromText(kind: Kind, text: string): Coerced {
  const want = describeKind(kind);
  const t = text.trim();
  switch (kind.type) {
    case 'bool': {
      const w = t.toLowerCase();
      if (TRUE_WORDS.has(w)) return ok(true);
      if (FALSE_WORDS.has(w)) return ok(false);
      return bad(`expected ${want} (also yes/no, on/off, 1/0)`);
    }
    case 'int': {
      if (kind.auto === true && t.toLowerCase() === 'auto') return ok('auto');
      if (kind.nullable === true && (t === '' || t === 'null')) return ok(null);
      if (!/^[+-]?\d+$/.test(t)) return bad(`expected ${want}`);
      return fromJson(kind, Number(t));
    }
    case 'port': {
      if (kind.nullable === true && (t === '' || t === 'null')) return ok(null);
      if (!/^\d+$/.test(t)) return bad(`expected ${want}`);
      return fromJson(kind, Number(t));
    }
    case 'bytes': {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(t);
      const unit = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase()];
      if (m === null || unit === undefined) return bad(`expected ${want}`);
      const n = Math.round(Number(m[1]) * unit);
      return inRange(n, kind.min, kind.max) ? ok(n) : bad(`out of range; expected ${want}`);
    }
    case 'seconds': {
      if (!/^\d+(?:\.\d+)?$/.test(t)) return bad(`expected ${want}`);
      return fromJson(kind, Number(t));
    }
    case 'string':
    case 'path':
      if (kind.nullable === true && (text === '' || text === 'null')) return ok(null);
      return checkString(kind, text);
    case 'enum': {
      const found = kind.values.find((v) => v.toLowerCase() === t.toLowerCase()) ?? kind.aliases?.[t.toLowerCase()];
      return found === undefined ? bad(`expected ${want}`) : ok(found);
    }
    case 'list':
      return ok(splitList(text));
    case 'string-or-list': {
      const items = splitList(text);
      return ok(items.length === 1 ? items[0] : items);
    }
    case 'cidr-list':
      return cidrList(splitList(text));
    case 'store-url':
      return storeUrl(t);
    case 'header-map':
    case 'cache-rules':
    case 'rate-limits':
    case 'records': {
      // A records kind may have a short text form of its own (--proxy /api=http://…).
      if (kind.type === 'records' && kind.parseText !== undefined) return kind.parseText(text);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return bad(`not valid JSON; expected ${want}`);
      }
      return fromJson(kind, parsed);
    }
  }
}

/** True when a path kind's value is one of its words ("stdout", "off"), not a path to resolve. */
export function isPathWord(kind: Kind, value: string): boolean {
  return kind.type === 'path' && kind.words !== undefined && kind.words.includes(value);
}

function checkString(kind: Kind & { type: 'string' | 'path' }, value: string): Coerced {
  if (kind.type === 'path') {
    const word = kind.words?.find((w) => w === value.trim().toLowerCase());
    if (word !== undefined) return ok(word);
    return value === '' ? bad(`expected ${describeKind(kind)}`) : ok(value);
  }
  if (kind.nonEmpty === true && value === '') return bad(`expected ${describeKind(kind)}`);
  if (kind.prefix !== undefined && !value.startsWith(kind.prefix)) return bad(`expected ${describeKind(kind)}`);
  return ok(value);
}

function splitList(text: string): string[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(t);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
    } catch {
      // not JSON: fall through to commas
    }
  }
  return t === '' ? [] : t.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function stringList(value: unknown, want: string): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${want}`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return bad('expected a string', `[${i}]`);
  }
  return ok([...(value as string[])]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerMap(value: unknown, want: string): Coerced {
  if (!isPlainObject(value)) return bad(`expected ${want}`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    const at = `[${JSON.stringify(name)}]`;
    if (!TOKEN.test(name)) return bad('not a valid header name (RFC 9110 §5.1)', at);
    // The one header map is security_headers: fields it may not fix for every response.
    const refused = refusedSecurityHeader(name);
    if (refused !== null) return bad(`${name} cannot be set here: ${refused}`, at);
    if (typeof v !== 'string' || !FIELD_VALUE.test(v)) return bad('expected a header value string without CR, LF or NUL', at);
    out[name] = v;
  }
  return ok(out);
}

function cacheRules(value: unknown, want: string): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${want}`);
  const out: Array<{ pattern: string; value: string }> = [];
  for (let i = 0; i < value.length; i++) {
    const rule: unknown = value[i];
    if (!isPlainObject(rule)) return bad('expected {"pattern": …, "value": …}', `[${i}]`);
    for (const k of Object.keys(rule)) {
      if (k !== 'pattern' && k !== 'value') return bad(`unknown field "${k}"; allowed: pattern, value`, `[${i}].${k}`);
    }
    if (typeof rule.pattern !== 'string' || rule.pattern === '') return bad('expected a non-empty glob string', `[${i}].pattern`);
    if (typeof rule.value !== 'string' || !FIELD_VALUE.test(rule.value)) return bad('expected a Cache-Control value string', `[${i}].value`);
    out.push({ pattern: rule.pattern, value: rule.value });
  }
  return ok(out);
}

function cidrList(items: string[]): Coerced {
  for (let i = 0; i < items.length; i++) {
    try {
      parseNetwork(items[i]!);
    } catch {
      return bad(`${JSON.stringify(items[i])} is not an IP address or CIDR network`, `[${i}]`);
    }
  }
  return ok(items);
}

function storeUrl(text: string): Coerced {
  if (text === 'memory') return ok(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad('expected "memory" or a redis://host:port URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return bad(`unsupported scheme "${url.protocol}"; expected "memory", redis:// or rediss://`);
  if (url.hostname === '') return bad('the URL names no host');
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) return bad('the path must be a database number (redis://host:port/0)');
  return ok(text);
}
