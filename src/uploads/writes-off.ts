// With enable_file_uploads off, the server's file methods (PUT, MKCOL, DELETE) are still methods it
// knows: 405 with Allow and the key that turns them on (RFC 9110 §15.5.6), not 501 ("not capable of
// supporting it for any resource", §15.6.2). OPTIONS reports the same Allow.

import type { Handler } from '../server/connection.ts';
import type { MethodTable } from '../app/router.ts';
import { HttpError } from '../app/http-error.ts';

const READ_ONLY = 'GET, HEAD, OPTIONS';

function off(method: string, key: string): Handler {
  return (req) => {
    req.trace?.decide('writes-off', method);
    throw new HttpError(405, `${method} is turned off: uploads are off (enable_file_uploads${key === '' ? '' : `, then ${key}`})`, { headers: { Allow: READ_ONLY } });
  };
}

/** The write methods of the catch-all route when uploads are off. */
export function writesOffMethods(): MethodTable {
  return {
    OPTIONS: (_req, res) => {
      res.setHeader('Allow', READ_ONLY);
      res.writeHead(204).end();
    },
    PUT: off('PUT', ''),
    MKCOL: off('MKCOL', 'enable_mkdir'),
    DELETE: off('DELETE', 'enable_delete'),
  };
}
