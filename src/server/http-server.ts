// The listener: accepts sockets (plain or TLS), enforces the connection cap, runs the deadline
// sweeper, and shuts down gracefully. Everything per-connection lives in connection.ts.

import { EventEmitter } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { SecureContextOptions, Server as TlsServer, TlsOptions } from 'node:tls';
import { createTlsFront, type TlsFront } from '../tls/plain-http-detect.ts';
import { DEFAULT_PARSER_LIMITS, type ParserLimits } from '../http1/request-parser.ts';
import { serializeHead } from '../http1/response-head.ts';
import { currentHttpDate } from './date-header.ts';
import { loopNow } from './loop-clock.ts';
import { Connection, type ConnectionHost, type ConnectionTimeouts, type Handler } from './connection.ts';
import type { Request } from './request.ts';
import type { Response } from './response.ts';
import { ConnectionsPerAddress } from '../access/connection-limit.ts';
import { exhaustionCode, throttledLog } from '../app/exhaustion.ts';
import { connectionBudget, descriptorLimit, descriptorReserve } from './fd-budget.ts';

export interface ServerOptions {
  handler: Handler;
  /** The Server header value; '' sends none. */
  serverName?: string;
  limits?: Partial<ParserLimits>;
  timeouts?: Partial<ConnectionTimeouts>;
  /** Open connections allowed at once; beyond it a new connection gets 503 and is closed. */
  maxConnections?: number;
  /** Open connections allowed per client address (TCP peer) at once; 0 or absent for no limit. */
  maxConnectionsPerIp?: number;
  /** listen() backlog (the seed's connection_queue). */
  backlog?: number;
  /** TLS options; when present the server speaks HTTPS on the same engine. */
  tls?: TlsOptions;
}

export interface ListenOptions {
  port?: number;
  host?: string;
  path?: string;
  fd?: number;
}

export const DEFAULT_TIMEOUTS: Readonly<ConnectionTimeouts> = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  writeStallTimeoutMs: 30_000,
};

export const DEFAULT_MAX_CONNECTIONS = 10_000;

export interface ServerEvents {
  response: [req: Request, res: Response];
  error: [error: unknown, req: Request | null];
  connection: [socket: Socket];
  /** The machine, not the request, is the problem (out of descriptors); throttled (one per 10 s). */
  warning: [message: string];
}

export class HttpServer extends EventEmitter<ServerEvents> implements ConnectionHost {
  readonly serverName: string;
  readonly limits: Partial<ParserLimits>;
  readonly timeouts: ConnectionTimeouts;
  readonly handler: Handler;
  readonly secure: boolean;
  readonly maxConnections: number;
  readonly #backlog: number | undefined;
  readonly #net: NetServer;
  /** Further listeners (listen() called again: 127.0.0.1 and ::1 for localhost); they hand their sockets to #net. */
  readonly #more: NetServer[] = [];
  #used = false;
  readonly #tls: TlsFront | null;
  readonly #connections = new Set<Connection>();
  readonly #refusedSockets = new Set<Socket>();
  #sweeper: NodeJS.Timeout | null = null;
  #draining = false;
  #totalConnections = 0;
  #refused = 0;
  readonly #perAddress: ConnectionsPerAddress | null;

  constructor(options: ServerOptions) {
    super();
    this.handler = options.handler;
    this.serverName = options.serverName ?? 'httpcraft';
    this.limits = { ...DEFAULT_PARSER_LIMITS, ...options.limits, tlsHandshakeHint: options.tls === undefined };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#perAddress = (options.maxConnectionsPerIp ?? 0) > 0 ? new ConnectionsPerAddress(options.maxConnectionsPerIp!) : null;
    this.#backlog = options.backlog;
    this.secure = options.tls !== undefined;
    // allowHalfOpen: a client may send its request and shut its side down; we still answer it.
    const onSocket = (socket: Socket): void => this.#accept(socket);
    // TLS: a plain listener peeks at the first byte (plain HTTP gets a 400, not a hang), then hands
    // the socket to a tls.Server; both paths reach the same #accept and Connection.
    this.#tls =
      options.tls === undefined
        ? null
        : createTlsFront({ tls: options.tls, serverName: this.serverName, firstByteTimeoutMs: this.timeouts.headersTimeoutMs }, onSocket);
    this.#net = this.#tls?.net ?? createNetServer({ allowHalfOpen: true, noDelay: true }, onSocket);
  }

  get draining(): boolean {
    return this.#draining;
  }

  get listening(): boolean {
    return this.#net.listening || this.#more.some((n) => n.listening);
  }

  /** The listening net.Server (for an HTTPS server, the front that hands TLS bytes to tlsServer). */
  get netServer(): NetServer {
    return this.#net;
  }

  /** The tls.Server doing the handshakes, or null for plain HTTP. */
  get tlsServer(): TlsServer | null {
    return this.#tls?.tls ?? null;
  }

  /**
   * Replaces the certificate, key and TLS settings for new connections; open connections keep the
   * context they were made with (a reload never drops a connection).
   */
  setSecureContext(options: SecureContextOptions): void {
    if (this.#tls === null) throw new Error('setSecureContext: this server does not speak TLS');
    this.#tls.tls.setSecureContext(options);
  }

  get stats(): { open: number; total: number; refused: number } {
    return { open: this.#connections.size, total: this.#totalConnections, refused: this.#refused };
  }

  /** Epoch milliseconds on the monotonic clock the connections stamp requests with (read once per loop turn). */
  now(): number {
    return performance.timeOrigin + loopNow();
  }

  /**
   * Starts listening; a second call adds another listener (say ::1 beside 127.0.0.1) that feeds the
   * same connections, cap and shutdown. A call that fails leaves nothing listening for it, so the
   * caller may try another address (0.0.0.0 when :: is not supported).
   */
  listen(options: ListenOptions = {}): Promise<AddressInfo | string> {
    // The first listener that succeeds is #net itself; later ones pass their sockets to it, so a
    // plain or TLS server accepts them exactly as its own (connection listeners run for emit too).
    const first = !this.#used;
    const net = first ? this.#net : createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.#net.emit('connection', socket));
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      net.once('error', onError);
      const done = (): void => {
        net.off('error', onError);
        if (first) this.#used = true;
        else this.#more.push(net);
        // Errors after listen (EMFILE on accept, say) are reported, never thrown: an 'error' event
        // without a listener would take the whole process down.
        net.on('error', (error) => this.#onListenerError(error));
        this.#startSweeper();
        resolve(net.address() ?? '');
      };
      const backlog = this.#backlog;
      if (options.fd !== undefined) net.listen({ fd: options.fd, ...(backlog === undefined ? {} : { backlog }) }, done);
      else if (options.path !== undefined) net.listen({ path: options.path, ...(backlog === undefined ? {} : { backlog }) }, done);
      else net.listen({ port: options.port ?? 0, ...(options.host === undefined ? {} : { host: options.host }), ...(backlog === undefined ? {} : { backlog }) }, done);
    });
  }

  /** The first listener's address. */
  address(): AddressInfo | string | null {
    return this.#net.address();
  }

  /** Every listener's address, in the order they were opened. */
  addresses(): Array<AddressInfo | string> {
    return [this.#net, ...this.#more].map((n) => n.address()).filter((a) => a !== null);
  }

  /**
   * Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish (their
   * responses carry "Connection: close"), and destroy whatever is left after graceMs.
   */
  close(graceMs = 10_000): Promise<void> {
    this.#draining = true;
    return new Promise((resolve) => {
      let forced: NodeJS.Timeout | null = null;
      const finish = (): void => {
        if (forced !== null) clearTimeout(forced);
        this.#stopSweeper();
        resolve();
      };
      const open = [this.#net, ...this.#more].filter((n) => n.listening);
      let left = open.length;
      for (const n of open) n.close(() => --left === 0 && finish());
      if (open.length === 0) queueMicrotask(finish);
      this.#tls?.closePending();
      for (const c of this.#connections) c.shutdown();
      for (const socket of this.#refusedSockets) socket.destroy();
      // Kept referenced: a connection that is neither reading nor writing (a paused upload, say)
      // holds no active handle, and the process must not drift out of the event loop before this
      // bound forces the close and resolves the promise.
      forced = setTimeout(() => {
        for (const c of this.#connections) c.destroy();
        for (const socket of this.#refusedSockets) socket.destroy();
      }, graceMs);
    });
  }

  // Out of descriptors on accept (EMFILE, ENFILE) when libuv has no reserve descriptor left to refuse
  // the waiting connections with (it does so silently when it has one: fd-budget.ts keeps us from
  // getting there). One line per 10 s says so, not one per refused connection.
  readonly #acceptExhausted = throttledLog((line) => this.#warn(line));
  // See fd-budget.ts: connections never take the descriptors files and logs need.
  readonly #fdLimit = descriptorLimit();
  readonly #fdBudget = connectionBudget(this.#fdLimit);

  #onListenerError(error: Error): void {
    const code = exhaustionCode(error);
    if (code !== 'EMFILE' && code !== 'ENFILE') return this.reportError(error, null);
    this.#refused++;
    this.#acceptExhausted(code, `accept: ${code}, out of file descriptors (raise the limit: ulimit -n, systemd LimitNOFILE=, or lower max_connections): new connections are refused until one is free`);
  }

  /** A condition worth a WARNING line, not an error of ours: the 'warning' event, else 'error'. */
  #warn(line: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', line);
    else this.reportError(new Error(line), null);
  }

  reportError(error: unknown, req: Request | null): void {
    if (this.listenerCount('error') > 0) this.emit('error', error, req);
  }

  responded(req: Request, res: Response): void {
    this.emit('response', req, res);
  }

  closed(connection: Connection): void {
    this.#connections.delete(connection);
  }

  #accept(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    if (this.#draining) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.maxConnections) {
      this.#refuse(socket, 'Too many open connections; try again shortly.\n');
      return;
    }
    if (this.#connections.size >= this.#fdBudget) {
      const limit = this.#fdLimit!;
      this.#acceptExhausted('budget', `accept: ${this.#connections.size} open connections reach what the file descriptor limit allows (ulimit -n ${limit}, ${descriptorReserve(limit)} kept for files and logs): new connections get 503 until some close; raise the limit (ulimit -n, systemd LimitNOFILE=) or lower max_connections`);
      this.#refuse(socket, 'The server is out of file descriptors for new connections; try again shortly.\n');
      return;
    }
    if (this.#perAddress !== null && !this.#perAddress.admit(socket)) {
      this.#refuse(socket, 'Too many open connections from your address; try again shortly.\n');
      return;
    }
    this.#totalConnections++;
    const connection = new Connection(socket, this);
    this.#connections.add(connection);
    this.emit('connection', socket);
  }

  /** Over a cap: a short, honest 503 instead of a silent reset. */
  #refuse(socket: Socket, body: string): void {
    this.#refused++;
    const head = serializeHead(503, this.serverName, `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nRetry-After: 1\r\nConnection: close\r\n`, currentHttpDate());
    socket.end(head + body, 'latin1');
    // Read and drop whatever the client sent, so that its FIN is seen and the socket closes (an
    // unread socket is not an active handle, and its close would never come); bounded by a timer.
    this.#refusedSockets.add(socket);
    socket.on('close', () => this.#refusedSockets.delete(socket));
    socket.resume();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  #startSweeper(): void {
    if (this.#sweeper !== null) return;
    const t = this.timeouts;
    // Deadlines are checked in a sweep rather than one timer per connection per request: timers
    // are costly on the hot path, and a quarter of the shortest timeout is precise enough.
    const shortest = Math.min(t.headersTimeoutMs, t.requestTimeoutMs, t.keepAliveTimeoutMs, t.writeStallTimeoutMs);
    const every = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
    this.#sweeper = setInterval(() => {
      const now = this.now();
      for (const c of this.#connections) c.checkDeadline(now);
    }, every);
    this.#sweeper.unref();
  }

  #stopSweeper(): void {
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
  }
}

export function createServer(options: ServerOptions): HttpServer {
  return new HttpServer(options);
}
