// The options of the write endpoints, as the site passes them (camelCase config keys) and as the
// handlers use them: resolved once at start-up, so no request re-derives a default.

import { resolve } from 'node:path';
import type { CrossOriginOptions } from '../middleware/cross-origin.ts';
import { DEFAULT_FORM_LIMITS, type FormLimits } from './form.ts';

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
  /** enable_delete: DELETE of files and empty folders inside uploadDir. */
  enableDelete?: boolean;
  followSymlinks?: boolean;
  limits?: Partial<FormLimits>;
  /** The CORS settings: the only way to accept writes from another origin (cross-origin.ts). */
  crossOrigin?: CrossOriginOptions;
  /** Counts for the status page (the status module's UploadCounter fits). */
  stats?: UploadStats;
  /** The server's own files (config, logs: static/protected-paths.ts), by real path: never written. */
  reserved?: (path: string) => boolean;
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
  crossOrigin: CrossOriginOptions;
  stats: UploadStats | null;
  reserved: (path: string) => boolean;
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
    crossOrigin: options.crossOrigin ?? {},
    stats: options.stats ?? null,
    reserved: options.reserved ?? (() => false),
  };
}

/** One line for the start-up banner: where uploaded files go. */
export function describeUploads(options: UploadOptions): string {
  const o = resolveUploadOptions(options);
  const where = [`POST ${o.uploadPath} → ${o.uploadDir}`, `PUT <path> → ${o.root}`];
  if (o.inListing) where.push('POST <folder>/ → that folder');
  if (o.enableMkdir) where.push('MKCOL on');
  if (o.enableDelete) where.push(`DELETE inside ${o.uploadDir}`);
  return `uploads enabled (max ${o.limits.maxUploadSize} bytes): ${where.join('; ')}`;
}
