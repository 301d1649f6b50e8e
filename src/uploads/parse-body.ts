// The one-call request API for handlers: parseForm(req, limits, { dir }) reads a form
// (multipart/form-data or application/x-www-form-urlencoded) and stores its files in dir;
// parseBody() also accepts JSON. Files are streamed to disk with saveUpload (complete or absent,
// never clobbering); if the form fails midway, the files this request stored are removed again, so
// a 4xx never leaves half a form behind. For full control over each file stream, use
// streamMultipart() from form.ts.

import { mkdir, unlink } from 'node:fs/promises';
import type { Request } from '../server/request.ts';
import { HttpError } from '../app/http-error.ts';
import { DEFAULT_FORM_LIMITS, readJson, readUrlencoded, requestMediaType, streamMultipart, type FilePart, type FormField, type FormLimits } from './form.ts';
import { sanitizeFileName } from './sanitize-name.ts';
import { saveUpload, type SavedFile } from './save-upload.ts';

export interface StoredFormFile {
  field: string;
  /** The name the client sent, unsanitised. */
  filename: string;
  /** The name it was stored under in dir. */
  storedName: string;
  path: string;
  size: number;
  mimeType: string;
  replaced: boolean;
}

export interface ParsedForm {
  fields: FormField[];
  files: StoredFormFile[];
}

export type ParsedBody = ({ type: 'form' } & ParsedForm) | { type: 'json'; value: unknown } | { type: 'empty' };

export interface StoreOptions {
  /** Folder the files go into (created if missing). */
  dir: string;
  /** Replace same-named files instead of numbering new ones. */
  overwrite?: boolean;
  /** Paths never written (the server's own files): see SaveOptions.reserved. */
  reserved?: (path: string) => boolean;
}

export const ACCEPTED_TYPES = 'multipart/form-data, application/x-www-form-urlencoded, application/json';

/** Reads any body a form handler accepts: a form (with files stored in options.dir) or JSON. */
export async function parseBody(req: Request, limits: Partial<FormLimits>, options: StoreOptions): Promise<ParsedBody> {
  const all = { ...DEFAULT_FORM_LIMITS, ...limits };
  const media = requestMediaType(req);
  if (media === null && !req.hasBody) return { type: 'empty' };
  switch (media?.type) {
    case 'multipart/form-data':
      return { type: 'form', ...(await storeMultipart(req, all, options)) };
    case 'application/x-www-form-urlencoded':
      return { type: 'form', fields: await readUrlencoded(req, all), files: [] };
    case 'application/json':
      return { type: 'json', value: await readJson(req, all) };
    default:
      throw new HttpError(415, `Send ${ACCEPTED_TYPES}`, { headers: { 'Accept-Post': ACCEPTED_TYPES } });
  }
}

/** Reads a form (multipart or urlencoded); JSON and other types are 415. */
export async function parseForm(req: Request, limits: Partial<FormLimits>, options: StoreOptions): Promise<ParsedForm> {
  const body = await parseBody(req, limits, options);
  if (body.type === 'json') throw new HttpError(415, 'Expected a form, not JSON');
  return body.type === 'empty' ? { fields: [], files: [] } : body;
}

async function storeMultipart(req: Request, limits: FormLimits, options: StoreOptions): Promise<ParsedForm> {
  const saved: SavedFile[] = [];
  const store = async (file: FilePart): Promise<StoredFormFile | null> => {
    const sent = file.filename ?? '';
    if (sent === '') {
      // A browser sends a nameless, empty part for a file input left empty: nothing to store.
      file.stream.resume();
      await new Promise<void>((done) => file.stream.once('end', done).once('close', done));
      return null;
    }
    await mkdir(options.dir, { recursive: true });
    const result = await saveUpload(file.stream, options.dir, sanitizeFileName(sent), { overwrite: options.overwrite === true, ...(options.reserved === undefined ? {} : { reserved: options.reserved }) });
    saved.push(result);
    return { field: file.field, filename: sent, storedName: result.name, path: result.path, size: result.size, mimeType: file.mimeType, replaced: result.replaced };
  };
  try {
    const form = await streamMultipart(req, limits, { onFile: store });
    return { fields: form.fields, files: form.files.filter((f): f is StoredFormFile => f !== null) };
  } catch (error) {
    // A replaced file cannot be brought back; a new one is removed.
    await Promise.all(saved.map((s) => (s.replaced ? undefined : unlink(s.path).catch(() => undefined))));
    throw error;
  }
}
