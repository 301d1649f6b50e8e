// PUT /path/name stores the raw body there (curl -T), through the same temporary-file-then-name
// step as form uploads. RFC 9110 §9.3.4: PUT replaces the target's state, so
// - a new file is 201 Created + Location;
// - an existing file is replaced (204) with upload_overwrite, and otherwise refused with 409, never
//   stored beside it under another name (that is what form posts do);
// - "If-None-Match: *" asks for no replacement at all (412 when something is there), and
//   "If-Match: *" for nothing but a replacement (412 when nothing is), RFC 9110 §13.1.
// The checks run before the body is read (and before 100 Continue), and again atomically when the
// file gets its name, so two racing PUTs cannot both "create" the same file.

import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import { limitError } from './form.ts';
import { saveUpload } from './save-upload.ts';
import { notAllowed } from './allowed-methods.ts';
import type { ResolvedUploadOptions } from './upload-options.ts';
import { entryKind, resolveTarget, urlFor } from './write-target.ts';

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

function existsError(name: string, ifNoneMatch: boolean): HttpError {
  if (ifNoneMatch) return new HttpError(412, `${name} already exists (If-None-Match: *)`);
  return new HttpError(409, `${name} already exists. PUT replaces a file only when upload_overwrite is on; a form upload (POST) keeps both under numbered names.`);
}

export function createPutHandler(o: ResolvedUploadOptions): Handler {
  return async (req: Request, res: Response) => {
    // RFC 9110 §14.5: partial PUT is not supported, so a Content-Range must be refused.
    if (req.header('content-range') !== undefined) throw new HttpError(400, 'Content-Range is not supported in PUT');
    if (req.contentLength > o.limits.maxUploadSize) {
      req.trace?.decide('upload-too-large', req.contentLength, o.limits.maxUploadSize);
      throw limitError('max_upload_size', o.limits);
    }
    const t = await resolveTarget(o, req.path);
    if (t.isRoot || t.folderUrl || t.kind === 'folder') throw await notAllowed(o, t, t.kind === 'folder' && !t.folderUrl ? `${t.requested} is a folder: PUT stores files` : 'PUT needs a file name, not a folder');
    // RFC 4918 §9.7.1: a missing parent folder is a conflict, not something to create.
    if (t.dir === null) throw new HttpError(409, 'The parent folder does not exist');
    const { dir, name } = t;
    if (name === '') throw new HttpError(400, 'That file name is not allowed');
    if (o.reserved(join(dir, name))) throw new HttpError(404, 'Not Found'); // the safe name may be one of ours
    // The file goes under the safe form of the name (reported in Location); that is what must be free.
    const current = name === t.requested ? t.kind : (await entryKind(join(dir, name))).kind;
    if (current === 'folder') throw new HttpError(409, `${name} is a folder`);
    const ifNoneMatch = req.header('if-none-match')?.trim() === '*';
    if (req.header('if-match')?.trim() === '*' && current === null) throw new HttpError(412, `${name} does not exist (If-Match: *)`);
    if (current !== null && !ifNoneMatch && !o.overwrite) req.trace?.decide('upload-exists', name);
    if (current !== null && (ifNoneMatch || !o.overwrite)) throw existsError(name, ifNoneMatch);
    const limited = req.body.pipe(byteLimit(o.limits.maxUploadSize, () => limitError('max_upload_size', o.limits)));
    req.body.once('error', (error) => limited.destroy(error));
    let saved;
    try {
      saved = await saveUpload(limited, dir, name, { overwrite: o.overwrite, exclusive: ifNoneMatch || !o.overwrite, reserved: o.reserved });
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw existsError(name, ifNoneMatch); // another request got there first
      if (code === 'EISDIR') throw new HttpError(409, `${name} is a folder`);
      // A system call that failed is a real disk problem (500, logged); anything else is the body's
      // fault: a client gone, bad chunking (a ParseError, which has a code too: found by fuzzing).
      if (code !== undefined && typeof (error as NodeJS.ErrnoException).syscall === 'string') throw error;
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 400;
      throw new HttpError(status, `The request body could not be read: ${(error as Error).message}`, { cause: error, headers: { Connection: 'close' } });
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
}
