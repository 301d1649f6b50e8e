// How the access-control keys are read from a config file: users, tokens and access rules are lists
// of objects, checked field by field so an error points at the exact place
// (config.json:$.access[2].path). Hashes are checked here too: a refused format stops the start-up
// with the user's name and the reason, never at the first request.

import type { Coerced } from '../config/kinds.ts';
import { parseNetwork } from '../status/access.ts';
import { globToRegExp } from '../static/cache-control.ts';
import { parsePasswordHash, parseTokenHash } from './password-hash.ts';

export interface UserConfig {
  name: string;
  password_hash: string;
}
export interface TokenConfig {
  name: string;
  token_hash: string;
}
export interface AccessRuleConfig {
  path: string;
  /** Who may read (GET, HEAD, OPTIONS): "*", "@authenticated" or names; absent = anyone. */
  read?: string[];
  /** Who may write (POST, PUT, DELETE, MKCOL, …); absent = anyone. */
  write?: string[];
  allow_ips?: string[];
  deny_ips?: string[];
}

const bad = (problem: string, at?: string): Coerced => (at === undefined ? { ok: false, problem } : { ok: false, problem, at });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownField(rule: Record<string, unknown>, allowed: readonly string[], at: string): Coerced | null {
  for (const k of Object.keys(rule)) if (!allowed.includes(k)) return bad(`unknown field "${k}"; allowed: ${allowed.join(', ')}`, `${at}.${k}`);
  return null;
}

/** A user name as Basic authentication can carry it (RFC 7617 §2: no colon, no control characters). */
function badName(name: unknown): string | null {
  if (typeof name !== 'string' || name === '') return 'expected a non-empty name';
  if (name.includes(':')) return 'a user name cannot contain ":" (RFC 7617 §2)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a user name cannot contain control characters';
  if (name === '*' || name.startsWith('@')) return `"${name}" is reserved for access rules`;
  return null;
}

function namedList(value: unknown, hashKey: 'password_hash' | 'token_hash', want: string): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${want}`);
  const out: Array<Record<string, string>> = [];
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const at = `[${i}]`;
    const item: unknown = value[i];
    if (!isObject(item)) return bad(`expected {"name": …, "${hashKey}": …}`, at);
    if (hashKey === 'password_hash' && 'password' in item) {
      return bad('a plain-text password is never accepted: store its hash as "password_hash" (make one with "httpcraft hash-password")', `${at}.password`);
    }
    if (hashKey === 'token_hash' && 'token' in item) {
      return bad('a plain-text token is never accepted: store its hash as "token_hash" (make one with "httpcraft hash-password --token")', `${at}.token`);
    }
    const unknown = unknownField(item, ['name', hashKey], at);
    if (unknown !== null) return unknown;
    const nameProblem = badName(item.name);
    if (nameProblem !== null) return bad(nameProblem, `${at}.name`);
    const name = item.name as string;
    if (seen.has(name)) return bad(`"${name}" is listed twice`, `${at}.name`);
    seen.add(name);
    const text = item[hashKey];
    if (typeof text !== 'string') return bad(`user "${name}": expected a hash string`, `${at}.${hashKey}`);
    const parsed = hashKey === 'password_hash' ? parsePasswordHash(text) : parseTokenHash(text);
    if ('error' in parsed) return bad(`${hashKey === 'password_hash' ? 'user' : 'token'} "${name}": ${parsed.error}`, `${at}.${hashKey}`);
    out.push({ name, [hashKey]: text });
  }
  return { ok: true, value: out };
}

export const USERS_DESCRIPTION = 'a list of {"name": user, "password_hash": scrypt or bcrypt hash} (JSON)';
export const TOKENS_DESCRIPTION = 'a list of {"name": client, "token_hash": "$sha256$…"} (JSON)';
export const RULES_DESCRIPTION = 'a list of {"path": glob, "allow" | "read" | "write": who, "allow_ips", "deny_ips": CIDRs} (JSON)';

export const parseUsers = (value: unknown): Coerced => namedList(value, 'password_hash', USERS_DESCRIPTION);
export const parseTokens = (value: unknown): Coerced => namedList(value, 'token_hash', TOKENS_DESCRIPTION);

const RULE_FIELDS = ['path', 'allow', 'read', 'write', 'allow_ips', 'deny_ips'] as const;

/** "*", "alice" or ["alice", "@authenticated"] → a list; null when it is not one. */
function principals(value: unknown): string[] | { problem: string } {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '')) return { problem: 'expected "*", "@authenticated", a user name or a list of them' };
  const special = list.find((x: string) => x.startsWith('@') && x !== '@authenticated');
  if (special !== undefined) return { problem: `${JSON.stringify(special)}: the only group is "@authenticated"` };
  return [...(list as string[])];
}

function networks(value: unknown): string[] | { problem: string } {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return { problem: 'expected a list of IP addresses or CIDR networks' };
  for (const cidr of list as string[]) {
    try {
      parseNetwork(cidr);
    } catch {
      return { problem: `${JSON.stringify(cidr)} is not an IP address or CIDR network (IPv4 or IPv6)` };
    }
  }
  return [...(list as string[])];
}

export function parseAccessRules(value: unknown): Coerced {
  if (!Array.isArray(value)) return bad(`expected ${RULES_DESCRIPTION}`);
  const out: AccessRuleConfig[] = [];
  for (let i = 0; i < value.length; i++) {
    const at = `[${i}]`;
    const rule: unknown = value[i];
    if (!isObject(rule)) return bad('expected {"path": …, "allow": …}', at);
    const unknown = unknownField(rule, RULE_FIELDS, at);
    if (unknown !== null) return unknown;
    if (typeof rule.path !== 'string' || !rule.path.startsWith('/')) return bad('expected a glob of URL paths starting with "/" ("/admin/**")', `${at}.path`);
    try {
      globToRegExp(rule.path);
    } catch (error) {
      return bad((error as Error).message, `${at}.path`);
    }
    if ('allow' in rule && ('read' in rule || 'write' in rule)) return bad('"allow" sets both read and write: give "allow", or "read" and "write"', `${at}.allow`);
    const parsed: AccessRuleConfig = { path: rule.path };
    for (const field of ['allow', 'read', 'write'] as const) {
      if (!(field in rule)) continue;
      const who = principals(rule[field]);
      if (!Array.isArray(who)) return bad(who.problem, `${at}.${field}`);
      if (field !== 'write') parsed.read = who;
      if (field !== 'read') parsed.write = who;
    }
    for (const field of ['allow_ips', 'deny_ips'] as const) {
      if (!(field in rule)) continue;
      const nets = networks(rule[field]);
      if (!Array.isArray(nets)) return bad(nets.problem, `${at}.${field}`);
      parsed[field] = nets;
    }
    out.push(parsed);
  }
  return { ok: true, value: out };
}

export const USERS_SCHEMA = { type: 'array', items: { type: 'object', required: ['name', 'password_hash'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 }, password_hash: { type: 'string' } } } };
export const TOKENS_SCHEMA = { type: 'array', items: { type: 'object', required: ['name', 'token_hash'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 }, token_hash: { type: 'string', pattern: '^\\$sha256\\$' } } } };
const WHO = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
export const RULES_SCHEMA = {
  type: 'array',
  items: { type: 'object', required: ['path'], additionalProperties: false, properties: { path: { type: 'string', pattern: '^/' }, allow: WHO, read: WHO, write: WHO, allow_ips: WHO, deny_ips: WHO } },
};
