// Folder and removal methods, each behind its own switch:
// - MKCOL /path/ creates a folder (RFC 4918 §9.3), only with enable_mkdir; the listing's "new
//   folder" form uses the same makeFolder.
// - DELETE /path removes a file or an empty folder, only with enable_delete.

import { lstat, mkdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import { allowFor } from './allowed-methods.ts';
import { sanitizeFileName } from './sanitize-name.ts';
import type { ResolvedUploadOptions } from './upload-options.ts';
import { resolveEntry, urlFor } from './write-target.ts';

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

export function createMkcolHandler(o: ResolvedUploadOptions): Handler {
  return async (req: Request, res: Response) => {
    // RFC 4918 §9.3: a MKCOL body we do not understand is 415.
    if (req.hasBody) throw new HttpError(415, 'MKCOL with a body is not supported');
    const entry = await resolveEntry(o, req.path);
    if (entry === null) throw new HttpError(405, 'The document root itself cannot be written', { headers: { Allow: allowFor(o, true) } });
    // RFC 4918 §9.3.1: a missing parent folder is a conflict, not something to create.
    if (entry.dir === null) throw new HttpError(409, 'The parent folder does not exist');
    if (entry.name !== entry.requested) throw new HttpError(400, 'That folder name is not allowed');
    const made = await makeFolder(o, entry.dir, entry.name);
    res.setHeader('Location', made.url);
    res.send(201, `Created ${made.url}\n`);
  };
}

async function entryKind(path: string): Promise<'file' | 'folder' | null> {
  try {
    // lstat: a symlink is removed itself, never what it points to.
    return (await lstat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return null;
  }
}

export function createDeleteHandler(o: ResolvedUploadOptions): Handler {
  return async (req: Request, res: Response) => {
    const entry = await resolveEntry(o, req.path);
    if (entry === null) throw new HttpError(403, 'The document root cannot be deleted');
    if (entry.dir === null) throw new HttpError(404, 'Not Found');
    const path = join(entry.dir, entry.requested);
    const kind = await entryKind(path);
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
}
