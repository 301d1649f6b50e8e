// The write endpoints as the site mounts them. One module per method family, all working on the
// same resolved options and the same checked write target (write-target.ts):
// - form-post.ts: POST upload_path and POST <folder>/ (multipart, urlencoded, JSON);
// - put-file.ts: PUT of a raw body;
// - mkcol-delete.ts: MKCOL and DELETE (405 when switched off).
// Every write handler is wrapped here, once, in the cross-origin check (middleware/cross-origin.ts)
// and the status page's refusal count; reads never pass through either. None of the method modules
// imports this file.

import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { MethodTable } from '../app/router.ts';
import { createCrossOriginGuard } from '../middleware/cross-origin.ts';
import { allowFor } from './allowed-methods.ts';
import { createFormHandlers } from './form-post.ts';
import { createPutHandler } from './put-file.ts';
import { createDeleteHandler, createDisabledHandler, createMkcolHandler } from './mkcol-delete.ts';
import { resolveUploadOptions, type UploadOptions } from './upload-options.ts';
import { resolveTarget } from './write-target.ts';

export { describeUploads, resolveUploadOptions, type ResolvedUploadOptions, type UploadOptions, type UploadStats } from './upload-options.ts';

export interface UploadHandlers {
  /** POST upload_path. */
  submit: Handler;
  /** POST to a folder URL (upload_in_listing); 405 for anything that is not a folder. */
  folderPost: Handler;
  /** The methods to merge into the catch-all (static) route: OPTIONS, POST, PUT, MKCOL, DELETE. */
  methods: MethodTable;
}

export function createUploadHandlers(options: UploadOptions): UploadHandlers {
  const o = resolveUploadOptions(options);
  const forms = createFormHandlers(o);
  const crossOrigin = createCrossOriginGuard(o.crossOrigin);
  const stats = o.stats;

  /**
   * The one door every write goes through: cross-origin writes are refused before anything else.
   * Uploads (form posts, PUT) that fail are counted for the status page.
   */
  const write = (handler: Handler, upload: boolean): Handler => {
    const counted = upload && stats !== null;
    return async (req, res) => {
      try {
        crossOrigin(req);
        await handler(req, res);
      } catch (error) {
        if (counted) stats.recordRejected();
        throw error;
      }
    };
  };

  // OPTIONS reports what a 405 on the same target names (allowed-methods.ts).
  const describe: Handler = async (req: Request, res: Response) => {
    res.setHeader('Allow', await allowFor(o, await resolveTarget(o, req.path)));
    res.writeHead(204).end();
  };

  const folderPost = write(forms.folderPost, true);
  const methods: MethodTable = {
    OPTIONS: describe,
    POST: folderPost,
    PUT: write(createPutHandler(o), true),
    MKCOL: o.enableMkdir ? write(createMkcolHandler(o), false) : createDisabledHandler(o, 'MKCOL', 'enable_mkdir allows creating folders'),
    DELETE: o.enableDelete ? write(createDeleteHandler(o), false) : createDisabledHandler(o, 'DELETE', 'enable_delete allows deleting files and empty folders inside the upload folder (upload_dir)'),
  };
  return { submit: write(forms.submit, true), folderPost, methods };
}
