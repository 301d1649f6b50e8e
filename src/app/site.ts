// Assembles the server's handler from its options: error handling, security headers, CORS, then the
// routes (static files for now; uploads, status and the rest plug in here as they arrive).
// Option names are the camelCase forms of the config keys (directory_listing → directoryListing).

import type { Handler } from '../server/connection.ts';
import { compose, type Middleware } from './pipeline.ts';
import { Router } from './router.ts';
import { errorHandler } from './error-response.ts';
import { exhaustionLine, throttledLog } from './exhaustion.ts';
import { indexFileNames, serveStatic } from '../static/serve-static.ts';
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
import { LiveReloadHub, acceptsOrigin } from '../live-reload/hub.ts';
import { LIVE_RELOAD_INJECTION } from '../live-reload/inject.ts';
import { LIVE_RELOAD_SCRIPT_PATH, LIVE_RELOAD_SOCKET_PATH } from '../live-reload/paths.ts';
import { resolveClientAddress } from '../access/client-address.ts';
import { createRateLimiter, type RateLimiterOptions } from '../access/rate-limiter.ts';
import { createAccessControl, type AccessControlOptions } from '../access/access-control.ts';
// Issue 17: proxy routes and site rules (docs/site-rules.md has the order of the whole chain).
import { createProxy, type Proxy } from '../proxy/proxy-handler.ts';
import type { ProxyRouteConfig } from '../proxy/route-config.ts';
import { cacheControlRules, siteRules, withFallback, type FallbackOptions, type SiteRuleOptions } from '../site-rules/site-rules.ts';
import { cleanUrlTarget } from '../site-rules/clean-urls.ts';

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
  /** live_reload: the client script in every HTML page and its socket; changes come through handler.liveReload. */
  liveReload?: boolean;
  /** trusted_proxies: whose forwarding headers name the client (logs, limits); empty = the peer. */
  trustedProxies?: readonly string[];
  /** rate_limits and the rate_limit_* keys; absent or no rules for none. */
  rateLimit?: RateLimiterOptions;
  /** Users, tokens and per-path rules (docs/access-control.md); no step at all when none is set. */
  access?: AccessControlOptions;
  /** The application (--app, app-loader.ts): its router's middleware, in front of the files. */
  app?: Middleware;
  /** Reverse-proxy routes (docs/proxy.md); none when absent or empty. */
  proxy?: readonly ProxyRouteConfig[];
  /** Redirects, rewrites, per-path headers, clean URLs and the SPA fallback (docs/site-rules.md). */
  siteRules?: SiteRuleOptions & Partial<FallbackOptions>;
}

export interface SiteHandler extends Handler {
  /** File-cache counters (hits, misses, evictions, entries, bytes) as a snapshot. */
  cacheStats(): CacheStats;
  /** The file cache as the status page reads it (live getters); null when enable_cache is off. */
  readonly cache: CacheStatsSource | null;
  /** The live-reload clients (notify them of changes; watch the root); null when live reload is off. */
  readonly liveReload: LiveReloadHub | null;
  /** Releases what the handler holds open (the rate limiter's Redis connection). */
  close(): Promise<void>;
  /** Re-reads auth_file (SIGHUP); null without access control. */
  readonly reloadUsers: (() => void) | null;
  /** The proxy routes and their backends' figures; null without proxy routes. */
  readonly proxy: Proxy | null;
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
  // Live reload is decided here, once: off, nothing of it is on any request's path.
  const htmlInjection = options.liveReload === true ? LIVE_RELOAD_INJECTION : undefined;
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
    // Issue 17: Cache-Control from per-path `headers` rules reaches files as cache_control rules.
    cacheControl: [...cacheControlRules(options.siteRules?.headers), ...(options.cacheControl ?? [])],
    enableCompression: options.enableCompression,
    compressionMinSize: options.compressionMinSize,
    htmlInjection,
  });
  const errorPages = documentRootErrorPages(options.documentRoot);
  // A change clears what the server holds of the files first, then the pages are told to reload.
  const liveReload =
    htmlInjection === undefined
      ? null
      : new LiveReloadHub({
          root: options.documentRoot,
          protect,
          omitFields: fixedNames,
          beforeNotify: () => {
            files.invalidate();
            errorPages.clear();
          },
        });
  if (liveReload !== null) {
    router.route(LIVE_RELOAD_SCRIPT_PATH, { GET: liveReload.serveScript });
    // Messages are a few dozen bytes: no compression (no zlib context per page). Pages of other
    // sites are refused (acceptsOrigin); the heartbeat drops pages that went away without a close.
    router.websocket(LIVE_RELOAD_SOCKET_PATH, liveReload.accept, { perMessageDeflate: false, maxPayload: 4096, origin: (origin, req) => acceptsOrigin(origin, req.header('host')) });
  }
  // Issue 17: clean URLs and the SPA fallback sit behind the static files (the last resort).
  const rules = options.siteRules ?? {};
  const cleanTarget =
    rules.cleanUrls === true
      ? cleanUrlTarget({
          root: options.documentRoot,
          showHiddenFiles: options.showHiddenFiles,
          followSymlinks: options.followSymlinks,
          protect,
          indexFiles: indexFileNames(options.indexFile),
        })
      : null;
  const lastResort = withFallback(files, { fallback: rules.fallback ?? null, cleanUrls: rules.cleanUrls === true, pathCacheControl: cacheControlRules(rules.headers).length > 0 }, cleanTarget);
  router.route(() => true, { GET: lastResort, ...(uploads?.methods ?? writesOffMethods()) });
  const logExhaustion = throttledLog((line) => options.logger.warn(line));
  const errors = errorHandler({
    pages: errorPages,
    report: (error, req) => options.logger.error(`${req.method} ${req.target} failed`, error),
    onExhausted: (code, req) => logExhaustion(code, exhaustionLine(code, `${req.method} ${req.target}`)),
    htmlInjection,
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
  // The client address first (everything after may read it); rate limits after CORS (a browser must
  // be able to read the 429) and before the status routes, uploads and static files (see below).
  const address = resolveClientAddress(options.trustedProxies ?? []);
  const limiter = options.rateLimit === undefined ? null : createRateLimiter(options.rateLimit, options.logger);
  const status = options.status === undefined ? [] : [statusRoutes(options.status)];
  const transport = (options.hstsMaxAge ?? 0) > 0 && !fixedNames.includes('strict-transport-security') ? [hsts({ maxAgeSeconds: options.hstsMaxAge ?? 0 })] : [];
  // Access rules after CORS (a preflight carries no credentials) and before the rate limiter (per: "user"
  // needs the signed-in user), the status page and files.
  const guard = access === null ? [] : [access.middleware];
  const limits = limiter === null ? [] : [limiter.middleware];
  // After the access rules, limits and status routes: redirects/rewrites/headers, then the proxy
  // routes (issue 17), then the app (--app; a path it does not route falls through), then the
  // router's static files and the fallback (docs/site-rules.md).
  const app = options.app === undefined ? [] : [options.app];
  const ruleStep = siteRules(rules);
  const proxy = options.proxy === undefined || options.proxy.length === 0 ? null : createProxy({ routes: options.proxy, logger: options.logger, trustedProxies: options.trustedProxies ?? [] });
  const routing = [...(ruleStep === null ? [] : [ruleStep]), ...(proxy === null ? [] : [proxy.middleware])];
  const handler = compose([...(address === null ? [] : [address]), ...transport, ...chain, ...(options.middleware ?? []), ...guard, ...limits, ...status, ...routing, ...app], router.handle);
  return Object.assign(handler, {
    cacheStats: () => files.stats(),
    cache: files.cache,
    liveReload,
    reloadUsers: access?.reloadUsers ?? null,
    proxy,
    close: async () => {
      proxy?.close();
      await limiter?.store.close();
    },
  });
}
