// Writes addressed by URL rather than by form:
// - PUT /path/name stores the raw body there (curl -T), through the same temporary-file-then-name
//   step as form uploads. 201 Created + Location for a new file, 204 when one was replaced
//   (RFC 9110 §9.3.4). Without upload_overwrite an existing file is kept and the new one gets a
//   numbered name, reported in Location. "If-None-Match: *" asks for no replacement at all: 412.
// - MKCOL /path/ creates a folder (RFC 4918 §9.3), only with enable_mkdir.
// - DELETE /path removes a file or an empty folder, only with enable_delete.

import { lstat, mkdir, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import { limitError } from './form.ts';
import { sanitizeFileName } from './sanitize-name.ts';
import { saveUpload } from './save-upload.ts';
import { resolveWritePath, urlFor, writableFolder, type TargetOptions } from './upload-target.ts';
import type { ResolvedUploadOptions } from './upload-handlers.ts';

export interface RawHandlers {
  put: Handler;
  mkcol: Handler;
  remove: Handler;
  /** The Allow value for a path (folder or file) given what is enabled. */
  allowFor(folder: boolean): string;
}

/** Passes bytes through, failing once more than maxBytes have gone by. */
function byteLimit(maxBytes: number, onLimit: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) done(onLimit());
      else done(null, chunk);
    },
  });
}

async function exists(path: string, follow = true): Promise<'file' | 'folder' | null> {
  try {
    return (await (follow ? stat(path) : lstat(path))).isDirectory() ? 'folder' : 'file';
  } catch {
    return null;
  }
}

/** Creates dir/<sanitised name>; 405 if it exists (RFC 4918 §9.3.1). */
export async function makeFolder(o: ResolvedUploadOptions, dir: string, requested: string): Promise<{ name: string; url: string }> {
  const name = sanitizeFileName(requested, '');
  if (name === '') throw new HttpError(400, 'A folder needs a name');
  const path = join(dir, name);
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new HttpError(405, `${name} already exists`, { headers: { Allow: 'GET, HEAD, OPTIONS' } });
    throw error;
  }
  return { name, url: urlFor(o.root, path, true) ?? '/' };
}

export function createRawHandlers(o: ResolvedUploadOptions): RawHandlers {
  const target: TargetOptions = { root: o.root, followSymlinks: o.followSymlinks };

  const allowFor = (folder: boolean): string => {
    const methods = ['GET', 'HEAD', 'OPTIONS'];
    if (folder && o.inListing) methods.push('POST');
    methods.push('PUT');
    if (o.enableMkdir && folder) methods.push('MKCOL');
    if (o.enableDelete) methods.push('DELETE');
    return methods.join(', ');
  };

  /** The parent folder (real, inside the root) and the sanitised last segment of a request path. */
  const parentAndName = async (req: Request): Promise<{ dir: string; name: string; requested: string }> => {
    const resolved = resolveWritePath(target, req.path);
    if (resolved.segments.length === 0) throw new HttpError(405, 'The document root itself cannot be written', { headers: { Allow: allowFor(true) } });
    const dir = await writableFolder(target, dirname(resolved.path));
    // RFC 4918 §9.3.1 / §9.7.1: a missing parent folder is a conflict, not something to create.
    if (dir === null) throw new HttpError(409, 'The parent folder does not exist');
    const requested = basename(resolved.path);
    return { dir, name: sanitizeFileName(requested, ''), requested };
  };

  const put: Handler = async (req: Request, res: Response) => {
    // RFC 9110 §14.5: partial PUT is not supported, so a Content-Range must be refused.
    if (req.header('content-range') !== undefined) throw new HttpError(400, 'Content-Range is not supported in PUT');
    if (req.path.endsWith('/')) throw new HttpError(405, 'PUT needs a file name, not a folder', { headers: { Allow: allowFor(true) } });
    if (req.contentLength > o.limits.maxUploadSize) throw limitError('max_upload_size', o.limits);
    const { dir, name } = await parentAndName(req);
    if (name === '') throw new HttpError(400, 'That file name is not allowed');
    const current = await exists(join(dir, name));
    if (current === 'folder') throw new HttpError(409, `${name} is a folder`);
    // RFC 9110 §13.1.2: "If-None-Match: *" means "only if nothing is there yet".
    if (req.header('if-none-match')?.trim() === '*' && current !== null) throw new HttpError(412, `${name} already exists`);
    if (req.header('if-match')?.trim() === '*' && current === null) throw new HttpError(412, `${name} does not exist`);
    const limited = req.body.pipe(byteLimit(o.limits.maxUploadSize, () => limitError('max_upload_size', o.limits)));
    req.body.once('error', (error) => limited.destroy(error));
    let saved;
    try {
      saved = await saveUpload(limited, dir, name, { overwrite: o.overwrite });
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new HttpError(409, `${name} is a folder`);
      if ((error as NodeJS.ErrnoException).code !== undefined) throw error; // a real disk problem: 500
      throw new HttpError(400, `The request body could not be read: ${(error as Error).message}`, { headers: { Connection: 'close' } });
    }
    o.stats?.recordFile(saved.size);
    const url = urlFor(o.root, saved.path) ?? req.path;
    res.setHeader('Location', url);
    res.setHeader('Cache-Control', 'no-store');
    if (saved.replaced) {
      res.writeHead(204).end();
      return;
    }
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.send(201, `Created ${url} (${saved.size} bytes)\n`);
  };

  const mkcol: Handler = async (req: Request, res: Response) => {
    // RFC 4918 §9.3: a MKCOL body we do not understand is 415.
    if (req.hasBody) throw new HttpError(415, 'MKCOL with a body is not supported');
    const { dir, name, requested } = await parentAndName(req);
    if (name !== requested) throw new HttpError(400, 'That folder name is not allowed');
    const made = await makeFolder(o, dir, name);
    res.setHeader('Location', made.url);
    res.send(201, `Created ${made.url}\n`);
  };

  const remove: Handler = async (req: Request, res: Response) => {
    const resolved = resolveWritePath(target, req.path);
    if (resolved.segments.length === 0) throw new HttpError(403, 'The document root cannot be deleted');
    const dir = await writableFolder(target, dirname(resolved.path));
    if (dir === null) throw new HttpError(404, 'Not Found');
    const path = join(dir, basename(resolved.path));
    const kind = await exists(path, false); // a symlink is removed itself, never what it points to
    if (kind === null) throw new HttpError(404, 'Not Found');
    if (kind === 'folder' && path === o.uploadDir) throw new HttpError(403, 'The upload folder cannot be deleted');
    try {
      if (kind === 'folder') await rmdir(path);
      else await unlink(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new HttpError(409, 'Only empty folders can be deleted');
      throw error;
    }
    res.writeHead(204).end();
  };

  return { put, mkcol, remove, allowFor };
}
