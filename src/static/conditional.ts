// Conditional requests, RFC 9110 §13.2.2, evaluated in the order the RFC fixes:
//   1. If-Match (strong comparison) else If-Unmodified-Since     → false: 412
//   2. If-None-Match (weak comparison) else If-Modified-Since    → false: 304 for GET/HEAD, else 412
//   3. If-Range decides whether a Range applies (§13.1.5)         → see ifRangeApplies
// Pure: no IO, the caller supplies the header values and the resource's validators.

import { parseEtagList, strongMatch, weakMatch } from './etag.ts';

export interface Validators {
  /** The current strong entity-tag, e.g. `"1f-18c2…"`. */
  etag: string;
  /** Last modification time in ms since the epoch. */
  lastModifiedMs: number;
}

export interface ConditionalHeaders {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

export type ConditionalOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

/** An HTTP-date (§5.6.7) in ms; NaN when the value is not one. Accepts the three historical formats. */
export function parseHttpDateMs(value: string): number {
  const v = value.trim();
  // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", rfc850 "Sunday, 06-Nov-94 08:49:37 GMT",
  // asctime "Sun Nov  6 08:49:37 1994". Anything else is not a date, whatever Date.parse thinks.
  if (!/^[A-Z][a-z]{2,8},? [\d A-Za-z:-]+$/.test(v) || v.length > 40) return Number.NaN;
  return Date.parse(/GMT$/.test(v) ? v : v + ' GMT');
}

/** HTTP dates have one-second resolution: compare at that resolution (§8.8.2). */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function anyMatch(list: string, etag: string, compare: (a: string, b: string) => boolean): boolean {
  const tags = parseEtagList(list);
  if (tags === '*') return true; // the resource exists (we only evaluate for existing files)
  if (tags === null) return false;
  return tags.some((t) => compare(t, etag));
}

export function evaluateConditionals(method: string, h: ConditionalHeaders, v: Validators): ConditionalOutcome {
  const safe = method === 'GET' || method === 'HEAD';
  // Step 1 (§13.1.1 / §13.1.4).
  if (h.ifMatch !== undefined) {
    if (!anyMatch(h.ifMatch, v.etag, strongMatch)) return 'precondition-failed';
  } else if (h.ifUnmodifiedSince !== undefined) {
    const date = parseHttpDateMs(h.ifUnmodifiedSince);
    // An invalid date is ignored (§13.1.4).
    if (!Number.isNaN(date) && seconds(v.lastModifiedMs) > seconds(date)) return 'precondition-failed';
  }
  // Step 2 (§13.1.2 / §13.1.3).
  if (h.ifNoneMatch !== undefined) {
    if (anyMatch(h.ifNoneMatch, v.etag, weakMatch)) return safe ? 'not-modified' : 'precondition-failed';
  } else if (safe && h.ifModifiedSince !== undefined) {
    const date = parseHttpDateMs(h.ifModifiedSince);
    if (!Number.isNaN(date) && seconds(v.lastModifiedMs) <= seconds(date)) return 'not-modified';
  }
  return 'proceed';
}

/**
 * §13.1.5: a Range is honoured only when If-Range (if any) still matches. An entity-tag must match
 * strongly; a date must equal Last-Modified exactly (and a date is only a strong enough validator
 * when the resource was not modified within the same second, which mtime-based dates cannot
 * promise for the current second, so we also require the date to be at least 1 s in the past).
 */
export function ifRangeApplies(ifRange: string | undefined, v: Validators, nowMs: number = Date.now()): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/"')) return strongMatch(value, v.etag);
  const date = parseHttpDateMs(value);
  if (Number.isNaN(date)) return false;
  return seconds(date) === seconds(v.lastModifiedMs) && seconds(nowMs) > seconds(v.lastModifiedMs);
}
