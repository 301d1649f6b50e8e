// Security headers on every response (enable_security_headers), with per-header overrides from
// config (security_headers: {"Header-Name": "value"}; null or "" removes a default).
//
// One field per name goes out. The static file handler is told these names at start-up and leaves
// its own field of the same name out of the heads it prepares (securityHeaderNames), so a configured
// Cache-Control or Vary replaces the file's instead of doubling it, at no cost per request. A page
// that sets a field for its own sake with setHeader (the status dashboard's CSP, no-store on error
// and status pages) replaces ours: it knows what it needs.
//
// Defaults are the ones that cannot break a site: nosniff (no MIME sniffing), a referrer policy that
// keeps paths private cross-origin, and same-origin framing only (X-Frame-Options, which every
// browser knows; Content-Security-Policy frame-ancestors supersedes it where a CSP is configured).
// A Content-Security-Policy is site-specific, so there is none unless configured.

import type { Middleware } from '../app/pipeline.ts';
import { unsafeFieldValue } from '../http1/response-head.ts';

export const DEFAULT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'SAMEORIGIN',
};

export interface SecurityHeadersOptions {
  /** Extra headers and overrides; a null or empty value removes that default. */
  headers?: Readonly<Record<string, string | null>> | undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const FRAMING = 'the server frames every message itself (RFC 9112 §6)';
const HOP_BY_HOP = 'it is a hop-by-hop field the server manages per connection (RFC 9110 §7.6.1)';
const PER_RESPONSE = "it describes each response's own content, so one value for all would be wrong";
// Fields a fixed value on every response would break: framing, connection management, the engine's
// own Date and Server, and representation metadata.
const REFUSED: Readonly<Record<string, string>> = {
  'content-length': FRAMING,
  'transfer-encoding': FRAMING,
  connection: HOP_BY_HOP,
  'keep-alive': HOP_BY_HOP,
  'proxy-connection': HOP_BY_HOP,
  te: HOP_BY_HOP,
  trailer: HOP_BY_HOP,
  upgrade: HOP_BY_HOP,
  date: 'the server writes Date on every response (RFC 9110 §6.6.1)',
  server: 'the server writes it: set server_name (and server_version) instead',
  'content-type': PER_RESPONSE,
  'content-encoding': PER_RESPONSE,
  'content-range': PER_RESPONSE,
  etag: PER_RESPONSE,
  'last-modified': PER_RESPONSE,
};

/** Why a header may not be set through security_headers, or null when it may. */
export function refusedSecurityHeader(name: string): string | null {
  const lower = name.toLowerCase();
  return Object.hasOwn(REFUSED, lower) ? REFUSED[lower]! : null;
}

/** The final header list: defaults, then overrides (case-insensitive names, config spelling wins). */
export function resolveSecurityHeaders(overrides: Readonly<Record<string, string | null>> = {}): [string, string][] {
  const byLower = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(DEFAULT_SECURITY_HEADERS)) byLower.set(name.toLowerCase(), [name, value]);
  for (const [name, value] of Object.entries(overrides)) {
    if (!TOKEN.test(name)) throw new Error(`security_headers: ${JSON.stringify(name)} is not a valid header name`);
    const refused = refusedSecurityHeader(name);
    if (refused !== null) throw new Error(`security_headers: ${name} cannot be set here: ${refused}`);
    if (value === null || value === '') {
      byLower.delete(name.toLowerCase());
      continue;
    }
    if (typeof value !== 'string' || unsafeFieldValue(value)) throw new Error(`security_headers.${name}: the value must be a string without line breaks`);
    byLower.set(name.toLowerCase(), [name, value]);
  }
  return [...byLower.values()];
}

/** The names (lower case) the middleware sets on every response: a handler preparing its heads
 * ahead leaves its own fields of these names out, so exactly one of each goes out. */
export function securityHeaderNames(overrides: Readonly<Record<string, string | null>> = {}): string[] {
  return resolveSecurityHeaders(overrides).map(([name]) => name.toLowerCase());
}

export function securityHeaders(options: SecurityHeadersOptions = {}): Middleware {
  const headers = resolveSecurityHeaders(options.headers);
  const names = Object.freeze(headers.map(([name]) => name.toLowerCase()));
  // One frozen list: checked once by appendFields, not on every response.
  const fields = Object.freeze(headers.flat());
  return (_req, res, next) => {
    // Appended, not set: nothing has set them yet at the top of the chain, and appending skips a scan.
    res.appendFields(fields);
    res.keepOnError(names); // they belong on an error page too, should one replace this response
    return next();
  };
}
