// The proxy step of the site's chain: the first route whose prefix matches the request path takes
// it (routes in config order); anything else goes on to the app and the static files.

import type { Middleware } from '../app/pipeline.ts';
import type { Logger } from '../log/logger.ts';
import { networkMatcher } from '../status/access.ts';
import { ProxyRoute, type RouteFigures } from './proxy-route.ts';
import type { ProxyRouteConfig } from './route-config.ts';

export interface ProxyOptions {
  routes: readonly ProxyRouteConfig[];
  logger: Logger;
  /** trusted_proxies: forwarding fields from these peers are kept and appended to. */
  trustedProxies?: readonly string[];
  /** Our name in Via ("httpcraft"). */
  viaName?: string;
}

export interface Proxy {
  readonly middleware: Middleware;
  readonly routes: readonly ProxyRoute[];
  /** Per-route, per-backend figures (status page, /metrics). */
  figures(): RouteFigures[];
  close(): void;
}

export function createProxy(options: ProxyOptions): Proxy {
  const matches = networkMatcher(options.trustedProxies ?? [], 'trusted_proxies');
  const localTrusted = matches('127.0.0.1') || matches('::1');
  const none = (options.trustedProxies ?? []).length === 0;
  const trusted = (address: string): boolean => (none ? false : address === '' ? localTrusted : matches(address));
  const ctx = { logger: options.logger, trusted, viaName: options.viaName ?? 'httpcraft' };
  const routes = options.routes.map((r) => new ProxyRoute(r, ctx));
  const middleware: Middleware = (req, res, next) => {
    const path = req.path;
    for (const route of routes) if (route.matches(path)) return route.handle(req, res);
    return next();
  };
  return {
    middleware,
    routes,
    figures: () => routes.map((r) => r.figures()),
    close: () => {
      for (const r of routes) r.close();
    },
  };
}
