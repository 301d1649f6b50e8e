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
import { statusRoutes, type StatusRouteOptions } from '../status/status-routes.ts';
import { createUploadHandlers, type UploadOptions } from '../uploads/upload-handlers.ts';
import { hsts } from '../tls/hsts.ts';

export interface SiteOptions {
  documentRoot: string;
  showHiddenFiles: boolean;
  followSymlinks: boolean;
  logger: Logger;
  middleware?: Middleware[];
  /** Status dashboard, /metrics and health probes (answered before the static files). */
  status?: StatusRouteOptions;
  /** Forms and uploads (enable_file_uploads and the uploads keys); off unless enabled is true. */
  uploads?: Omit<UploadOptions, 'documentRoot'> & { enabled: boolean };
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
  const uploads = options.uploads?.enabled === true ? createUploadHandlers({ ...options.uploads, documentRoot: options.documentRoot, followSymlinks: options.followSymlinks }) : null;
  if (uploads !== null) router.route(options.uploads?.uploadPath ?? '/submit', { POST: uploads.submit });
  router.route(() => true, {
    GET: serveStatic({ root: options.documentRoot, showHiddenFiles: options.showHiddenFiles, followSymlinks: options.followSymlinks }),
    ...uploads?.methods,
  });
  const errors = errorHandler({
    pages: documentRootErrorPages(options.documentRoot),
    report: (error, req) => options.logger.error(`${req.method} ${req.target} failed`, error),
  });
  const status = options.status === undefined ? [] : [statusRoutes(options.status)];
  const transport = (options.hstsMaxAge ?? 0) > 0 ? [hsts({ maxAgeSeconds: options.hstsMaxAge ?? 0 })] : [];
  return compose([...transport, errors, ...(options.middleware ?? []), ...status], router.handle);
}
