// The Allow value of one target under the write endpoints (RFC 9110 §10.2.1): the methods that can
// succeed on it, given what is enabled and what is there. A 405 names it and OPTIONS reports it, so
// both always agree.

import { HttpError } from '../app/http-error.ts';
import type { ResolvedUploadOptions } from './upload-options.ts';
import { insideUploadDir, type WriteTarget } from './write-target.ts';

export async function allowFor(o: ResolvedUploadOptions, t: WriteTarget): Promise<string> {
  const methods = ['GET', 'HEAD', 'OPTIONS'];
  // POST to a folder stores into it (upload_in_listing).
  if (t.kind === 'folder' && o.inListing) methods.push('POST');
  // PUT stores a file: never onto a folder or a folder URL.
  if (!t.isRoot && !t.folderUrl && t.kind !== 'folder') methods.push('PUT');
  // MKCOL makes what is not there yet (RFC 4918 §9.3.1: 405 for what exists).
  if (o.enableMkdir && !t.isRoot && t.kind === null) methods.push('MKCOL');
  if (o.enableDelete && t.path !== null && t.kind !== null && (await insideUploadDir(o.uploadDir, t.path))) methods.push('DELETE');
  return methods.join(', ');
}

/** The 405 for a method the target does not allow, with that target's Allow (for the caller to throw). */
export async function notAllowed(o: ResolvedUploadOptions, t: WriteTarget, message: string): Promise<HttpError> {
  return new HttpError(405, message, { headers: { Allow: await allowFor(o, t) } });
}
