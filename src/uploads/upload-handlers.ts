// The upload endpoints:
// - POST upload_path (default /submit): the seed's example form; files go to upload_dir.
// - POST <folder>/ (upload_in_listing): the listing's upload form; files go into that folder, and
//   with enable_mkdir a "mkdir" field creates a subfolder instead.
// - PUT, MKCOL, DELETE: see raw-handlers.ts.
// Every request is all-or-nothing: if any part fails (limit, malformed body, client gone), the
// files this request already stored are removed again and nothing half-written remains.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import type { MethodTable } from '../app/router.ts';
import { DEFAULT_FORM_LIMITS, type FormField, type FormLimits } from './form.ts';
import { parseBody } from './parse-body.ts';
import { sendSummary, type StoredUpload } from './upload-summary.ts';
import { resolveWritePath, urlFor, writableFolder, type TargetOptions } from './upload-target.ts';
import { createRawHandlers, makeFolder } from './raw-handlers.ts';

export interface UploadOptions {
  /** Absolute real path of the document root. */
  documentRoot: string;
  /** upload_dir; null or absent: <documentRoot>/uploads. Created when first needed. */
  uploadDir?: string | null;
  /** upload_overwrite: replace same-named files instead of numbering the new one. */
  overwrite?: boolean;
  /** upload_path: where the example form posts. */
  uploadPath?: string;
  /** upload_in_listing: accept POSTs to folder URLs (the listing's upload form). */
  inListing?: boolean;
  /** enable_mkdir: MKCOL and the "mkdir" form action. */
  enableMkdir?: boolean;
  /** enable_delete: DELETE of files and empty folders. */
  enableDelete?: boolean;
  followSymlinks?: boolean;
  limits?: Partial<FormLimits>;
  /** Counts for the status page (the status module's UploadCounter fits). */
  stats?: UploadStats;
}

export interface UploadStats {
  /** A file was stored. */
  recordFile(bytes: number): void;
  /** An upload was refused or aborted (any error answer to a request that tried to write). */
  recordRejected(): void;
}

export interface ResolvedUploadOptions {
  root: string;
  uploadDir: string;
  overwrite: boolean;
  uploadPath: string;
  inListing: boolean;
  enableMkdir: boolean;
  enableDelete: boolean;
  followSymlinks: boolean;
  limits: FormLimits;
  stats: UploadStats | null;
}

export function resolveUploadOptions(options: UploadOptions): ResolvedUploadOptions {
  const root = options.documentRoot;
  return {
    root,
    uploadDir: resolve(root, options.uploadDir ?? 'uploads'),
    overwrite: options.overwrite ?? false,
    uploadPath: options.uploadPath ?? '/submit',
    inListing: options.inListing ?? true,
    enableMkdir: options.enableMkdir ?? false,
    enableDelete: options.enableDelete ?? false,
    followSymlinks: options.followSymlinks ?? false,
    limits: { ...DEFAULT_FORM_LIMITS, ...options.limits },
    stats: options.stats ?? null,
  };
}

/** One line for the start-up banner: where uploaded files go. */
export function describeUploads(options: UploadOptions): string {
  const o = resolveUploadOptions(options);
  const where = [`POST ${o.uploadPath} → ${o.uploadDir}`, `PUT <path> → ${o.root}`];
  if (o.inListing) where.push('POST <folder>/ → that folder');
  if (o.enableMkdir) where.push('MKCOL on');
  if (o.enableDelete) where.push('DELETE on');
  return `uploads enabled (max ${o.limits.maxUploadSize} bytes): ${where.join('; ')}`;
}

/** Reads the body of a form post; files are stored in dir (all or nothing, see parse-body.ts). */
async function receiveForm(req: Request, o: ResolvedUploadOptions, dir: string): Promise<{ fields: FormField[]; files: StoredUpload[]; json?: unknown }> {
  const body = await parseBody(req, o.limits, { dir, overwrite: o.overwrite });
  if (body.type === 'empty') return { fields: [], files: [] };
  if (body.type === 'json') return { fields: [], files: [], json: body.value };
  for (const f of body.files) o.stats?.recordFile(f.size);
  return {
    fields: body.fields,
    files: body.files.map((f) => ({ field: f.field, filename: f.filename, storedName: f.storedName, size: f.size, type: f.mimeType, url: urlFor(o.root, f.path), replaced: f.replaced })),
  };
}

async function uploadDirFor(o: ResolvedUploadOptions): Promise<string> {
  await mkdir(o.uploadDir, { recursive: true });
  return o.uploadDir;
}

export interface UploadHandlers {
  /** POST upload_path. */
  submit: Handler;
  /** POST to a folder URL (upload_in_listing); 405 for anything that is not a folder. */
  folderPost: Handler;
  /** The methods to merge into the catch-all (static) route: POST, PUT and, when enabled, MKCOL/DELETE. */
  methods: MethodTable;
}

export function createUploadHandlers(options: UploadOptions): UploadHandlers {
  const o = resolveUploadOptions(options);
  const target: TargetOptions = { root: o.root, followSymlinks: o.followSymlinks };
  const raw = createRawHandlers(o);

  const submit: Handler = async (req: Request, res: Response) => {
    const dir = await uploadDirFor(o);
    const result = await receiveForm(req, o, dir);
    sendSummary(req, res, result.files.length > 0 ? 201 : 200, { ...result, backUrl: '/' });
  };

  const folderPost: Handler = async (req: Request, res: Response) => {
    const resolved = resolveWritePath(target, req.path);
    const dir = await writableFolder(target, resolved.path);
    if (dir === null || !o.inListing) {
      throw new HttpError(405, 'POST is not allowed here', { headers: { Allow: raw.allowFor(false) } });
    }
    const backUrl = urlFor(o.root, resolved.path, true) ?? '/';
    const result = await receiveForm(req, o, dir);
    const mkdirField = result.fields.find((f) => f.name === 'mkdir');
    if (mkdirField !== undefined && result.files.length === 0) {
      if (!o.enableMkdir) throw new HttpError(403, 'Creating folders is disabled (enable_mkdir)');
      const made = await makeFolder(o, dir, mkdirField.value);
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

  const counted = (handler: Handler): Handler => {
    const stats = o.stats;
    if (stats === null) return handler;
    return async (req, res) => {
      try {
        await handler(req, res);
      } catch (error) {
        stats.recordRejected();
        throw error;
      }
    };
  };
  const methods: MethodTable = { POST: counted(folderPost), PUT: counted(raw.put) };
  if (o.enableMkdir) methods.MKCOL = raw.mkcol;
  if (o.enableDelete) methods.DELETE = raw.remove;
  return { submit: counted(submit), folderPost: counted(folderPost), methods };
}
