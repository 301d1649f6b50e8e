// Where a write may go. Every write is confined to the document root (or the upload folder): the
// request path goes through the same resolver static serving uses (one decode, no "..", no encoded
// slashes, no NUL), dot-segments are refused, and the real path of the folder written into must be
// inside the real root, so a symlink cannot carry a write outside it.

import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, relative, sep } from 'node:path';
import { HttpError } from '../app/http-error.ts';
import { hasHiddenSegment, resolveRequestPath } from '../static/resolve-path.ts';
import { sanitizeFileName } from './sanitize-name.ts';

export interface WriteScope {
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

/** What a PUT, MKCOL or DELETE addresses: an entry in an existing folder. */
export interface EntryTarget {
  /** The real path of the folder holding the entry, or null when that folder does not exist. */
  dir: string | null;
  /** The last path segment as requested (decoded). */
  requested: string;
  /** The last segment made safe for a new file (sanitizeFileName); '' when nothing is left. */
  name: string;
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Resolves a request path for writing; hidden segments (".git", ".~upload-…") are never writable. */
export function resolveWritePath(scope: WriteScope, urlPath: string): ResolvedTarget {
  const resolved = resolveRequestPath(scope.root, urlPath);
  if (!resolved.ok) throw new HttpError(resolved.status, resolved.status === 400 ? 'Malformed path' : 'Not Found');
  if (hasHiddenSegment(resolved.segments)) throw new HttpError(404, 'Not Found');
  return { path: resolved.filePath, segments: resolved.segments };
}

/**
 * The real path of an existing folder we may write into, or null when it does not exist (or is
 * not a folder). Throws 404 when it exists but really lives outside the root.
 */
export async function writableFolder(scope: WriteScope, dir: string): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(dir);
    if (!(await stat(real)).isDirectory()) return null;
  } catch {
    return null;
  }
  if (scope.followSymlinks !== true && !isInside(scope.root, real)) throw new HttpError(404, 'Not Found');
  return real;
}

/** The entry a request path names; null for the document root itself (which no method replaces). */
export async function resolveEntry(scope: WriteScope, urlPath: string): Promise<EntryTarget | null> {
  const resolved = resolveWritePath(scope, urlPath);
  if (resolved.segments.length === 0) return null;
  const requested = basename(resolved.path);
  return { dir: await writableFolder(scope, dirname(resolved.path)), requested, name: sanitizeFileName(requested, '') };
}

/** The URL path of a file under the root ("/a%20b/c.txt"), or null outside it. */
export function urlFor(root: string, path: string, trailingSlash = false): string | null {
  if (!isInside(root, path)) return null;
  const rel = relative(root, path);
  const url = rel === '' ? '/' : '/' + rel.split(sep).map(encodeURIComponent).join('/');
  return trailingSlash && !url.endsWith('/') ? url + '/' : url;
}
