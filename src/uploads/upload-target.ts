// Where a write may go. Every write is confined to the document root (or the upload folder): the
// request path goes through the same resolver static serving uses (one decode, no "..", no encoded
// slashes, no NUL), dot-segments are refused, and the real path of the folder written into must be
// inside the real root, so a symlink cannot carry a write outside it.

import { realpath, stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { HttpError } from '../app/http-error.ts';
import { hasHiddenSegment, resolveRequestPath } from '../static/resolve-path.ts';

export interface TargetOptions {
  /** Absolute real path of the document root. */
  root: string;
  /** Let writes follow symlinks out of the root (static follow_symlinks). Off by default. */
  followSymlinks?: boolean;
}

export interface ResolvedTarget {
  /** Absolute path the request addresses. */
  path: string;
  segments: string[];
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Resolves a request path for writing; hidden segments (".git", ".~upload-…") are never writable. */
export function resolveWritePath(options: TargetOptions, urlPath: string): ResolvedTarget {
  const resolved = resolveRequestPath(options.root, urlPath);
  if (!resolved.ok) throw new HttpError(resolved.status, resolved.status === 400 ? 'Malformed path' : 'Not Found');
  if (hasHiddenSegment(resolved.segments)) throw new HttpError(404, 'Not Found');
  return { path: resolved.filePath, segments: resolved.segments };
}

/**
 * The real path of an existing folder we may write into, or null when it does not exist (or is
 * not a folder). Throws 404 when it exists but really lives outside the root.
 */
export async function writableFolder(options: TargetOptions, dir: string): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(dir);
    if (!(await stat(real)).isDirectory()) return null;
  } catch {
    return null;
  }
  if (options.followSymlinks !== true && !isInside(options.root, real)) throw new HttpError(404, 'Not Found');
  return real;
}

/** The URL path of a file under the root ("/a%20b/c.txt"), or null outside it. */
export function urlFor(root: string, path: string, trailingSlash = false): string | null {
  if (!isInside(root, path)) return null;
  const rel = relative(root, path);
  const url = rel === '' ? '/' : '/' + rel.split(sep).map(encodeURIComponent).join('/');
  return trailingSlash && !url.endsWith('/') ? url + '/' : url;
}
