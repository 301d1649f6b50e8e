// Serves files from a document root: safe path resolution, index.html for folders, a 301 to add the
// trailing slash, Content-Type, Content-Length, Last-Modified, and a streamed body with backpressure.

import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { Handler } from '../server/connection.ts';
import { HttpError } from '../app/http-error.ts';
import { contentTypeFor } from './mime.ts';
import { hasHiddenSegment, resolveRequestPath } from './resolve-path.ts';

export interface StaticOptions {
  /** Absolute, real (symlink-free) path of the document root. */
  root: string;
  showHiddenFiles?: boolean;
  followSymlinks?: boolean;
  indexFile?: string;
}

export function serveStatic(options: StaticOptions): Handler {
  const root = options.root;
  const index = options.indexFile ?? 'index.html';
  const rootPrefix = root.endsWith(sep) ? root : root + sep;

  /** Stats a path, refusing (as not found) one whose real location is outside the root. */
  const safeStat = async (filePath: string): Promise<Stats | null> => {
    try {
      const st = await stat(filePath);
      if (options.followSymlinks !== true) {
        const real = await realpath(filePath);
        if (real !== root && !real.startsWith(rootPrefix)) return null;
      }
      return st;
    } catch {
      return null;
    }
  };

  return async (req: Request, res: Response): Promise<void> => {
    const resolved = resolveRequestPath(root, req.path);
    if (!resolved.ok) throw new HttpError(resolved.status);
    // Dotfiles are answered as absent (404), so their existence is not revealed.
    if (options.showHiddenFiles !== true && hasHiddenSegment(resolved.segments)) throw new HttpError(404, 'Not Found');
    let filePath = resolved.filePath;
    let st = await safeStat(filePath);
    if (st === null) throw new HttpError(404, 'Not Found');
    if (st.isDirectory()) {
      if (!req.path.endsWith('/')) {
        // A folder is addressed with its trailing slash, so relative links inside it resolve.
        res.setHeader('Location', req.path + '/' + (req.query === '' ? '' : `?${req.query}`));
        res.send(301, 'Moved Permanently\n');
        return;
      }
      filePath = join(filePath, index);
      st = await safeStat(filePath);
      if (st === null || !st.isFile()) throw new HttpError(404, 'Not Found');
    } else if (!st.isFile()) {
      throw new HttpError(404, 'Not Found');
    }
    res.setHeader('Content-Type', contentTypeFor(filePath));
    res.setHeader('Content-Length', st.size);
    res.setHeader('Last-Modified', st.mtime.toUTCString());
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method === 'HEAD' || st.size === 0) {
      res.end();
      return;
    }
    await res.stream(createReadStream(filePath, { highWaterMark: 64 * 1024 }));
  };
}
