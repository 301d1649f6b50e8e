// One proxy route: its backends and balancer, and the handling of a request sent through it.
//
// A request is sent to the backend the balancer picks. Before any byte of an answer has reached
// the client, a failure may be retried: on a fresh connection to the same backend when a reused
// keep-alive connection closed under us (the race every pool has), and on another backend up to
// `retries` times; both only for idempotent methods without a body (RFC 9110 §9.2.2): anything
// else might have been acted on already, and its body has been read. Once the head has gone to the
// client, a failure can only cut the response short (the connection closes).
//
// Errors become 502 (the backend failed or spoke garbage) or 504 (it did not answer in time) with
// the usual error page; the log line names the route and the backend. Nothing a backend does
// throws out of here or leaves the client waiting past the timeout.

import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import type { Logger } from '../log/logger.ts';
import type { ResponseHead } from '../http1/response-parser.ts';
import { clientAddressOf } from '../access/client-address.ts';
import { Backend, type BackendFigures } from './backend.ts';
import { candidates, type BalanceSubject, type Balancer } from './balancer.ts';
import { RoundRobin } from './round-robin.ts';
import { LeastConnections } from './least-connections.ts';
import { HashBalancer, type HashKey } from './hash-balancer.ts';
import { HealthChecker } from './health-check.ts';
import { statusMatcher, type ProxyRouteConfig } from './route-config.ts';
import { parseUpstreamUrl } from './upstream-target.ts';
import { UpstreamError, type UpstreamConnection } from './upstream-connection.ts';
import { downstreamResponseFields, upstreamRequestHead } from './forward-head.ts';
import { ProxyExchange, toRecord, type ExchangeContext } from './proxy-exchange.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface RouteContext {
  logger: Logger;
  /** Whether an address is a trusted proxy (trusted_proxies). */
  trusted: (address: string) => boolean;
  /** Our name in Via. */
  viaName: string;
}

export interface RouteFigures {
  path: string;
  strategy: string;
  backends: BackendFigures[];
}

function balancerFor(config: ProxyRouteConfig): Balancer {
  switch (config.strategy) {
    case 'round_robin':
      return new RoundRobin();
    case 'least_connections':
      return new LeastConnections();
    case 'ip_hash':
      return new HashBalancer({ kind: 'ip' });
    case 'hash': {
      const k = config.hash_key ?? 'path';
      const key: HashKey = k === 'path' ? { kind: 'path' } : k === 'ip' ? { kind: 'ip' } : k.startsWith('header:') ? { kind: 'header', name: k.slice(7) } : { kind: 'cookie', name: k.slice(7) };
      return new HashBalancer(key);
    }
  }
}

/** The Upgrade a request asks for (RFC 9110 §7.8): "Connection: upgrade" and Upgrade, HTTP/1.1 only. */
function upgradeOf(req: Request): string | null {
  if (req.httpVersion !== '1.1') return null;
  const upgrade = req.header('upgrade');
  if (upgrade === undefined) return null;
  const connection = req.header('connection') ?? '';
  return connection.split(',').some((t) => t.trim().toLowerCase() === 'upgrade') ? upgrade : null;
}

export class ProxyRoute {
  readonly config: ProxyRouteConfig;
  readonly backends: Backend[];
  /** The prefix without its final "/": "/api/" and "/api" both match /api and /api/… only. */
  readonly #prefix: string;
  readonly #balancer: Balancer;
  readonly #ctx: RouteContext;
  readonly #health: HealthChecker | null;
  readonly #exchangeContext: ExchangeContext;

  constructor(config: ProxyRouteConfig, ctx: RouteContext) {
    this.config = config;
    this.#ctx = ctx;
    this.#prefix = config.path.endsWith('/') ? config.path.slice(0, -1) : config.path;
    this.#balancer = balancerFor(config);
    this.#exchangeContext = {
      path: config.path,
      viaName: ctx.viaName,
      logger: ctx.logger,
      tunnel: (conn, h, req, res, backend) => this.#tunnel(conn, h, req, res, backend),
    };
    let ca: Buffer | undefined;
    if (config.ca !== null) {
      try {
        ca = readFileSync(config.ca);
      } catch (error) {
        throw new Error(`proxy ${config.path}: ca ${config.ca} cannot be read: ${(error as Error).message}`, { cause: error });
      }
    }
    this.backends = config.to.map(({ url, weight }) => {
      const target = parseUpstreamUrl(url);
      if ('problem' in target) throw new Error(target.problem);
      return new Backend(
        target,
        weight,
        { connectTimeoutMs: config.connect_timeout * 1000, ca, maxIdle: config.keepalive, idleTimeoutMs: config.keepalive_timeout * 1000, maxRequests: config.keepalive_requests },
        config.max_fails,
        config.fail_timeout * 1000,
      );
    });
    const hc = config.health_check;
    this.#health =
      hc === null
        ? null
        : new HealthChecker(this.backends, {
            path: hc.path,
            intervalMs: hc.interval * 1000,
            timeoutMs: hc.timeout * 1000,
            expect: statusMatcher(hc.expect_status),
            rise: hc.rise,
            fall: hc.fall,
            ca,
            host: config.host === 'keep' || config.host === 'upstream' ? undefined : config.host,
            onChange: (b, healthy, reason) => (healthy ? ctx.logger.info(`proxy ${config.path}: ${b.target.url} is healthy again (${reason})`) : ctx.logger.warn(`proxy ${config.path}: ${b.target.url} failed its health check, taken out (${reason})`)),
          });
    this.#health?.start();
  }

  /** Whether a request path belongs to this route. */
  matches(path: string): boolean {
    const p = this.#prefix;
    return path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === 0x2f || p.endsWith('/'));
  }

  /** One round of active health checks now (tests; the timer runs them otherwise). */
  checkHealth(): void {
    this.#health?.checkAll();
  }

  close(): void {
    this.#health?.stop();
    for (const b of this.backends) b.pool.close();
  }

  figures(): RouteFigures {
    const now = Date.now();
    return { path: this.config.path, strategy: this.config.strategy, backends: this.backends.map((b) => b.figures(now)) };
  }

  async handle(req: Request, res: Response): Promise<void> {
    // CONNECT would make us a tunnel to anywhere (RFC 9110 §9.3.6): not what a reverse proxy is for.
    if (req.method === 'CONNECT') throw new HttpError(405, 'CONNECT is not proxied', { headers: { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' } });
    const upgrade = upgradeOf(req);
    const replayable = IDEMPOTENT.has(req.method) && !req.hasBody && upgrade === null;
    const subject: BalanceSubject = { clientAddress: clientAddressOf(req), path: req.path, header: (n) => req.header(n) };
    const tried = new Set<Backend>();
    let last: UpstreamError | null = null;
    let lastBackend: Backend | null = null;
    for (let attempt = 0; ; attempt++) {
      const backend = this.#balancer.pick(this.backends, subject, tried, Date.now());
      if (backend === null) break;
      tried.add(backend);
      req.trace?.decide('proxy-route', this.config.path, backend.target.url, this.config.strategy);
      if (attempt > 0) backend.retries++;
      let outcome = await this.#attempt(backend, req, res, upgrade, false);
      if (outcome instanceof UpstreamError && replayable && outcome.reused && !outcome.responseStarted && !res.headersSent) {
        // A pooled connection the backend had closed: say it again on a new one (not a failure).
        outcome = await this.#attempt(backend, req, res, upgrade, true);
      }
      if (!(outcome instanceof UpstreamError)) return;
      if (outcome.kind === 'client') return; // the client left; there is nobody to answer
      backend.failed(Date.now());
      last = outcome;
      lastBackend = backend;
      const retry = replayable && !outcome.responseStarted && !res.headersSent && attempt < this.config.retries && candidates(this.backends, tried, Date.now()).length > 0;
      this.#ctx.logger.warn(`proxy ${this.config.path}: upstream ${backend.target.url} failed for ${req.method} ${req.target}: ${outcome.message}${retry ? ' (retrying on another backend)' : ''}`);
      if (retry) req.trace?.decide('proxy-retry', backend.target.url, outcome.message);
      if (!retry) break;
    }
    if (last === null) {
      this.#ctx.logger.warn(`proxy ${this.config.path}: no backend available for ${req.method} ${req.target} (all down or failing health checks)`);
      req.trace?.decide('proxy-503');
      throw new HttpError(503, 'No backend server is available right now.', { headers: { 'Retry-After': String(Math.max(1, Math.ceil(this.config.fail_timeout))) } });
    }
    req.trace?.decide(last.kind === 'timeout' ? 'proxy-504' : 'proxy-502', last.message);
    if (last.kind === 'timeout') throw new HttpError(504, 'The server behind this address did not answer in time.', { expose: true, cause: last });
    void lastBackend;
    throw new HttpError(502, 'The server behind this address failed to answer properly.', { expose: true, cause: last });
  }

  /** The path and query sent upstream. */
  #upstreamTarget(req: Request): string {
    let path = req.path;
    if (this.config.strip_prefix) {
      path = path.slice(this.#prefix.length);
      if (!path.startsWith('/')) path = '/' + path;
    }
    return req.query === '' && !req.target.endsWith('?') ? path : `${path}?${req.query}`;
  }

  /** One try on one backend: 'done' when the client got its answer (or is gone), else the error. */
  #attempt(backend: Backend, req: Request, res: Response, upgrade: string | null, fresh: boolean): Promise<'done' | UpstreamError> {
    const config = this.config;
    return new Promise((resolve) => {
      backend.pool.acquire((error, conn) => {
        if (error !== null || conn === null) return resolve(error ?? new UpstreamError('connect', 'no connection', false, false));
        if (res.aborted) {
          conn.abort();
          return resolve('done');
        }
        const host = config.host === 'keep' ? req.host || backend.target.authority : config.host === 'upstream' ? backend.target.authority : config.host;
        const head = upstreamRequestHead(req.rawHeaders, {
          method: req.method,
          target: this.#upstreamTarget(req),
          host,
          clientHost: req.host,
          peerAddress: req.remoteAddress,
          peerTrusted: this.#ctx.trusted(req.remoteAddress),
          secure: req.secure,
          receivedVersion: req.httpVersion,
          viaName: this.#ctx.viaName,
          contentLength: req.contentLength,
          upgrade,
        });
        backend.active++;
        backend.requests++;
        const exchange = new ProxyExchange(this.#exchangeContext, backend, conn, req, res, upgrade, resolve);
        conn.exchange({ head, method: req.method, body: req.hasBody ? req.body : null, chunked: req.contentLength === -1, timeoutMs: config.timeout * 1000 }, exchange);
      }, fresh, upgrade !== null);
    });
  }

  /** 101 from the backend: the client gets its own 101, then bytes flow both ways untouched. */
  #tunnel(conn: UpstreamConnection, h: ResponseHead, req: Request, res: Response, backend: Backend): void {
    const { socket: upstream, head: early } = conn.detach();
    const fields = toRecord(downstreamResponseFields(h.rawHeaders, this.#ctx.viaName));
    const upgrade = h.rawHeaders.findIndex((n, i) => i % 2 === 0 && n.toLowerCase() === 'upgrade');
    fields['Upgrade'] = upgrade === -1 ? (upgradeOf(req) ?? '') : h.rawHeaders[upgrade + 1]!;
    try {
      res.switchProtocols(fields, (client: Socket, clientEarly: Buffer) => {
        if (early.length > 0) client.write(early);
        if (clientEarly.length > 0) upstream.write(clientEarly);
        const close = (): void => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', close);
        upstream.on('error', close);
        client.on('close', close);
        upstream.on('close', close);
        client.pipe(upstream);
        upstream.pipe(client);
        return { shutdown: () => (client.end(), upstream.end()) };
      });
    } catch (error) {
      upstream.destroy();
      this.#ctx.logger.warn(`proxy ${this.config.path}: upgrade through ${backend.target.url} for ${req.target} failed: ${(error as Error).message}`);
      if (!res.headersSent) res.send(502, 'Bad Gateway\n');
    }
  }
}
