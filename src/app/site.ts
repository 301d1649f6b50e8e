// Assembles the server's handler from its options: error handling, then the routes (static files for
// now; uploads, status and the rest plug in here as they arrive).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Handler } from '../server/connection.ts';
import { compose, type Middleware } from './pipeline.ts';
import { Router } from './router.ts';
import { errorHandler, type ErrorPageSource } from './error-response.ts';
import { serveStatic } from '../static/serve-static.ts';
import type { Logger } from '../log/logger.ts';
import { hsts } from '../tls/hsts.ts';

export interface SiteOptions {
  documentRoot: string;
  showHiddenFiles: boolean;
  followSymlinks: boolean;
  logger: Logger;
  middleware?: Middleware[];
  /** hsts_max_age: Strict-Transport-Security on HTTPS responses; 0 or absent for none. */
  hstsMaxAge?: number;
}

/** `<status>.html` from the document root when present (the seed's custom error pages). */
export function documentRootErrorPages(root: string): ErrorPageSource {
  return async (status) => {
    try {
      return await readFile(join(root, `${status}.html`));
    } catch {
      return undefined;
    }
  };
}

export function createSiteHandler(options: SiteOptions): Handler {
  const router = new Router();
  router.route(() => true, {
    GET: serveStatic({ root: options.documentRoot, showHiddenFiles: options.showHiddenFiles, followSymlinks: options.followSymlinks }),
  });
  const errors = errorHandler({
    pages: documentRootErrorPages(options.documentRoot),
    report: (error, req) => options.logger.error(`${req.method} ${req.target} failed`, error),
  });
  const transport = (options.hstsMaxAge ?? 0) > 0 ? [hsts({ maxAgeSeconds: options.hstsMaxAge ?? 0 })] : [];
  return compose([...transport, errors, ...(options.middleware ?? [])], router.handle);
}
