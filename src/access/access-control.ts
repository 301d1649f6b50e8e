// The access-control middleware and what listings need from it. Built once at start-up, and only
// when users, tokens, an auth_file or rules are configured: otherwise the site has no such step.
//
// Order of a request: path rules by client address (403), then, when the rule admits only some
// people (or credentials were sent), the Authorization field: blocked address → 429 with
// Retry-After; wrong or missing credentials where signing in could help → 401 with WWW-Authenticate;
// a signed-in user the rule does not admit → 403. The user's name is kept in req.locals.user, where
// the access log and the listing find it. Credentials sent to a public path are checked too (so the
// listing shows what that user may read) but a wrong one there only leaves the request anonymous.

import type { Middleware } from '../app/pipeline.ts';
import { HttpError } from '../app/http-error.ts';
import type { Request } from '../server/request.ts';
import type { ListingAccessView } from '../static/serve-directory.ts';
import { Authenticator, type AuthResult } from './authenticator.ts';
import { clientAddressOf } from './client-address.ts';
import type { AccessRuleConfig, TokenConfig, UserConfig } from './config-kinds.ts';
import { readHtpasswd, type UserEntry } from './htpasswd.ts';
import { parsePasswordHash, parseTokenHash, type ParsedHash } from './password-hash.ts';
import { decideRule, isPublicRule, isReadMethod, PathRules, refusesEveryone, rulePath, type AccessRule } from './path-rules.ts';

export interface AccessControlOptions {
  users?: readonly UserConfig[];
  /** An htpasswd file of more users. */
  authFile?: string | null;
  tokens?: readonly TokenConfig[];
  rules?: readonly AccessRuleConfig[];
  realm: string;
  maxFailures?: number;
  /** Seconds. */
  failureWindow?: number;
  /** Seconds. */
  cacheTtl?: number;
  /** Called once per password or token hash computed (tests count them). */
  onHash?: () => void;
}

export interface AccessControl {
  middleware: Middleware;
  /** The view of the folder at a decoded URL path; null when no rule could hide anything. */
  listingView: ((req: Request, folderPath: string) => ListingAccessView | null) | null;
  /** Re-reads auth_file (SIGHUP); throws, keeping the users it had, when the file has a problem. */
  reloadUsers(): void;
}

/** True when the options ask for any access control at all. */
export function accessControlConfigured(o: Partial<AccessControlOptions>): boolean {
  return (o.users?.length ?? 0) > 0 || (o.tokens?.length ?? 0) > 0 || (o.rules?.length ?? 0) > 0 || (o.authFile ?? null) !== null;
}

/** Users of the config and the auth_file; a problem in either is thrown (the loader has checked them at start-up). */
export function loadUsers(users: readonly UserConfig[], authFile: string | null): UserEntry[] {
  const out: UserEntry[] = users.map((u) => ({ name: u.name, hash: parsePasswordHash(u.password_hash) as ParsedHash }));
  if (authFile === null) return out;
  const file = readHtpasswd(authFile);
  if (file.errors.length > 0) throw new Error(file.errors.join('; '));
  const names = new Set(out.map((u) => u.name));
  for (const u of file.users) if (!names.has(u.name)) out.push(u);
  return out;
}

/** Why a rule refuses a request whoever signs in (for the trace). */
function whyRefused(rule: AccessRule, write: boolean, address: string): string {
  if ((rule.denyIps !== null && rule.denyIps(address)) || (rule.allowIps !== null && !rule.allowIps(address))) return `the address ${address} is not admitted`;
  return `the rule lets nobody ${write ? 'write' : 'read'}`;
}

export function createAccessControl(options: AccessControlOptions): AccessControl | null {
  if (!accessControlConfigured(options)) return null;
  const users = loadUsers(options.users ?? [], options.authFile ?? null);
  const tokens = (options.tokens ?? []).map((t) => ({ name: t.name, hash: (parseTokenHash(t.token_hash) as ParsedHash & { format: 'sha256' }).hash }));
  const signInConfigured = users.length > 0 || tokens.length > 0 || (options.authFile ?? null) !== null;
  const rules = new PathRules(options.rules ?? [], signInConfigured);
  const auth = new Authenticator({
    users,
    tokens,
    realm: options.realm,
    maxFailures: options.maxFailures ?? 10,
    failureWindowMs: (options.failureWindow ?? 300) * 1000,
    cacheTtlMs: (options.cacheTtl ?? 300) * 1000,
    ...(options.onHash === undefined ? {} : { onHash: options.onHash }),
  });

  const decide = (req: Request, rule: AccessRule, write: boolean, result: AuthResult, address: string): void => {
    const signedIn = result.kind === 'ok' ? result.user : null;
    if (signedIn !== null) req.locals.user = signedIn;
    const decision = decideRule(rule, write, signedIn, address);
    if (decision === 'allow') return;
    if (decision === 'forbidden') req.trace?.decide('auth-403', rule.path, signedIn === null ? whyRefused(rule, write, address) : `${signedIn} may not ${write ? 'write' : 'read'} here`);
    if (decision === 'forbidden') throw new HttpError(403, signedIn === null ? 'Forbidden' : `${signedIn} may not ${write ? 'write' : 'read'} here`);
    if (result.kind === 'blocked') req.trace?.decide('auth-429', options.maxFailures ?? 10);
    if (result.kind === 'blocked') throw new HttpError(429, 'Too many failed sign-ins from this address; try again later', { headers: { 'Retry-After': String(result.retryAfter) } });
    const badBearer = result.kind === 'bad' && result.scheme === 'bearer';
    req.trace?.decide('auth-401', rule.path, result.kind === 'bad' ? 'the credentials sent are wrong' : 'no credentials came');
    throw new HttpError(401, result.kind === 'bad' ? 'Wrong user name or password' : 'Sign-in required', { headers: { 'WWW-Authenticate': auth.challenge(badBearer) } });
  };

  const middleware: Middleware = (req, _res, next) => {
    const rule = rules.match(rulePath(req.path));
    const write = !isReadMethod(req.method);
    const header = req.header('authorization');
    // A path no rule covers is open; but credentials sent there still name the user (listings, log).
    if (header === undefined && (rule === null || isPublicRule(rule, write))) return next();
    const address = clientAddressOf(req);
    // Refused whoever signs in (address rules, or a rule that admits nobody): 403 before any hash.
    if (rule !== null && refusesEveryone(rule, write, address)) {
      req.trace?.decide('auth-403', rule.path, whyRefused(rule, write, address));
      throw new HttpError(403, 'Forbidden');
    }
    const result = auth.authenticate(header, address, req.peer, req.startTime);
    if (result instanceof Promise) {
      return result.then((r) => {
        if (rule !== null) decide(req, rule, write, r, address);
        else if (r.kind === 'ok') req.locals.user = r.user;
        return next();
      });
    }
    if (rule !== null) decide(req, rule, write, result, address);
    else if (result.kind === 'ok') req.locals.user = result.user;
    return next();
  };

  const listingView = !rules.restrictsAnything
    ? null
    : (req: Request, folderPath: string): ListingAccessView => {
        const user = req.local('user');
        const name = typeof user === 'string' ? user : null;
        const address = clientAddressOf(req);
        return {
          key: `${name === null ? '-' : `u:${name}`}${rules.usesAddress ? `\0${address}` : ''}`,
          showEntry: (path) => rules.decide(path, false, name, address) === 'allow',
          showExtra: rules.decide(folderPath, true, name, address) === 'allow',
        };
      };

  return {
    middleware,
    listingView,
    reloadUsers: () => auth.replaceUsers(loadUsers(options.users ?? [], options.authFile ?? null)),
  };
}
