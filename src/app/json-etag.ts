// Entity tags for JSON representations (RFC 9110 §8.8.3) and the preconditions that use them
// (§13.1.1 If-Match, §13.1.2 If-None-Match). The tag is a strong validator: a hash of the exact
// bytes sent, so two byte-identical bodies share it and any change gives a new one.

import { createHash } from 'node:crypto';

/** A strong ETag for these bytes: "…" holding 128 bits of SHA-256, base64url. */
export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/** The entity-tags of an If-Match / If-None-Match value; "*" alone gives ["*"]. */
function tags(field: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(field)) !== null && m[0] !== '') out.push(m[1]!);
  return out;
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** §13.1.2: weak comparison; true when the field lists the current tag (or "*" and there is one). */
export function noneMatchFails(field: string, current: string | null): boolean {
  const list = tags(field);
  if (current === null) return false;
  return list.some((t) => t === '*' || opaque(t) === opaque(current));
}

/** §13.1.1: strong comparison; true when the precondition fails (412): no current tag, or none listed matches. */
export function ifMatchFails(field: string, current: string | null): boolean {
  const list = tags(field);
  if (list.includes('*')) return current === null;
  if (current === null || current.startsWith('W/')) return true;
  return !list.some((t) => !t.startsWith('W/') && t === current);
}
