// Per-path access rules: the first rule whose glob matches the decoded URL path decides. A rule
// names who may read (GET, HEAD, OPTIONS) and who may write (every other method): "*" anyone,
// "@authenticated" anyone signed in, or user (and token) names; and which client addresses may come
// at all (allow_ips, deny_ips). A path no rule matches is open to everyone.
//
// The outcome follows RFC 9110: 401 (§15.5.2) when signing in could help — nobody is signed in and
// the rule admits someone — and 403 (§15.5.4) when it could not: the signed-in user is not admitted,
// the address is refused, or the rule admits nobody (a write-only drop box refuses every read).

import { networkMatcher } from '../status/access.ts';
import { pathGlobMatcher } from '../static/cache-control.ts';
import { resolveServedPath } from '../static/resolve-path.ts';
import type { AccessRuleConfig } from './config-kinds.ts';

export type Decision = 'allow' | 'sign-in' | 'forbidden';

interface Who {
  anyone: boolean;
  authenticated: boolean;
  names: ReadonlySet<string>;
}

export interface AccessRule {
  /** The rule's glob as configured (the trace names the rule by it). */
  path: string;
  test: (path: string) => boolean;
  read: Who;
  write: Who;
  allowIps: ((address: string) => boolean) | null;
  denyIps: ((address: string) => boolean) | null;
}

const ANYONE: Who = { anyone: true, authenticated: false, names: new Set() };

function who(list: readonly string[] | undefined): Who {
  if (list === undefined) return ANYONE;
  return { anyone: list.includes('*'), authenticated: list.includes('@authenticated'), names: new Set(list.filter((x) => x !== '*' && x !== '@authenticated')) };
}

/**
 * The path rules match: percent-decoded once, "." and ".." resolved, repeated slashes folded, as the
 * file that is served is found — so "/public/../admin/x" and "/%61dmin/x" meet the rules of /admin.
 * A path that serves nothing (malformed escapes, encoded slashes) is matched as it came.
 */
export function rulePath(requestPath: string): string {
  // The usual path has nothing to decode or resolve: no escape, no dot segment, no empty segment.
  if (requestPath.charCodeAt(0) === 0x2f && !requestPath.includes('%') && !requestPath.includes('/.') && !requestPath.includes('//')) return requestPath;
  const r = resolveServedPath('/', requestPath);
  if (!r.ok) return requestPath;
  if (r.segments.length === 0) return '/';
  return '/' + r.segments.join('/') + (r.trailingSlash ? '/' : '');
}

export const isReadMethod = (method: string): boolean => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

export class PathRules {
  readonly #rules: AccessRule[];
  /** True when some rule restricts something: otherwise listings need no per-request view. */
  readonly restrictsAnything: boolean;
  /** True when a rule looks at the client address (a listing view then depends on it). */
  readonly usesAddress: boolean;

  /** `signInByDefault`: with users but no rules, the whole site needs a sign-in. */
  constructor(rules: readonly AccessRuleConfig[], signInByDefault: boolean) {
    const configured = rules.length === 0 && signInByDefault ? [{ path: '/**', read: ['@authenticated'], write: ['@authenticated'] }] : rules;
    this.#rules = configured.map((r) => ({
      path: r.path,
      test: pathGlobMatcher(r.path),
      read: who(r.read),
      write: who(r.write),
      allowIps: r.allow_ips === undefined ? null : networkMatcher(r.allow_ips),
      denyIps: r.deny_ips === undefined ? null : networkMatcher(r.deny_ips),
    }));
    this.usesAddress = this.#rules.some((r) => r.allowIps !== null || r.denyIps !== null);
    this.restrictsAnything = this.usesAddress || this.#rules.some((r) => !r.read.anyone || !r.write.anyone);
  }

  /** The first rule for a decoded path, or null: the request is then open to everyone. */
  match(path: string): AccessRule | null {
    for (const rule of this.#rules) if (rule.test(path)) return rule;
    return null;
  }

  /** The outcome for a decoded path (listings ask this of every entry). */
  decide(path: string, write: boolean, user: string | null, address: string): Decision {
    const rule = this.match(path);
    return rule === null ? 'allow' : decideRule(rule, write, user, address);
  }
}

/** True when the request may go on without anyone signed in (no need to look at credentials). */
export function isPublicRule(rule: AccessRule, write: boolean): boolean {
  return rule.allowIps === null && rule.denyIps === null && (write ? rule.write : rule.read).anyone;
}

/** True when no sign-in could admit the request: its address is refused, or the rule admits nobody. */
export function refusesEveryone(rule: AccessRule, write: boolean, address: string): boolean {
  if (rule.denyIps !== null && rule.denyIps(address)) return true;
  if (rule.allowIps !== null && !rule.allowIps(address)) return true;
  const w = write ? rule.write : rule.read;
  return !w.anyone && !w.authenticated && w.names.size === 0;
}

/** The outcome under one rule for a method class, the signed-in user (null: nobody) and the client address. */
export function decideRule(rule: AccessRule, write: boolean, user: string | null, address: string): Decision {
  if (rule.denyIps !== null && rule.denyIps(address)) return 'forbidden';
  if (rule.allowIps !== null && !rule.allowIps(address)) return 'forbidden';
  const w = write ? rule.write : rule.read;
  if (w.anyone) return 'allow';
  if (user !== null && (w.authenticated || w.names.has(user))) return 'allow';
  if (user === null && (w.authenticated || w.names.size > 0)) return 'sign-in';
  return 'forbidden';
}
