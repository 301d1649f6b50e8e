// Security headers on every response (enable_security_headers), with per-header overrides from
// config (security_headers: {"Header-Name": "value"}; null or "" removes a default).
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

/** The final header list: defaults, then overrides (case-insensitive names, config spelling wins). */
export function resolveSecurityHeaders(overrides: Readonly<Record<string, string | null>> = {}): [string, string][] {
  const byLower = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(DEFAULT_SECURITY_HEADERS)) byLower.set(name.toLowerCase(), [name, value]);
  for (const [name, value] of Object.entries(overrides)) {
    if (!TOKEN.test(name)) throw new Error(`security_headers: ${JSON.stringify(name)} is not a valid header name`);
    if (value === null || value === '') {
      byLower.delete(name.toLowerCase());
      continue;
    }
    if (typeof value !== 'string' || unsafeFieldValue(value)) throw new Error(`security_headers.${name}: the value must be a string without line breaks`);
    byLower.set(name.toLowerCase(), [name, value]);
  }
  return [...byLower.values()];
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
