// Folder and removal methods, each behind its own switch:
// - MKCOL /path/ creates a folder (RFC 4918 §9.3), only with enable_mkdir; the listing's "new
//   folder" form uses the same makeFolder.
// - DELETE /path removes a file or an empty folder inside the upload folder (upload_dir), only with
//   enable_delete: never the upload folder itself, never a folder that is not empty, never anything
//   elsewhere in the document root. A symlink is removed itself, never what it points to.
// Switched off, each is a 405 naming the key and the methods the target does allow.

import { mkdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import { notAllowed } from './allowed-methods.ts';
import { sanitizeFileName } from './sanitize-name.ts';
import type { ResolvedUploadOptions } from './upload-options.ts';
import { isInside, realUploadDir, resolveTarget, urlFor } from './write-target.ts';

/** Creates dir/<sanitised name>; null when something of that name exists. */
export async function makeFolder(o: ResolvedUploadOptions, dir: string, requested: string): Promise<{ name: string; url: string } | null> {
  const name = sanitizeFileName(requested, '');
  if (name === '') throw new HttpError(400, 'A folder needs a name');
  const path = join(dir, name);
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  }
  return { name, url: urlFor(o.root, path, true) ?? '/' };
}

export function createMkcolHandler(o: ResolvedUploadOptions): Handler {
  return async (req: Request, res: Response) => {
    // RFC 4918 §9.3: a MKCOL body we do not understand is 415.
    if (req.hasBody) throw new HttpError(415, 'MKCOL with a body is not supported');
    const t = await resolveTarget(o, req.path);
    // RFC 4918 §9.3.1: MKCOL on something that exists is 405.
    if (t.kind !== null) throw await notAllowed(o, t, `${t.isRoot ? 'The document root' : t.requested} already exists`);
    // RFC 4918 §9.3.1: a missing parent folder is a conflict, not something to create.
    if (t.dir === null) throw new HttpError(409, 'The parent folder does not exist');
    if (t.name !== t.requested) throw new HttpError(400, 'That folder name is not allowed');
    const made = await makeFolder(o, t.dir, t.name);
    if (made === null) throw await notAllowed(o, await resolveTarget(o, req.path), `${t.name} already exists`);
    res.setHeader('Location', made.url);
    res.send(201, `Created ${made.url}\n`);
  };
}

export function createDeleteHandler(o: ResolvedUploadOptions): Handler {
  return async (req: Request, res: Response) => {
    const t = await resolveTarget(o, req.path);
    if (t.isRoot) throw new HttpError(403, 'The document root cannot be deleted');
    if (t.path === null) throw new HttpError(404, 'Not Found');
    const uploads = await realUploadDir(o.uploadDir);
    if (t.path === uploads || !isInside(uploads, t.path)) {
      if (t.path === uploads) throw new HttpError(403, 'The upload folder itself cannot be deleted (enable_delete removes only what is inside it)');
      const where = urlFor(o.root, uploads, true);
      throw new HttpError(403, `DELETE is refused here: enable_delete removes only files and empty folders inside the upload folder (upload_dir${where === null ? ', which is outside the document root' : `: ${where}`})`);
    }
    if (t.kind === null) throw new HttpError(404, 'Not Found');
    try {
      if (t.kind === 'folder' && !t.link) await rmdir(t.path);
      else await unlink(t.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new HttpError(409, 'Only empty folders can be deleted');
      if (code === 'ENOENT') throw new HttpError(404, 'Not Found');
      throw error;
    }
    res.writeHead(204).end();
  };
}

/** A write method that is switched off: 405 with what the target allows, naming the key. */
export function createDisabledHandler(o: ResolvedUploadOptions, method: string, why: string): Handler {
  return async (req: Request) => {
    throw await notAllowed(o, await resolveTarget(o, req.path), `${method} is turned off: ${why}`);
  };
}
