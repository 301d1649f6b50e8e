// Cross-Origin Resource Sharing (Fetch standard, "CORS protocol"), when enable_cors is on.
// - A request with an allowed Origin gets Access-Control-Allow-Origin: "*" when any origin is allowed
//   and credentials are not, else the origin itself (the spec forbids "*" with credentials).
// - Whenever the answer depends on Origin, Vary: Origin says so to caches (RFC 9110 §12.5.5).
// - A preflight (OPTIONS with Access-Control-Request-Method) is answered here with 204: allowed
//   methods, headers (the configured list, or the requested ones when the list is empty), max-age.

import type { Middleware } from '../app/pipeline.ts';

export interface CorsOptions {
  /** "*", one origin, or a list; an entry may use "*" for one label ("https://*.example.com"). */
  allowOrigin?: string | readonly string[] | undefined;
  allowMethods?: readonly string[] | undefined;
  /** Empty: allow whatever headers the preflight asks for. */
  allowHeaders?: readonly string[] | undefined;
  exposeHeaders?: readonly string[] | undefined;
  allowCredentials?: boolean | undefined;
  /** Seconds a browser may cache a preflight answer. */
  maxAge?: number | undefined;
}

/** cors_allow_methods when none are configured. */
export const DEFAULT_CORS_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'];

function originMatcher(allow: string | readonly string[]): { any: boolean; test: (origin: string) => boolean } {
  const list = typeof allow === 'string' ? [allow] : [...allow];
  if (list.includes('*')) return { any: true, test: () => true };
  const exact = new Set(list.filter((o) => !o.includes('*')).map((o) => o.toLowerCase().replace(/\/$/, '')));
  const patterns = list
    .filter((o) => o.includes('*'))
    .map((o) => new RegExp('^' + o.toLowerCase().replace(/\/$/, '').replace(/[.+?^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '[a-z0-9-]+') + '$'));
  return { any: false, test: (origin) => exact.has(origin.toLowerCase()) || patterns.some((re) => re.test(origin.toLowerCase())) };
}

export function cors(options: CorsOptions = {}): Middleware {
  const origins = originMatcher(options.allowOrigin ?? '*');
  const credentials = options.allowCredentials === true;
  const methods = (options.allowMethods ?? DEFAULT_CORS_METHODS).join(', ');
  const allowHeaders = (options.allowHeaders ?? []).join(', ');
  const expose = (options.exposeHeaders ?? []).join(', ');
  const maxAge = String(Math.max(0, Math.floor(options.maxAge ?? 600)));
  const echoOrigin = !origins.any || credentials;

  return (req, res, next) => {
    if (echoOrigin) res.appendHeader('Vary', 'Origin');
    const origin = req.header('origin');
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.header('access-control-request-method') !== undefined;
    if (origin === undefined || !origins.test(origin)) {
      if (origin !== undefined) req.trace?.decide('cors-origin-refused', origin);
      if (preflight) {
        // Not an allowed origin: a plain 204 without CORS headers, which the browser reads as "no".
        res.writeHead(204).end();
        return undefined;
      }
      return next();
    }
    res.setHeader('Access-Control-Allow-Origin', echoOrigin ? origin : '*');
    if (credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (preflight) {
      res.setHeader('Access-Control-Allow-Methods', methods);
      const requested = req.header('access-control-request-headers');
      if (allowHeaders !== '') res.setHeader('Access-Control-Allow-Headers', allowHeaders);
      else if (requested !== undefined && /^[\w!#$%&'*+.^`|~, \t-]*$/.test(requested)) {
        res.setHeader('Access-Control-Allow-Headers', requested);
        res.appendHeader('Vary', 'Access-Control-Request-Headers');
      }
      res.setHeader('Access-Control-Max-Age', maxAge);
      req.trace?.decide('cors-preflight', origin, req.header('access-control-request-method') ?? '');
      res.writeHead(204).end();
      return undefined;
    }
    if (expose !== '') res.setHeader('Access-Control-Expose-Headers', expose);
    return next();
  };
}
