// Assembles the server's handler from its options: error handling, security headers, CORS, then the
// routes (static files for now; uploads, status and the rest plug in here as they arrive).
// Option names are the camelCase forms of the config keys (directory_listing → directoryListing).

import type { Handler } from '../server/connection.ts';
import { compose, type Middleware } from './pipeline.ts';
import { Router } from './router.ts';
import { errorHandler } from './error-response.ts';
import { serveStatic } from '../static/serve-static.ts';
import { documentRootErrorPages } from '../static/error-pages.ts';
import type { CacheControlRule } from '../static/cache-control.ts';
import { protectedPaths, type NeverServeOptions } from '../static/protected-paths.ts';
import type { CacheStats } from '../static/file-cache.ts';
import type { CacheStatsSource } from '../status/sources.ts';
import { securityHeaderNames, securityHeaders } from '../middleware/security-headers.ts';
import { cors } from '../middleware/cors.ts';
import type { Logger } from '../log/logger.ts';
import { statusRoutes, type StatusRouteOptions } from '../status/status-routes.ts';
import { createUploadHandlers, type UploadOptions } from '../uploads/upload-handlers.ts';
import { hsts } from '../tls/hsts.ts';
import { uploadFormHtml } from '../uploads/upload-form.ts';
import { DEFAULT_FORM_LIMITS } from '../uploads/form.ts';
import { writesOffMethods } from '../uploads/writes-off.ts';
import { createAccessControl, type AccessControlOptions } from '../access/access-control.ts';

export { documentRootErrorPages };

export interface SiteOptions {
  documentRoot: string;
  showHiddenFiles: boolean;
  followSymlinks: boolean;
  /** The server's own files (state folder, logs, config file): never served nor listed. */
  neverServe?: NeverServeOptions;
  logger: Logger;
  middleware?: Middleware[];
  /** index_file: one name or several, first found wins. */
  indexFile?: string | readonly string[];
  directoryListing?: boolean;
  enableCache?: boolean;
  cacheMaxSize?: number;
  /** Seconds. */
  cacheMaxAge?: number;
  cacheMaxBytes?: number;
  cacheFileMaxBytes?: number;
  enableBrowserCaching?: boolean;
  /** Seconds. */
  browserCacheTime?: number;
  cacheControl?: readonly CacheControlRule[];
  enableCompression?: boolean;
  compressionMinSize?: number;
  enableSecurityHeaders?: boolean;
  securityHeaders?: Readonly<Record<string, string | null>>;
  enableCors?: boolean;
  corsAllowOrigin?: string | readonly string[];
  corsAllowMethods?: readonly string[];
  corsAllowHeaders?: readonly string[];
  corsExposeHeaders?: readonly string[];
  corsAllowCredentials?: boolean;
  /** Seconds. */
  corsMaxAge?: number;
  /** Status dashboard, /metrics and health probes (answered before the static files). */
  status?: StatusRouteOptions;
  /** Forms and uploads (enable_file_uploads and the uploads keys); off unless enabled is true. */
  uploads?: Omit<UploadOptions, 'documentRoot'> & { enabled: boolean };
  /** hsts_max_age: Strict-Transport-Security on HTTPS responses; 0 or absent for none. */
  hstsMaxAge?: number;
  /** Users, tokens and per-path rules (docs/access-control.md); no step at all when none is set. */
  access?: AccessControlOptions;
}

export interface SiteHandler extends Handler {
  /** File-cache counters (hits, misses, evictions, entries, bytes) as a snapshot. */
  cacheStats(): CacheStats;
  /** The file cache as the status page reads it (live getters); null when enable_cache is off. */
  readonly cache: CacheStatsSource | null;
  /** Re-reads auth_file (SIGHUP); null without access control. */
  readonly reloadUsers: (() => void) | null;
}

export function createSiteHandler(options: SiteOptions): SiteHandler {
  const router = new Router();
  const access = options.access === undefined ? null : createAccessControl(options.access);
  // Writes from another origin are refused unless CORS lists that origin literally (cross-origin.ts).
  const crossOrigin = { enableCors: options.enableCors, allowOrigin: options.corsAllowOrigin, allowMethods: options.corsAllowMethods };
  // The server's own files (state folder, logs, config): never served, listed, or written.
  const protect = protectedPaths(options.documentRoot, options.neverServe);
  const uploads = options.uploads?.enabled === true ? createUploadHandlers({ ...options.uploads, documentRoot: options.documentRoot, followSymlinks: options.followSymlinks, crossOrigin, reserved: protect.has }) : null;
  if (uploads !== null) router.route(options.uploads?.uploadPath ?? '/submit', { POST: uploads.submit });
  // The listing embeds the upload form when folders accept uploads (upload_in_listing).
  const listingForm =
    uploads !== null && options.uploads?.inListing !== false
      ? (folderUrl: string) => uploadFormHtml(folderUrl, { ...DEFAULT_FORM_LIMITS, ...options.uploads?.limits }, { mkdir: options.uploads?.enableMkdir === true })
      : undefined;
  // security_headers replaces a field the files would carry (Cache-Control, say): one field goes out.
  const fixedNames = options.enableSecurityHeaders !== false ? securityHeaderNames(options.securityHeaders) : [];
  const files = serveStatic({
    root: options.documentRoot,
    omitFields: fixedNames,
    showHiddenFiles: options.showHiddenFiles,
    followSymlinks: options.followSymlinks,
    indexFile: options.indexFile,
    directoryListing: options.directoryListing,
    protect,
    listingExtraHtml: listingForm,
    listingView: access?.listingView,
    enableCache: options.enableCache,
    cacheMaxSize: options.cacheMaxSize,
    cacheMaxAge: options.cacheMaxAge,
    cacheMaxBytes: options.cacheMaxBytes,
    cacheFileMaxBytes: options.cacheFileMaxBytes,
    enableBrowserCaching: options.enableBrowserCaching,
    browserCacheTime: options.browserCacheTime,
    cacheControl: options.cacheControl,
    enableCompression: options.enableCompression,
    compressionMinSize: options.compressionMinSize,
  });
  router.route(() => true, { GET: files, ...(uploads?.methods ?? writesOffMethods()) });
  const errors = errorHandler({
    pages: documentRootErrorPages(options.documentRoot),
    report: (error, req) => options.logger.error(`${req.method} ${req.target} failed`, error),
  });
  const chain: Middleware[] = [errors];
  if (options.enableSecurityHeaders !== false) chain.push(securityHeaders({ headers: options.securityHeaders }));
  if (options.enableCors === true) {
    chain.push(
      cors({
        allowOrigin: options.corsAllowOrigin,
        allowMethods: options.corsAllowMethods,
        allowHeaders: options.corsAllowHeaders,
        exposeHeaders: options.corsExposeHeaders,
        allowCredentials: options.corsAllowCredentials,
        maxAge: options.corsMaxAge,
      }),
    );
  }
  const status = options.status === undefined ? [] : [statusRoutes(options.status)];
  const transport = (options.hstsMaxAge ?? 0) > 0 && !fixedNames.includes('strict-transport-security') ? [hsts({ maxAgeSeconds: options.hstsMaxAge ?? 0 })] : [];
  // Access rules after CORS (a preflight carries no credentials) and before the status page and files.
  const guard = access === null ? [] : [access.middleware];
  const handler = compose([...transport, ...chain, ...(options.middleware ?? []), ...guard, ...status], router.handle);
  return Object.assign(handler, { cacheStats: () => files.stats(), cache: files.cache, reloadUsers: access?.reloadUsers ?? null });
}
