// Maps a request path to a file path that can never leave the document root.
// The path is percent-decoded exactly once and must be valid UTF-8; NUL, backslashes and encoded
// slashes are refused outright; "." and ".." segments are resolved lexically and may not climb above
// the root; and the result is checked against the root with a separator-aware prefix test (so that
// "/srv/public-old" never passes for "/srv/public").
//
// For serving, a path whose bytes are not UTF-8 is not refused: file names on Linux are bytes, and a
// listing links such a file by its percent-encoded bytes. resolveServedPath then resolves the path
// as bytes (a Buffer), with the same refusals (NUL, backslash, encoded slashes, climbing out).

import { isUtf8 } from 'node:buffer';
import { sep, resolve as resolvePath } from 'node:path';

export type Resolved =
  | { ok: true; filePath: string; segments: string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 404 };

export function resolveRequestPath(root: string, urlPath: string): Resolved {
  if (!urlPath.startsWith('/')) return { ok: false, status: 400 };
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath); // throws on malformed escapes and invalid UTF-8
  } catch {
    return { ok: false, status: 400 };
  }
  // An encoded "/" (%2F) would make one segment look like two after decoding: refuse, as nginx does.
  if (/%2f/i.test(urlPath) || /%5c/i.test(urlPath)) return { ok: false, status: 404 };
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 404 };
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return { ok: false, status: 404 };
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  const filePath = resolvePath(root, ...segments);
  if (filePath !== root && !filePath.startsWith(root.endsWith(sep) ? root : root + sep)) return { ok: false, status: 404 };
  return { ok: true, filePath, segments, trailingSlash: decoded.endsWith('/') };
}

export type ResolvedBytes = { ok: true; filePath: Buffer; segments: string[]; rawSegments: Buffer[]; trailingSlash: boolean };

/**
 * resolveRequestPath, except that well-formed escapes which are not UTF-8 resolve to a byte path
 * (`segments` then show U+FFFD for the undecodable bytes; `rawSegments` are the real names). Only a
 * request that resolveRequestPath refuses with 400 takes the byte road, so the usual path costs nothing.
 */
export function resolveServedPath(root: string, urlPath: string): Resolved | ResolvedBytes {
  const resolved = resolveRequestPath(root, urlPath);
  if (resolved.ok || resolved.status !== 400 || !urlPath.startsWith('/')) return resolved;
  const bytes = percentDecode(urlPath);
  if (bytes === null || isUtf8(bytes)) return resolved;
  if (/%2f/i.test(urlPath) || /%5c/i.test(urlPath) || bytes.includes(0) || bytes.includes(0x5c)) return { ok: false, status: 404 };
  const rawSegments: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x2f) continue;
    const segment = bytes.subarray(start, i);
    start = i + 1;
    if (segment.length === 0 || (segment.length === 1 && segment[0] === 0x2e)) continue;
    if (segment.length === 2 && segment[0] === 0x2e && segment[1] === 0x2e) {
      if (rawSegments.length === 0) return { ok: false, status: 404 };
      rawSegments.pop();
      continue;
    }
    rawSegments.push(segment);
  }
  // Segments carry no "/", ".", ".." or NUL, so root + segments cannot leave the root.
  const parts: Buffer[] = [Buffer.from(root.endsWith(sep) ? root.slice(0, -1) : root)];
  for (const segment of rawSegments) parts.push(Buffer.from(sep), segment);
  const filePath = rawSegments.length === 0 ? Buffer.from(root) : Buffer.concat(parts);
  return { ok: true, filePath, segments: rawSegments.map((s) => s.toString('utf8')), rawSegments, trailingSlash: bytes[bytes.length - 1] === 0x2f };
}

/** %XX escapes to bytes; null when an escape is malformed. Other characters are taken as UTF-8. */
function percentDecode(text: string): Buffer | null {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x25) {
      const cp = text.codePointAt(i)!;
      if (cp < 0x80) out.push(cp);
      else for (const b of Buffer.from(String.fromCodePoint(cp))) out.push(b);
      if (cp > 0xffff) i++;
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
    out.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(out);
}

/**
 * True when any segment is a dotfile or dot-folder (".git", ".env"); "." and ".." never get here.
 * `.well-known` (RFC 8615) is public by definition: ACME challenges and security.txt live there.
 */
export function hasHiddenSegment(segments: readonly string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.charCodeAt(0) === 0x2e && !(i === 0 && s === '.well-known')) return true;
  }
  return false;
}

/** True for a directory entry name that is hidden (same rule, for listings). */
export function isHiddenName(name: string, atRoot: boolean): boolean {
  return name.charCodeAt(0) === 0x2e && !(atRoot && name === '.well-known');
}
