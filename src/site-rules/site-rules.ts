// The site rules people ask for (http-server #80, serve, Caddy), as two small steps of the chain:
//
//   rules()        before the proxy routes: per-path headers are set, then the first matching
//                  redirect answers, else the first matching rewrite changes the path that the
//                  proxy, the app and the static files see (the access log keeps the original).
//   withFallback() around the static files: with clean URLs a GET/HEAD for /about.html is
//                  redirected to /about (clean-urls.ts); a GET/HEAD that found no file tries clean
//                  URLs (/about → /about.html) and then the SPA fallback (index.html with 200).
//
// The order of the whole chain is documented in docs/site-rules.md: access rules → redirects →
// rewrites → proxy → app → static (clean URLs) → fallback.

import type { Middleware } from '../app/pipeline.ts';
import type { Handler } from '../server/connection.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { isHttpError } from '../app/http-error.ts';
import { pathGlobMatcher, type CacheControlRule } from '../static/cache-control.ts';
import { compilePattern, fillTarget } from './path-pattern.ts';
import type { PathHeadersRule, RedirectRule, RewriteRule } from './rules-config.ts';

export interface SiteRuleOptions {
  redirects?: readonly RedirectRule[];
  rewrites?: readonly RewriteRule[];
  headers?: readonly PathHeadersRule[];
}

/** The redirect/rewrite/headers step; null when there are no rules (nothing on the request path). */
export function siteRules(options: SiteRuleOptions): Middleware | null {
  const redirects = (options.redirects ?? []).map((r) => ({ ...r, pattern: compilePattern(r.from) }));
  const rewrites = (options.rewrites ?? []).map((r) => ({ ...r, pattern: compilePattern(r.from) }));
  const headers = (options.headers ?? []).map((r) => ({ path: r.path, matches: pathGlobMatcher(r.path), fields: Object.freeze(Object.entries(r.headers).flat()) }));
  if (redirects.length === 0 && rewrites.length === 0 && headers.length === 0) return null;
  return (req, res, next) => {
    const path = req.path;
    for (const h of headers) {
      if (!h.matches(path)) continue;
      req.trace?.decide('path-headers', h.fields.filter((_, i) => i % 2 === 0).join(', '), h.path);
      for (let i = 0; i < h.fields.length; i += 2) {
        const name = h.fields[i]!;
        res.setHeader(name, h.fields[i + 1]!);
        if (name.length === 13 && name.toLowerCase() === 'cache-control') req.locals[PATH_CACHE_CONTROL] = true;
      }
    }
    for (const r of redirects) {
      const captures = r.pattern.match(path);
      if (captures === null) continue;
      let location = fillTarget(r.to, captures);
      // The query goes along unless the target has its own.
      if (req.query !== '' && !location.includes('?')) location += `?${req.query}`;
      req.trace?.decide('redirect', r.status, location, r.from);
      sendRedirect(res, r.status, location);
      return undefined;
    }
    for (const r of rewrites) {
      const captures = r.pattern.match(path);
      if (captures === null) continue;
      rewritePath(req, fillTarget(r.to, captures));
      req.trace?.decide('rewrite', req.path, r.from);
      break; // one rewrite per request: rules never chain (no loops to detect)
    }
    return next();
  };
}

// A static file carries its own Cache-Control (prepared once per file): for files, a rule's value
// reaches it as a cache_control rule (cacheControlRules below), and the field the header step set is
// taken back before the file is served, so one Cache-Control goes out.
const PATH_CACHE_CONTROL = 'pathCacheControl';

/** The Cache-Control values of `headers` rules as static cache_control rules (first match wins, so
 * the last header rule, which wins among header rules, comes first). */
export function cacheControlRules(rules: readonly PathHeadersRule[] | undefined): CacheControlRule[] {
  const out: CacheControlRule[] = [];
  for (const r of rules ?? []) {
    for (const [name, value] of Object.entries(r.headers)) if (name.toLowerCase() === 'cache-control') out.unshift({ pattern: r.path, value });
  }
  return out;
}

function rewritePath(req: Request, target: string): void {
  const q = target.indexOf('?');
  if (q === -1) req.rewrite(target, req.query);
  else req.rewrite(target.slice(0, q), target.slice(q + 1));
}

export interface FallbackOptions {
  /** The file (relative to the document root) served for paths with no file; null for none. */
  fallback: string | null;
  cleanUrls: boolean;
  /** Some `headers` rule sets Cache-Control (see PATH_CACHE_CONTROL). */
  pathCacheControl?: boolean;
}

/** A redirect of the site rules (a `redirects` rule, a clean URL). A permanent one is cached for an
 * hour, not for ever, so that changing the rule reaches browsers within the hour (RFC 9111 §4.2.2
 * lets a 301 be cached heuristically); a temporary one not at all. */
function sendRedirect(res: Response, status: number, location: string): void {
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', status === 301 || status === 308 ? 'max-age=3600' : 'no-store');
  res.send(status, `Redirecting to ${location}\n`);
}

/**
 * A navigation is what the SPA fallback is for: a path whose last segment has no extension, or a
 * request that accepts HTML (a browser following a link to /user/jane.doe). A missing /app.js
 * fetched by a script stays a 404 rather than becoming a page of HTML.
 */
function isNavigation(req: Request): boolean {
  const last = req.path.slice(req.path.lastIndexOf('/') + 1);
  return !last.includes('.') || (req.header('accept') ?? '').includes('text/html');
}

/**
 * The static handler with clean URLs and the fallback behind it; the handler itself when both are off.
 * `cleanTarget` (clean-urls.ts; given only with clean URLs on) gives the clean URL a `.html` path is
 * redirected to.
 */
export function withFallback(files: Handler, options: FallbackOptions, cleanTarget: ((path: string) => Promise<string | null>) | null = null): Handler {
  const fallbackPath = options.fallback === null ? null : '/' + options.fallback.replace(/^\/+/, '');
  const strip = options.pathCacheControl === true;
  if (fallbackPath === null && !options.cleanUrls && !strip) return files;
  const notFound = (error: unknown): boolean => isHttpError(error) && error.status === 404;
  return async (req, res) => {
    if (strip && req.local(PATH_CACHE_CONTROL) === true) res.removeHeader('Cache-Control');
    // GET and HEAD only: after a 301 many clients repeat a POST as a GET (RFC 9110 §15.4.2).
    if (cleanTarget !== null && req.path.endsWith('.html') && (req.method === 'GET' || req.method === 'HEAD')) {
      const clean = await cleanTarget(req.path);
      if (clean !== null) {
        const location = req.query === '' ? clean : `${clean}?${req.query}`;
        req.trace?.decide('clean-url-redirect', location);
        sendRedirect(res, 301, location);
        return undefined;
      }
    }
    try {
      return await files(req, res);
    } catch (error) {
      if (!notFound(error) || res.headersSent || (req.method !== 'GET' && req.method !== 'HEAD')) throw error;
      const original = req.path;
      if (options.cleanUrls && !original.endsWith('/') && !original.slice(original.lastIndexOf('/') + 1).includes('.')) {
        req.rewrite(`${original}.html`, req.query);
        req.trace?.decide('clean-url', req.path);
        try {
          return await files(req, res);
        } catch (again) {
          if (!notFound(again) || res.headersSent) throw again;
          req.rewrite(original, req.query);
        }
      }
      if (fallbackPath === null || original === fallbackPath || !isNavigation(req)) throw error;
      req.rewrite(fallbackPath, req.query);
      req.trace?.decide('spa-fallback', fallbackPath);
      return files(req, res);
    }
  };
}
