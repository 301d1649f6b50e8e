// Where a write may go. Every write is confined to the document root (or the upload folder): the
// request path goes through the same resolver static serving uses (one decode, no "..", no encoded
// slashes, no NUL), dot-segments are refused, and the real path of the folder written into must be
// inside the real root, so a symlink cannot carry a write outside it. resolveTarget() does all of
// it once per request and says what is there now; the method handlers decide from that.

import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { HttpError } from '../app/http-error.ts';
import { hasHiddenSegment, resolveRequestPath } from '../static/resolve-path.ts';
import { sanitizeFileName } from './sanitize-name.ts';

export interface WriteScope {
  /** Absolute real path of the document root. */
  root: string;
  /** Let writes follow symlinks out of the root (static follow_symlinks). Off by default. */
  followSymlinks?: boolean;
  /** Real paths never written (the server's own config and log files): answered as absent. */
  reserved?: (path: string) => boolean;
}

interface ResolvedTarget {
  /** Absolute path the request addresses. */
  path: string;
  segments: string[];
}

/** What a request path addresses, checked: inside the root, no hidden segment. */
export interface WriteTarget {
  /** The document root itself (no method replaces or removes it). */
  isRoot: boolean;
  /** The URL ends with "/": it names a folder. */
  folderUrl: boolean;
  /** The absolute path the URL names, before symlinks are resolved. */
  addressed: string;
  /** The real path of the folder holding the entry (the root's for "/"), or null when it does not exist. */
  dir: string | null;
  /** The last path segment as requested (decoded); '' for the root. */
  requested: string;
  /** The last segment made safe for a new file (sanitizeFileName); '' when nothing is left. */
  name: string;
  /** dir/requested (the root for "/"), or null when dir is. */
  path: string | null;
  /** What is at path now: a symlink counts as what it points to (a dangling one as a file). */
  kind: 'file' | 'folder' | null;
  /** path is a symlink (removed itself, never what it points to). */
  link: boolean;
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Resolves a request path for writing; hidden segments (".git", ".~upload-…") are never writable. */
function resolveWritePath(scope: WriteScope, urlPath: string): ResolvedTarget {
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

/** Whether something is at path, and what, without following a last-segment symlink for `link`. */
export async function entryKind(path: string): Promise<{ kind: 'file' | 'folder' | null; link: boolean }> {
  try {
    const st = await lstat(path);
    if (!st.isSymbolicLink()) return { kind: st.isDirectory() ? 'folder' : 'file', link: false };
  } catch {
    return { kind: null, link: false };
  }
  const target = await stat(path).catch(() => null);
  return { kind: target?.isDirectory() === true ? 'folder' : 'file', link: true };
}

/** Resolves and checks what a request path addresses (see WriteTarget). */
export async function resolveTarget(scope: WriteScope, urlPath: string): Promise<WriteTarget> {
  const resolved = resolveWritePath(scope, urlPath);
  const folderUrl = urlPath.endsWith('/');
  if (resolved.segments.length === 0) return { isRoot: true, folderUrl, addressed: resolved.path, dir: scope.root, requested: '', name: '', path: scope.root, kind: 'folder', link: false };
  const requested = basename(resolved.path);
  const dir = await writableFolder(scope, dirname(resolved.path));
  const path = dir === null ? null : join(dir, requested);
  // The server's own files are not there as far as any client can tell (as for reads: 404).
  if (path !== null && scope.reserved?.(path) === true) throw new HttpError(404, 'Not Found');
  const { kind, link } = path === null ? { kind: null, link: false } : await entryKind(path);
  return { isRoot: false, folderUrl, addressed: resolved.path, dir, requested, name: sanitizeFileName(requested, ''), path, kind, link };
}

/** The real path of the upload folder (as configured when it does not exist yet). */
export function realUploadDir(uploadDir: string): Promise<string> {
  return realpath(uploadDir).catch(() => resolve(uploadDir));
}

/** True when path is inside the upload folder (not the folder itself): the only place DELETE acts. */
export async function insideUploadDir(uploadDir: string, path: string): Promise<boolean> {
  const real = await realUploadDir(uploadDir);
  return path !== real && isInside(real, path);
}

/** The URL path of a file under the root ("/a%20b/c.txt"), or null outside it. */
export function urlFor(root: string, path: string, trailingSlash = false): string | null {
  if (!isInside(root, path)) return null;
  const rel = relative(root, path);
  const url = rel === '' ? '/' : '/' + rel.split(sep).map(encodeURIComponent).join('/');
  return trailingSlash && !url.endsWith('/') ? url + '/' : url;
}
