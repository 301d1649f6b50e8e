// Maps a request path to a file path that can never leave the document root.
// The path is percent-decoded exactly once and must be valid UTF-8; NUL, backslashes and encoded
// slashes are refused outright; "." and ".." segments are resolved lexically and may not climb above
// the root; and the result is checked against the root with a separator-aware prefix test (so that
// "/srv/public-old" never passes for "/srv/public").

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
