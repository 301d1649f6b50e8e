// Content-Security-Policy sources for the inline style and script of the pages we generate (the
// directory listing, the status dashboard): allowing exactly those texts by hash forbids any other.

import { createHash } from 'node:crypto';

/** The CSP hash source of a text: 'sha256-<base64 digest>' (CSP Level 2, §4.2.4). */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}
