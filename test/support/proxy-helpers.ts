// Upstreams for proxy tests: node:http servers (well-behaved, counting what they saw) and raw net
// servers that answer with exact bytes (to misbehave); and our site with proxy routes in front.

import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { ProxyRouteConfig } from '../../src/proxy/route-config.ts';
import { parseProxyRoutes } from '../../src/proxy/route-config.ts';
import { makeTree, type Site, type Tree } from './static-helpers.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createServer, type ServerOptions } from '../../src/server/http-server.ts';
import type { SiteOptions } from '../../src/app/site.ts';
import type { Logger } from '../../src/log/logger.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { Writable } from 'node:stream';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: Buffer;
}

export interface Upstream {
  port: number;
  url: string;
  seen: Seen[];
  server: HttpServer | NetServer;
  close(): Promise<void>;
}

type Answer = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A node:http upstream; by default answers 200 with JSON of what it received. */
export async function httpUpstream(answer?: Answer): Promise<Upstream> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      if (answer !== undefined) return answer(req, res, body);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ port: (server.address() as AddressInfo).port, url: req.url, bytes: body.length }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A raw upstream: `onRequest` gets each connection's socket and the bytes of the first data event. */
export async function rawUpstream(onRequest: (socket: Socket, data: Buffer, nth: number) => void): Promise<Upstream> {
  const sockets = new Set<Socket>();
  let n = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (data) => onRequest(socket, data, n++));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen: [],
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A logger that keeps every line (warnings name the upstream). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const base = createConsoleLogger('DEBUG', new Writable({ write: (_c, _e, done) => done() }));
  return Object.assign(base, {
    lines,
    info: (m: string) => void lines.push(`INFO ${m}`),
    warn: (m: string) => void lines.push(`WARN ${m}`),
    error: (m: string) => void lines.push(`ERROR ${m}`),
    debug: (m: string) => void lines.push(`DEBUG ${m}`),
  });
}

/** Routes as the config loader would give them (defaults filled in); throws on a config error. */
export function routes(value: unknown[]): ProxyRouteConfig[] {
  const r = parseProxyRoutes(value);
  if (!r.ok) throw new Error(`bad routes: ${r.problem} at ${r.at ?? ''}`);
  return r.value as ProxyRouteConfig[];
}

export interface ProxySite extends Site {
  tree: Tree;
  logger: Logger & { lines: string[] };
}

/** Our site (a small htdocs) with the given proxy routes in front; `server` adds engine options (limits, tls). */
export async function proxySite(proxy: unknown[], options: Partial<SiteOptions> = {}, server: Partial<Omit<ServerOptions, 'handler'>> = {}): Promise<ProxySite> {
  const tree = await makeTree({ 'index.html': '<h1>site</h1>', 'about.html': 'about page' }, 'httpcraft-proxy-');
  const logger = recordingLogger();
  const handler = createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger, enableSecurityHeaders: false, proxy: routes(proxy), ...options });
  const engine = createServer({ serverName: 'httpcraft-test', ...server, handler });
  const address = (await engine.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  return {
    server: engine,
    handler,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    tree,
    logger,
    close: async () => {
      await engine.close(1000);
      await handler.close();
      await tree.cleanup();
    },
  };
}
