// Entity tags (RFC 9110 §8.8.3). Ours are strong validators built from the file's size and
// modification time, as nginx does: cheap (no hashing of the body) and they change whenever the
// bytes plausibly change. A content-coded variant gets its own tag ("…-br", "…-gz"), because a strong
// validator must differ between representations whose bytes differ (§8.8.1).

/** `"<size hex>-<mtime ms hex>"`, plus a suffix for a content-coded variant. */
export function makeEtag(size: number, mtimeMs: number, suffix = ''): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${suffix}"`;
}

/** The variant's tag for an identity tag: `"abc"` + `-br` → `"abc-br"`. */
export function variantEtag(etag: string, coding: string): string {
  return `${etag.slice(0, -1)}-${coding === 'gzip' ? 'gz' : coding}"`;
}

/** Strips a weak prefix: `W/"x"` → `"x"`. */
function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * Splits an If-Match / If-None-Match value into its entity-tags (§8.8.3: `1#entity-tag` or `*`).
 * Commas may appear inside a quoted tag, so the list is walked rather than split.
 * Returns '*' for the wildcard and null for a value that is not a valid list.
 */
export function parseEtagList(value: string): string[] | '*' | null {
  const v = value.trim();
  if (v === '*') return '*';
  const tags: string[] = [];
  let i = 0;
  while (i < v.length) {
    const c = v[i]!;
    if (c === ' ' || c === '\t' || c === ',') {
      i++;
      continue;
    }
    let start = i;
    if (v.startsWith('W/', i)) i += 2;
    if (v[i] !== '"') return null;
    const close = v.indexOf('"', i + 1);
    if (close === -1) return null;
    tags.push(v.slice(start, close + 1));
    i = close + 1;
    start = i;
  }
  return tags.length === 0 ? null : tags;
}

/** Strong comparison (§8.8.3.2): both strong and identical. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

/** Weak comparison: identical opaque-tags, weak or not. */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}
