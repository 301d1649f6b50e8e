// File names on Linux are bytes, not text. A name that is not valid UTF-8 has no JavaScript string
// that Node would turn back into the same bytes, so such a path travels as a Buffer; every other
// path stays a string (the common case pays nothing).

import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';

export type FsPath = string | Buffer;

const SEP = Buffer.from(sep);

/** dir + "/" + name, in bytes when either part is bytes. */
export function joinName(dir: FsPath, name: FsPath): FsPath {
  if (typeof dir === 'string' && typeof name === 'string') return dir.endsWith(sep) ? dir + name : dir + sep + name;
  const d = typeof dir === 'string' ? Buffer.from(dir) : dir;
  const parts = d[d.length - 1] === SEP[0] ? [d] : [d, SEP];
  return Buffer.concat([...parts, typeof name === 'string' ? Buffer.from(name) : name]);
}

/** The real (symlink-free) path, in the same form as the path given. */
export function realPath(path: FsPath): Promise<FsPath> {
  return typeof path === 'string' ? realpath(path) : realpath(path, { encoding: 'buffer' });
}

/** path + suffix (".gz", ".br"). */
export function withSuffix(path: FsPath, suffix: string): FsPath {
  return typeof path === 'string' ? path + suffix : Buffer.concat([path, Buffer.from(suffix)]);
}

/** The path as text: bytes that are not UTF-8 become U+FFFD (for display, type lookup, rules). */
export function pathText(path: FsPath): string {
  return typeof path === 'string' ? path : path.toString('utf8');
}

/** True when `path` is `root` or inside it (a separator-aware prefix test, in bytes when needed). */
export function isUnder(path: FsPath, root: string, rootPrefix: string): boolean {
  if (typeof path === 'string') return path === root || path.startsWith(rootPrefix);
  const prefix = Buffer.from(rootPrefix);
  return path.equals(Buffer.from(root)) || (path.length > prefix.length && path.subarray(0, prefix.length).equals(prefix));
}

/** One path segment percent-encoded from its bytes (RFC 3986 §2.1): everything but unreserved. */
export function encodeSegmentBytes(name: Buffer): string {
  let out = '';
  for (const b of name) {
    const unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
    out += unreserved ? String.fromCharCode(b) : `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
  }
  return out;
}
