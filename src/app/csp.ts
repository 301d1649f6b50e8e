// Content-Security-Policy sources for the inline style and script of the pages we generate (the
// directory listing, the status dashboard, the inspector): allowing exactly those texts by hash forbids any other.

import { createHash } from 'node:crypto';

/** The CSP hash source of a text: 'sha256-<base64 digest>' (CSP Level 2, §4.2.4). */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The policy of a status page (dashboard, inspector): its one inline script and style by hash, data:
 * images, requests to its own origin only, and no forms, framing or base URL. */
export function statusPageCsp(script: string, style: string): string {
  return [
    "default-src 'none'",
    `script-src ${cspHash(script)}`,
    `style-src ${cspHash(style)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
