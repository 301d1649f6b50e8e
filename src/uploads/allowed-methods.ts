// The Allow value of a path under the write endpoints (RFC 9110 §10.2.1): what a 405 names and what
// OPTIONS reports, from what is enabled.

import type { ResolvedUploadOptions } from './upload-options.ts';

export function allowFor(o: ResolvedUploadOptions, folder: boolean): string {
  const methods = ['GET', 'HEAD', 'OPTIONS'];
  if (folder && o.inListing) methods.push('POST');
  methods.push('PUT');
  if (o.enableMkdir && folder) methods.push('MKCOL');
  if (o.enableDelete) methods.push('DELETE');
  return methods.join(', ');
}
