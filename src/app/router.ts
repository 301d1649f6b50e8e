// Method dispatch and routes. The server-wide rules of RFC 9110 §9 live here:
// - a method no route implements → 501 (§15.6.2);
// - a method the matched resource does not allow → 405 with Allow (§15.5.6);
// - OPTIONS → 204 with Allow for the resource, or for the server with "OPTIONS *" (§9.3.7);
// - HEAD is answered by the GET handler with the body suppressed (§9.3.2).

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { Handler } from '../server/connection.ts';
import { HttpError } from './http-error.ts';
import { WebSocketRoute, isWebSocketRequest, type WebSocketHandler, type WebSocketRouteOptions } from '../websocket/route.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'PATCH' | 'MKCOL';
export type MethodTable = Partial<Record<Method, Handler>>;

/** Decides whether a route serves a path. Exact string, prefix ending in "/", or a function. */
export type PathMatcher = string | ((path: string, req: Request) => boolean);

interface Route {
  match: (path: string, req: Request) => boolean;
  methods: MethodTable;
  allow: string;
}

function toMatch(matcher: PathMatcher): (path: string, req: Request) => boolean {
  return typeof matcher === 'function' ? matcher : matcher.endsWith('/') ? (p: string) => p.startsWith(matcher) : (p: string) => p === matcher;
}

export class Router {
  readonly #routes: Route[] = [];
  readonly #websockets: WebSocketRoute[] = [];
  #implemented = new Set<string>(['OPTIONS']);

  /** Adds a route; earlier routes win. A string ending in "/" matches that prefix. */
  route(matcher: PathMatcher, methods: MethodTable): this {
    const match = toMatch(matcher);
    const table: MethodTable = { ...methods };
    if (table.GET !== undefined && table.HEAD === undefined) table.HEAD = table.GET;
    const allow = [...Object.keys(table), 'OPTIONS'].filter((m, i, all) => all.indexOf(m) === i).join(', ');
    this.#routes.push({ match, methods: table, allow });
    for (const m of Object.keys(table)) this.#implemented.add(m);
    return this;
  }

  /**
   * A WebSocket endpoint (RFC 6455) at path (matched as route() does), in route order. Only requests
   * whose Upgrade field lists "websocket" reach it; any other request goes on to later routes. A bad
   * handshake gets a 400 (426 for a version other than 13) that says what was wrong. The route's
   * open sockets are in websocketRoute(path).clients.
   */
  websocket(path: PathMatcher, handler: WebSocketHandler, options?: WebSocketRouteOptions): this {
    const route = new WebSocketRoute(path, handler, options);
    const matches = toMatch(path);
    this.#websockets.push(route);
    return this.route((p, req) => matches(p, req) && isWebSocketRequest(req), { GET: route.handle });
  }

  /** The WebSocket route registered with this path (the same string or function), if any. */
  websocketRoute(path: PathMatcher): WebSocketRoute | undefined {
    return this.#websockets.find((r) => r.path === path);
  }

  /** Every WebSocket route, in the order they were added. */
  get websocketRoutes(): readonly WebSocketRoute[] {
    return this.#websockets;
  }

  /** Every method some route implements (the Allow of "OPTIONS *"). */
  get implementedMethods(): string {
    return [...this.#implemented].join(', ');
  }

  readonly handle: Handler = (req: Request, res: Response) => {
    const method = req.method;
    if (!this.#implemented.has(method)) throw new HttpError(501, `${method} is not implemented`);
    if (req.targetForm === 'asterisk') {
      res.setHeader('Allow', this.implementedMethods);
      res.writeHead(204).end();
      return;
    }
    const path = req.path;
    for (const route of this.#routes) {
      if (!route.match(path, req)) continue;
      const handler = route.methods[method as Method];
      if (handler !== undefined) return handler(req, res);
      if (method === 'OPTIONS') {
        res.setHeader('Allow', route.allow);
        res.writeHead(204).end();
        return;
      }
      throw new HttpError(405, `${method} is not allowed here`, { headers: { Allow: route.allow } });
    }
    throw new HttpError(404, 'Not Found');
  };
}
