// The names upload temporary files get while their bytes arrive (save-upload.ts): hidden, and
// recognisable, so the static server never serves or lists one and no write may target one.

export const UPLOAD_TEMP_PREFIX = '.~upload-';

/** True for a file name that is an upload's temporary file (".~upload-<random>.part"). */
export function isUploadTempName(name: string): boolean {
  return name.startsWith(UPLOAD_TEMP_PREFIX);
}
