// Method dispatch and routes. The server-wide rules of RFC 9110 §9 live here:
// - a method no route implements → 501 (§15.6.2);
// - a method the matched resource does not allow → 405 with Allow (§15.5.6);
// - OPTIONS → 204 with Allow for the resource, or for the server with "OPTIONS *" (§9.3.7);
// - HEAD is answered by the GET handler with the body suppressed (§9.3.2).
//
// Two kinds of routes share one Router:
// - pattern routes (get/post/put/patch/delete/add): "/users/:id", kept in a tree (route-tree.ts),
//   matched by specificity, never by registration order; two routes that match the same paths with
//   the same method are refused when the second is added;
// - matcher routes (route/websocket): an exact string, a prefix ending in "/", or a function, tried
//   in order after the tree found nothing (the static site's catch-all is one).
// A Router is also a view: group(prefix, ...middleware) returns a Router that adds to the same table
// under the prefix, its routes wrapped in the group's middleware; mount(prefix, other) copies another
// router's pattern routes under a prefix (and every route it gets afterwards).

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { Handler } from '../server/connection.ts';
import { HttpError } from './http-error.ts';
import { compose, type Middleware, type Next } from './pipeline.ts';
import { expandShapes, joinPath, parsePattern, shapeText, type RouteParams } from './route-pattern.ts';
import { RouteTree } from './route-tree.ts';
import { WebSocketRoute, isWebSocketRequest, type WebSocketHandler, type WebSocketRouteOptions } from '../websocket/route.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'PATCH' | 'MKCOL';
export type MethodTable = Partial<Record<Method, Handler>>;
export type { RouteParams } from './route-pattern.ts';

/** Decides whether a route serves a path. Exact string, prefix ending in "/", or a function. */
export type PathMatcher = string | ((path: string, req: Request) => boolean);

/** The request a pattern route's handler gets: params typed from the pattern. */
export type RouteRequest<P extends string = string> = Request & { readonly params: Readonly<RouteParams<P>> };
export type RouteHandler<P extends string = string> = (req: RouteRequest<P>, res: Response) => void | Promise<void>;

/** What a route may carry besides its handler: its own middleware, and a description other tools read (OpenAPI). */
export interface RouteOptions {
  middleware?: readonly Middleware[];
  /** Free-form metadata (rest.ts keeps the schemas and summary here). */
  meta?: Readonly<Record<string, unknown>>;
}

/** A registered pattern route, as route listings and the OpenAPI generator see it. */
export interface RouteInfo {
  readonly method: string;
  readonly pattern: string;
  readonly meta: Readonly<Record<string, unknown>>;
}

interface Entry extends RouteInfo {
  readonly names: readonly string[];
  readonly run: Handler;
}

interface MatcherRoute {
  match: (path: string, req: Request) => boolean;
  methods: MethodTable;
  allow: string;
}

interface Registration extends RouteInfo {
  readonly handler: Handler;
}

interface MountPoint {
  readonly table: RouteTable;
  readonly prefix: string;
  readonly middleware: readonly Middleware[];
}

// Handlers of routes without parameters still get req.params, as an empty object.
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function toMatch(matcher: PathMatcher): (path: string, req: Request) => boolean {
  return typeof matcher === 'function' ? matcher : matcher.endsWith('/') ? (p: string) => p.startsWith(matcher) : (p: string) => p === matcher;
}

function decodeParam(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'Bad percent-encoding in the path');
  }
}

function allowOf(methods: Record<string, unknown>): string {
  const list = Object.keys(methods);
  if (list.includes('GET') && !list.includes('HEAD')) list.push('HEAD');
  if (!list.includes('OPTIONS')) list.push('OPTIONS');
  return list.join(', ');
}

/** The shared state behind a router and its groups: one tree per method (a lookup never sees another method's routes). */
class RouteTable {
  readonly trees = new Map<string, RouteTree<Entry>>();
  readonly matchers: MatcherRoute[] = [];
  readonly websockets: WebSocketRoute[] = [];
  readonly implemented = new Set<string>(['OPTIONS']);
  readonly registrations: Registration[] = [];
  readonly mounts: MountPoint[] = [];

  add(method: string, pattern: string, handler: Handler, middleware: readonly Middleware[], meta: Readonly<Record<string, unknown>>): void {
    const segments = parsePattern(pattern);
    const run = middleware.length === 0 ? handler : compose(middleware, handler);
    const shapes = expandShapes(segments);
    let tree = this.trees.get(method);
    // Check every shape before changing anything: a refused route leaves the table as it was.
    for (const shape of shapes) {
      const other = tree?.existing(shape);
      if (other != null) throw new Error(`route ${method} ${pattern} conflicts with ${method} ${other.pattern}: both match ${shapeText(shape)}`);
    }
    if (tree === undefined) this.trees.set(method, (tree = new RouteTree<Entry>()));
    for (const shape of shapes) {
      // Each shape names only the params it has (a left-out optional one is absent).
      const names: string[] = [];
      for (const s of shape) if (s.kind === 'param') names.push(s.name);
      if (shape.at(-1)?.kind === 'wildcard') names.push('*');
      const entry: Entry = { method, pattern, meta, names, run };
      tree.leaf(shape, () => entry);
    }
    this.implemented.add(method);
    if (method === 'GET') this.implemented.add('HEAD');
    this.registrations.push({ method, pattern, meta, handler: run });
    for (const m of this.mounts) m.table.add(method, joinPath(m.prefix, pattern), run, m.middleware, meta);
  }

  addMatcher(matcher: PathMatcher, methods: MethodTable): void {
    const table: MethodTable = { ...methods };
    if (table.GET !== undefined && table.HEAD === undefined) table.HEAD = table.GET;
    this.matchers.push({ match: toMatch(matcher), methods: table, allow: allowOf(table) });
    for (const m of Object.keys(table)) this.implemented.add(m);
  }

  /** The pattern route for method and path; HEAD falls back to GET's. Raw param values go onto values. */
  lookup(method: string, path: string, values: string[]): Entry | null {
    const found = this.trees.get(method)?.find(path, values) ?? null;
    if (found !== null || method !== 'HEAD') return found;
    values.length = 0;
    return this.trees.get('GET')?.find(path, values) ?? null;
  }

  /** The Allow of a path some pattern route serves with another method (and the first such route), or null. */
  allowFor(path: string): { allow: string; pattern: string } | null {
    const methods: Record<string, true> = {};
    let pattern: string | null = null;
    for (const [method, tree] of this.trees) {
      const entry = tree.find(path, []);
      if (entry === null) continue;
      methods[method] = true;
      pattern ??= entry.pattern;
    }
    return pattern === null ? null : { allow: allowOf(methods), pattern };
  }

  /** Answers the request, or calls next() (middleware mode) / throws 404 (handler mode) when no route serves its path. */
  dispatch(req: Request, res: Response, next: Next | null): void | Promise<void> {
    const method = req.method;
    if (next === null && !this.implemented.has(method)) req.trace?.decide('method-501', method);
    if (next === null && !this.implemented.has(method)) throw new HttpError(501, `${method} is not implemented`);
    if (req.targetForm === 'asterisk') {
      if (next !== null) return next();
      res.setHeader('Allow', [...this.implemented].join(', '));
      res.writeHead(204).end();
      return undefined;
    }
    const path = req.path;
    const values: string[] = [];
    const entry = this.lookup(method, path, values);
    if (entry !== null) {
      const names = entry.names;
      if (names.length > 0) {
        const params: Record<string, string> = {};
        for (let i = 0; i < names.length; i++) params[names[i]!] = decodeParam(values[i]!);
        (req as { params?: Record<string, string> }).params = params;
      } else (req as { params?: Record<string, string> }).params = NO_PARAMS;
      req.route = entry.pattern;
      return entry.run(req, res);
    }
    const other = this.trees.size === 0 ? null : this.allowFor(path);
    if (other !== null) {
      req.route = other.pattern;
      if (method === 'OPTIONS') {
        res.setHeader('Allow', other.allow);
        res.writeHead(204).end();
        return undefined;
      }
      req.trace?.decide('method-405', other.allow);
      throw new HttpError(405, `${method} is not allowed here`, { headers: { Allow: other.allow } });
    }
    for (const route of this.matchers) {
      if (!route.match(path, req)) continue;
      const handler = route.methods[method as Method];
      if (handler !== undefined) return handler(req, res);
      if (method === 'OPTIONS') {
        res.setHeader('Allow', route.allow);
        res.writeHead(204).end();
        return undefined;
      }
      req.trace?.decide('method-405', route.allow);
      throw new HttpError(405, `${method} is not allowed here`, { headers: { Allow: route.allow } });
    }
    if (next !== null) return next();
    throw new HttpError(404, 'Not Found');
  }
}

type Registrar = <P extends string>(path: P, ...rest: [RouteHandler<P>] | [RouteOptions, RouteHandler<P>]) => Router;

export class Router {
  readonly #table: RouteTable;
  readonly #prefix: string;
  readonly #middleware: Middleware[];

  constructor(shared?: { table: RouteTable; prefix: string; middleware: readonly Middleware[] }) {
    this.#table = shared?.table ?? new RouteTable();
    this.#prefix = shared?.prefix ?? '';
    this.#middleware = [...(shared?.middleware ?? [])];
  }

  /** Adds a pattern route for one method (any token: "PROPFIND" too). */
  add<P extends string>(method: string, path: P, ...rest: [RouteHandler<P>] | [RouteOptions, RouteHandler<P>]): this {
    const [options, handler] = rest.length === 1 ? [{}, rest[0]] : rest;
    const middleware = [...this.#middleware, ...(options.middleware ?? [])];
    this.#table.add(method, joinPath(this.#prefix, path), handler as Handler, middleware, options.meta ?? {});
    return this;
  }

  readonly get: Registrar = (path, ...rest) => this.add('GET', path, ...rest);
  readonly post: Registrar = (path, ...rest) => this.add('POST', path, ...rest);
  readonly put: Registrar = (path, ...rest) => this.add('PUT', path, ...rest);
  readonly patch: Registrar = (path, ...rest) => this.add('PATCH', path, ...rest);
  readonly delete: Registrar = (path, ...rest) => this.add('DELETE', path, ...rest);

  /** Middleware for the pattern routes added after this call (on this router or group and its subgroups). */
  use(...middleware: Middleware[]): this {
    this.#middleware.push(...middleware);
    return this;
  }

  /** A view adding routes under prefix, each wrapped in this router's middleware and then the group's. */
  group(prefix: string, ...middleware: Middleware[]): Router {
    return new Router({ table: this.#table, prefix: joinPath(this.#prefix, prefix), middleware: [...this.#middleware, ...middleware] });
  }

  /**
   * Puts another router's pattern routes under prefix ("/admin" + "/users" = "/admin/users"), now and
   * whenever it gets more. Its matcher routes (route(), websocket()) cannot be mounted: they match on
   * the whole path.
   */
  mount(prefix: string, other: Router): this {
    const table = other.#table;
    if (table === this.#table) throw new Error('mount(): a router cannot be mounted on itself');
    if (table.matchers.length > 0) throw new Error('mount(): the router has route()/websocket() matchers, which cannot be mounted under a prefix');
    const point: MountPoint = { table: this.#table, prefix: joinPath(this.#prefix, prefix), middleware: [...this.#middleware] };
    for (const r of table.registrations) this.#table.add(r.method, joinPath(point.prefix, r.pattern), r.handler, point.middleware, r.meta);
    table.mounts.push(point);
    return this;
  }

  /** Every pattern route, in the order added (mounted ones with their full pattern). */
  get routes(): readonly RouteInfo[] {
    return this.#table.registrations.map(({ method, pattern, meta }) => ({ method, pattern, meta }));
  }

  /** Adds a matcher route; earlier matcher routes win. A string ending in "/" matches that prefix. */
  route(matcher: PathMatcher, methods: MethodTable): this {
    this.#table.addMatcher(matcher, methods);
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
    this.#table.websockets.push(route);
    return this.route((p, req) => matches(p, req) && isWebSocketRequest(req), { GET: route.handle });
  }

  /** The WebSocket route registered with this path (the same string or function), if any. */
  websocketRoute(path: PathMatcher): WebSocketRoute | undefined {
    return this.#table.websockets.find((r) => r.path === path);
  }

  /** Every WebSocket route, in the order they were added. */
  get websocketRoutes(): readonly WebSocketRoute[] {
    return this.#table.websockets;
  }

  /**
   * Which pattern route serves method and path (as sent, percent-encoded), without running it:
   * { pattern, params } when one does (HEAD finds GET's), { allow } when the path is routed but not
   * for this method, null when no pattern route serves the path.
   */
  find(method: string, path: string): { pattern: string; params: Record<string, string> } | { allow: string } | null {
    const values: string[] = [];
    const entry = this.#table.lookup(method, path, values);
    if (entry === null) {
      const other = this.#table.allowFor(path);
      return other === null ? null : { allow: other.allow };
    }
    const params: Record<string, string> = {};
    const names = entry.names;
    for (let i = 0; i < names.length; i++) params[names[i]!] = decodeParam(values[i]!);
    return { pattern: entry.pattern, params };
  }

  /** Every method some route implements (the Allow of "OPTIONS *"). */
  get implementedMethods(): string {
    return [...this.#table.implemented].join(', ');
  }

  /** The router as the last handler: 404 for a path no route serves, 501 for a method none implements. */
  readonly handle: Handler = (req, res) => this.#table.dispatch(req, res, null);

  /** The router in front of something else (the static site): a path no route serves goes on to next(). */
  readonly middleware: Middleware = (req, res, next) => this.#table.dispatch(req, res, next);
}
