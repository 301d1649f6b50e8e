// The names of upload temporary files (save-upload.ts): a hidden ".~upload-<random>.part" in the
// folder being written. Kept in a module of its own, with no imports, so the static side can refuse
// to serve or list them (whatever show_hidden_files says) without pulling in the upload code.

export const UPLOAD_TEMP_PREFIX = '.~upload-';
export const UPLOAD_TEMP_SUFFIX = '.part';

/** True for a file name save-upload uses for a file still being written. */
export function isUploadTempName(name: string): boolean {
  return name.startsWith(UPLOAD_TEMP_PREFIX);
}
