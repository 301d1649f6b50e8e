// The write endpoints as the site mounts them. One module per method family, all working on the
// same resolved options and the same checked write target (write-target.ts):
// - form-post.ts: POST upload_path and POST <folder>/ (multipart, urlencoded, JSON);
// - put-file.ts: PUT of a raw body;
// - mkcol-delete.ts: MKCOL and DELETE.
// This file only assembles them; none of them imports it.

import type { Handler } from '../server/connection.ts';
import type { MethodTable } from '../app/router.ts';
import { createFormHandlers } from './form-post.ts';
import { createPutHandler } from './put-file.ts';
import { createDeleteHandler, createMkcolHandler } from './mkcol-delete.ts';
import { resolveUploadOptions, type UploadOptions } from './upload-options.ts';

export { describeUploads, resolveUploadOptions, type ResolvedUploadOptions, type UploadOptions, type UploadStats } from './upload-options.ts';

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
  const forms = createFormHandlers(o);
  const put = createPutHandler(o);

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
  const methods: MethodTable = { POST: counted(forms.folderPost), PUT: counted(put) };
  if (o.enableMkdir) methods.MKCOL = createMkcolHandler(o);
  if (o.enableDelete) methods.DELETE = createDeleteHandler(o);
  return { submit: counted(forms.submit), folderPost: counted(forms.folderPost), methods };
}
