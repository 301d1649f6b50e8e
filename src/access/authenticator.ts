// Who a request's Authorization field says it is: HTTP Basic (RFC 7617) against the users, or a
// Bearer token (RFC 6750) against the tokens. The rules that make it safe:
// - a password is checked by its slow hash, off the event loop, at most a few at a time;
// - an unknown user name costs exactly what a wrong password costs (a dummy hash of the same
//   format and cost is checked), so response times do not tell which names exist;
// - a verified Authorization value is remembered for a while under a keyed hash of it (never the
//   password itself), so a keep-alive browser re-sending it pays a map lookup, not a scrypt;
// - an address with too many failures is refused before any hash is computed.

import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../app/http-error.ts';
import { BoundedMap } from './bounded-map.ts';
import { FailureCounter } from './failure-counter.ts';
import { HashLimiter } from './hash-limiter.ts';
import type { UserEntry } from './htpasswd.ts';
import { dummyHashLike, parsePasswordHash, sha256, verifyPassword, type ParsedHash } from './password-hash.ts';

export interface TokenEntry {
  name: string;
  /** SHA-256 of the token. */
  hash: Buffer;
}

export interface AuthenticatorOptions {
  users: readonly UserEntry[];
  tokens: readonly TokenEntry[];
  realm: string;
  maxFailures: number;
  failureWindowMs: number;
  /** 0: verified credentials are not remembered. */
  cacheTtlMs: number;
  cacheMaxEntries?: number;
  maxConcurrentHashes?: number;
  /** Called once per hash computed (tests count them). */
  onHash?: () => void;
  now?: () => number;
}

export type AuthResult =
  | { kind: 'none' }
  | { kind: 'ok'; user: string }
  /** Credentials given but wrong (or malformed). */
  | { kind: 'bad'; scheme: 'basic' | 'bearer' }
  /** Too many failures from this address: Retry-After seconds. */
  | { kind: 'blocked'; retryAfter: number };

const NONE: AuthResult = { kind: 'none' };
const BAD_BASIC: AuthResult = { kind: 'bad', scheme: 'basic' };
const BAD_BEARER: AuthResult = { kind: 'bad', scheme: 'bearer' };
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// A fixed dummy for a site with no users yet (tokens only): a Basic attempt still costs a hash.
const FALLBACK_DUMMY = parsePasswordHash('$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') as ParsedHash;

interface Cached {
  user: string;
  expiresMs: number;
}

/** The last credential a connection had verified (see authenticate). */
interface ConnectionMemo {
  header: string;
  ok: AuthResult;
  expiresMs: number;
  generation: number;
}

/** A quoted-string (RFC 9110 §5.6.4): backslash before '"' and '\'. */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

export class Authenticator {
  readonly #o: AuthenticatorOptions;
  #users = new Map<string, ParsedHash>();
  #dummy: ParsedHash = FALLBACK_DUMMY;
  readonly #cache: BoundedMap<string, Cached>;
  readonly #cacheKey = randomBytes(32);
  readonly #connections = new WeakMap<object, ConnectionMemo>();
  /** Checks under way, by cache key (at most the hash limiter's queue of them). */
  readonly #pending = new Map<string, Promise<AuthResult>>();
  /** Bumped when the users change: every connection memo is stale from then on. */
  #generation = 0;
  readonly #failures: FailureCounter;
  readonly #limiter: HashLimiter;
  readonly #now: () => number;
  readonly #challenge: string;
  readonly #bearerChallenge: string;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
    this.#cache = new BoundedMap(options.cacheMaxEntries ?? 1000);
    this.#failures = new FailureCounter(options.maxFailures, options.failureWindowMs);
    this.#limiter = new HashLimiter(options.maxConcurrentHashes ?? 4, 1000);
    this.#now = options.now ?? Date.now;
    this.replaceUsers(options.users);
    const realm = quoted(options.realm);
    // RFC 7617 §2.1: charset="UTF-8" tells the browser how to encode the user name and password.
    const basic = `Basic realm=${realm}, charset="UTF-8"`;
    const bearer = `Bearer realm=${realm}`;
    const schemes = [options.users.length > 0 || options.tokens.length === 0 ? basic : null, options.tokens.length > 0 ? bearer : null];
    this.#challenge = schemes.filter((s) => s !== null).join(', ');
    // RFC 6750 §3.1: a token that was presented and refused is named as such.
    this.#bearerChallenge = `${bearer}, error="invalid_token"`;
  }

  /** New users (auth_file re-read): remembered credentials are forgotten, so a removed user is out at once. */
  replaceUsers(users: readonly UserEntry[]): void {
    this.#users = new Map(users.map((u) => [u.name, u.hash]));
    // The dummy copies the first user's format and cost: the common case of one kind of hash.
    this.#dummy = users.length > 0 ? dummyHashLike(users[0]!.hash) : FALLBACK_DUMMY;
    this.#cache.clear();
    this.#generation++;
  }

  /** The WWW-Authenticate value of a 401 (RFC 9110 §11.6.1); `badBearer`: a refused token. */
  challenge(badBearer = false): string {
    return badBearer ? this.#bearerChallenge : this.#challenge;
  }

  /**
   * Checks an Authorization value; synchronous when nothing needs hashing (no field, cache hit,
   * blocked). `connection`: an object that lives as long as the client's connection (req.peer). A
   * keep-alive client re-sends the same value on every request: the connection remembers the last
   * value it had verified, so the next request costs one string comparison instead of the keyed
   * hash of the shared cache. That memo holds what the connection itself sent, and goes with it.
   * `nowMs`: the request's own timestamp, when the caller has one (saves a clock read).
   */
  authenticate(header: string | undefined, address: string, connection?: object, nowMs?: number): AuthResult | Promise<AuthResult> {
    if (header === undefined) return NONE;
    const now = nowMs ?? this.#now();
    const ttl = this.#o.cacheTtlMs;
    if (connection !== undefined && ttl > 0) {
      const memo = this.#connections.get(connection);
      if (memo !== undefined && memo.header === header && memo.expiresMs > now && memo.generation === this.#generation) return memo.ok;
    }
    const result = this.#check(header, address, now, ttl);
    if (connection === undefined || ttl === 0) return result;
    const remember = (r: AuthResult): AuthResult => {
      if (r.kind === 'ok') this.#connections.set(connection, { header, ok: r, expiresMs: now + ttl, generation: this.#generation });
      return r;
    };
    return result instanceof Promise ? result.then(remember) : remember(result);
  }

  #check(header: string, address: string, now: number, ttl: number): AuthResult | Promise<AuthResult> {
    let key = '';
    if (ttl > 0) {
      key = createHash('sha256').update(this.#cacheKey).update(header).digest('base64');
      const hit = this.#cache.get(key);
      if (hit !== undefined) {
        if (hit.expiresMs > now) return { kind: 'ok', user: hit.user };
        this.#cache.delete(key);
      }
    }
    const retryAfter = this.#failures.retryAfter(address, now);
    if (retryAfter > 0) return { kind: 'blocked', retryAfter };
    // RFC 9110 §11.1: the scheme name is case-insensitive; one or more spaces before the credentials.
    const m = /^([A-Za-z]+) +(\S+) *$/.exec(header);
    const scheme = m?.[1]?.toLowerCase();
    if (scheme === 'bearer') return this.#bearer(m![2]!, address, now, key);
    if (scheme !== 'basic') return this.#fail(address, now, BAD_BASIC);
    if (key === '') return this.#basic(m![2]!, address, key);
    // The same value already being checked (a browser opens several connections at once, each
    // sending it): wait for that check rather than run one more scrypt for the same answer.
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const check = this.#basic(m![2]!, address, key).finally(() => this.#pending.delete(key));
    this.#pending.set(key, check);
    return check;
  }

  #fail(address: string, now: number, result: AuthResult): AuthResult {
    this.#failures.record(address, now);
    return result;
  }

  #remember(key: string, user: string): AuthResult {
    if (key !== '') this.#cache.set(key, { user, expiresMs: this.#now() + this.#o.cacheTtlMs });
    return { kind: 'ok', user };
  }

  #bearer(token: string, address: string, now: number, key: string): AuthResult {
    this.#o.onHash?.();
    const digest = sha256(token);
    // Every token is compared, found or not: the time does not depend on which one matched.
    let found: string | null = null;
    for (const t of this.#o.tokens) if (timingSafeEqual(digest, t.hash) && found === null) found = t.name;
    return found === null ? this.#fail(address, now, BAD_BEARER) : this.#remember(key, found);
  }

  async #basic(token68: string, address: string, key: string): Promise<AuthResult> {
    // RFC 7617 §2: base64 of user-id ":" password; user-id has no colon, so the first one splits.
    const raw = BASE64.test(token68) ? Buffer.from(token68, 'base64') : null;
    const colon = raw === null || !isUtf8(raw) ? -1 : raw.indexOf(0x3a);
    if (colon === -1) return this.#fail(address, this.#now(), BAD_BASIC);
    const name = raw!.subarray(0, colon).toString('utf8');
    const password = raw!.subarray(colon + 1);
    const stored = this.#users.get(name);
    const ok = await this.#limiter.run(async () => {
      this.#o.onHash?.();
      // An unknown name is checked against the dummy: the same work as a wrong password.
      const matched = await verifyPassword(stored ?? this.#dummy, password);
      return matched && stored !== undefined;
    });
    if (ok === null) throw new HttpError(503, 'Too many sign-ins at once; try again shortly', { headers: { 'Retry-After': '1' } });
    return ok ? this.#remember(key, name) : this.#fail(address, this.#now(), BAD_BASIC);
  }
}
