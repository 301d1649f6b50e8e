// PUT /path/name stores the raw body there (curl -T), through the same temporary-file-then-name
// step as form uploads. 201 Created + Location for a new file, 204 when one was replaced
// (RFC 9110 §9.3.4). Without upload_overwrite an existing file is kept and the new one gets a
// numbered name, reported in Location. "If-None-Match: *" asks for no replacement at all: 412.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import { limitError } from './form.ts';
import { saveUpload } from './save-upload.ts';
import { allowFor } from './allowed-methods.ts';
import type { ResolvedUploadOptions } from './upload-options.ts';
import { resolveEntry, urlFor } from './write-target.ts';

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

async function kindOf(path: string): Promise<'file' | 'folder' | null> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return null;
  }
}

export function createPutHandler(o: ResolvedUploadOptions): Handler {
  return async (req: Request, res: Response) => {
    // RFC 9110 §14.5: partial PUT is not supported, so a Content-Range must be refused.
    if (req.header('content-range') !== undefined) throw new HttpError(400, 'Content-Range is not supported in PUT');
    if (req.path.endsWith('/')) throw new HttpError(405, 'PUT needs a file name, not a folder', { headers: { Allow: allowFor(o, true) } });
    if (req.contentLength > o.limits.maxUploadSize) throw limitError('max_upload_size', o.limits);
    const entry = await resolveEntry(o, req.path);
    if (entry === null) throw new HttpError(405, 'The document root itself cannot be written', { headers: { Allow: allowFor(o, true) } });
    // RFC 4918 §9.7.1: a missing parent folder is a conflict, not something to create.
    if (entry.dir === null) throw new HttpError(409, 'The parent folder does not exist');
    const { dir, name } = entry;
    if (name === '') throw new HttpError(400, 'That file name is not allowed');
    const current = await kindOf(join(dir, name));
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
}
