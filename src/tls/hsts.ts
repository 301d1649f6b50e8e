// HTTP Strict Transport Security (RFC 6797): tells a browser to use only HTTPS for this host for
// max-age seconds. The header is sent on HTTPS responses only — RFC 6797 §7.2 forbids it over plain
// HTTP, where an attacker could forge or strip it anyway.

import type { Middleware } from '../app/pipeline.ts';

export interface HstsOptions {
  /** Seconds; 0 turns HSTS off (and is how a site withdraws it, RFC 6797 §6.1.1). */
  maxAgeSeconds: number;
  /** Cover every subdomain too (RFC 6797 §6.1.2); off by default, as it can lock out plain-HTTP subdomains. */
  includeSubDomains?: boolean;
  /** Ask to be listed in browsers' preload lists (a convention outside the RFC). */
  preload?: boolean;
}

/** The Strict-Transport-Security value, e.g. "max-age=31536000; includeSubDomains". */
export function hstsValue(options: HstsOptions): string {
  if (!Number.isSafeInteger(options.maxAgeSeconds) || options.maxAgeSeconds < 0) throw new RangeError(`hsts_max_age: ${options.maxAgeSeconds} is not a whole number of seconds >= 0`);
  return `max-age=${options.maxAgeSeconds}${options.includeSubDomains === true ? '; includeSubDomains' : ''}${options.preload === true ? '; preload' : ''}`;
}

/** Middleware adding Strict-Transport-Security to every HTTPS response; a no-op when max-age is 0. */
export function hsts(options: HstsOptions): Middleware {
  const value = hstsValue(options);
  return (req, res, next) => {
    if (options.maxAgeSeconds > 0 && req.secure) res.setHeader('Strict-Transport-Security', value);
    return next();
  };
}
