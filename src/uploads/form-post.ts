// Form posts (multipart, urlencoded or JSON bodies):
// - POST upload_path (default /submit): the seed's example form; files go to upload_dir.
// - POST <folder>/ (upload_in_listing): the listing's upload form; files go into that folder, and
//   with enable_mkdir a "mkdir" field creates a subfolder instead.
// Every request is all-or-nothing: if any part fails (limit, malformed body, client gone), the
// files this request already stored are removed again and nothing half-written remains.

import { mkdir } from 'node:fs/promises';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import type { FormField } from './form.ts';
import { parseBody } from './parse-body.ts';
import { sendSummary, type StoredUpload } from './upload-summary.ts';
import { notAllowed } from './allowed-methods.ts';
import { makeFolder } from './mkcol-delete.ts';
import type { ResolvedUploadOptions } from './upload-options.ts';
import { resolveTarget, urlFor, writableFolder } from './write-target.ts';

export interface FormHandlers {
  /** POST upload_path. */
  submit: Handler;
  /** POST to a folder URL (upload_in_listing); 405 for anything that is not a folder. */
  folderPost: Handler;
}

/** Reads the body of a form post; files are stored in dir (all or nothing, see parse-body.ts). */
async function receiveForm(req: Request, o: ResolvedUploadOptions, dir: string): Promise<{ fields: FormField[]; files: StoredUpload[]; json?: unknown }> {
  const body = await parseBody(req, o.limits, { dir, overwrite: o.overwrite, reserved: o.reserved });
  if (body.type === 'empty') return { fields: [], files: [] };
  if (body.type === 'json') return { fields: [], files: [], json: body.value };
  for (const f of body.files) o.stats?.recordFile(f.size);
  return {
    fields: body.fields,
    files: body.files.map((f) => ({ field: f.field, filename: f.filename, storedName: f.storedName, size: f.size, type: f.mimeType, url: urlFor(o.root, f.path), replaced: f.replaced })),
  };
}

export function createFormHandlers(o: ResolvedUploadOptions): FormHandlers {
  const submit: Handler = async (req: Request, res: Response) => {
    await mkdir(o.uploadDir, { recursive: true });
    const result = await receiveForm(req, o, o.uploadDir);
    sendSummary(req, res, result.files.length > 0 ? 201 : 200, { ...result, backUrl: '/' });
  };

  const folderPost: Handler = async (req: Request, res: Response) => {
    const t = await resolveTarget(o, req.path);
    // The folder itself, following a symlink to it (still confined to the root).
    const dir = t.kind === 'folder' && t.path !== null ? await writableFolder(o, t.path) : null;
    if (dir === null || !o.inListing) {
      throw await notAllowed(o, t, o.inListing ? 'POST stores files into a folder: this is not one' : 'POST to folders is turned off (upload_in_listing)');
    }
    const backUrl = urlFor(o.root, t.addressed, true) ?? '/';
    const result = await receiveForm(req, o, dir);
    const mkdirField = result.fields.find((f) => f.name === 'mkdir');
    if (mkdirField !== undefined && result.files.length === 0) {
      if (!o.enableMkdir) throw new HttpError(403, 'Creating folders is disabled (enable_mkdir)');
      const made = await makeFolder(o, dir, mkdirField.value);
      if (made === null) throw new HttpError(409, `${mkdirField.value} already exists`);
      res.setHeader('Location', made.url);
      res.setHeader('Cache-Control', 'no-store');
      // A person posting the plain form goes back to the listing, which now shows the folder.
      if (/(?:^|,)\s*application\/json/.test(req.header('accept') ?? '')) res.json(201, { created: made.name, url: made.url });
      else {
        res.setHeader('Location', backUrl);
        res.send(303, `Created ${made.name}\n`);
      }
      return;
    }
    sendSummary(req, res, result.files.length > 0 ? 201 : 200, { ...result, backUrl });
  };

  return { submit, folderPost };
}
