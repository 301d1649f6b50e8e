// Which fields the encoder adds to the dynamic table, decided per name once and cached.
//
// The table is a 4 KiB FIFO shared by every response on the connection: what is worth a slot is what
// repeats — content-type, cache-control, server, vary, security headers, and date (the same for every
// response within a second, so indexing it costs one new entry per second at most) — after the first
// response each costs one or two octets. What changes with every response would only push those out:
// content-length, etag, last-modified, content-range, location and age go out as literals without
// indexing (their name still comes from the static table). Sensitive values are never indexed, and are
// marked so that no intermediary indexes them either (RFC 7541 §7.1.3): authorization and
// proxy-authorization, set-cookie, and cookies too short to resist guessing (under 20 octets, §7.1.3).

import { STATIC_NAMES, type StaticName } from './static-table.ts';

/** Add to the dynamic table (literal with incremental indexing, §6.2.1). */
export const INDEX = 0;
/** Literal without indexing (§6.2.2). */
export const NO_INDEX = 1;
/** Literal never indexed (§6.2.3). */
export const NEVER_INDEX = 2;
/** cookie: NEVER_INDEX when shorter than SHORT_COOKIE_OCTETS, else INDEX. */
export const COOKIE = 3;

export type IndexPolicy = typeof INDEX | typeof NO_INDEX | typeof NEVER_INDEX | typeof COOKIE;

/** A cookie shorter than this is guessable one value at a time through the compression ratio (§7.1.3). */
export const SHORT_COOKIE_OCTETS = 20;

const POLICIES = new Map<string, IndexPolicy>([
  ['authorization', NEVER_INDEX],
  ['proxy-authorization', NEVER_INDEX],
  ['set-cookie', NEVER_INDEX],
  ['cookie', COOKIE],
  ['content-length', NO_INDEX],
  ['content-range', NO_INDEX],
  ['etag', NO_INDEX],
  ['last-modified', NO_INDEX],
  ['location', NO_INDEX],
  ['age', NO_INDEX],
  [':path', NO_INDEX],
  ['if-modified-since', NO_INDEX],
  ['if-none-match', NO_INDEX],
]);

export interface NameInfo {
  /** The name as HTTP/2 sends it: lower case (RFC 9113 §8.2.1). */
  readonly lower: string;
  readonly static: StaticName | undefined;
  readonly policy: IndexPolicy;
}

// Keyed by the name as the caller spells it ('Content-Type'), so the usual case is one lookup. A pure
// cache: cleared when full, so names from a proxied peer cannot grow it without bound.
const NAMES = new Map<string, NameInfo>();
const MAX_CACHED_NAMES = 1024;

// The name lower-cased as HTTP/2 sends it (RFC 9113 §8.2.1), its static entries and its policy.
export function nameInfo(name: string): NameInfo {
  let info = NAMES.get(name);
  if (info === undefined) {
    const lower = name.toLowerCase();
    info = { lower, static: STATIC_NAMES.get(lower), policy: POLICIES.get(lower) ?? INDEX };
    if (NAMES.size >= MAX_CACHED_NAMES) NAMES.clear();
    NAMES.set(name, info);
  }
  return info;
}
