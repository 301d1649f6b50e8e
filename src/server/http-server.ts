// The listener: accepts sockets (plain or TLS), enforces the connection cap, runs the deadline
// sweeper, and shuts down gracefully. Everything per-connection lives in connection.ts.

import { EventEmitter } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { SecureContextOptions, Server as TlsServer, TLSSocket, TlsOptions } from 'node:tls';
import { createTlsFront, type TlsFront } from '../tls/plain-http-detect.ts';
import { alpnProtocols } from '../tls/tls-options.ts';
import { DEFAULT_PARSER_LIMITS, type ParserLimits } from '../http1/request-parser.ts';
import { serializeHead } from '../http1/response-head.ts';
import { currentHttpDate } from './date-header.ts';
import { loopNow } from './loop-clock.ts';
import { Connection, type ConnectionHost, type ConnectionTimeouts, type H2cUpgrade, type Handler, type ServerConnection } from './connection.ts';
import { Http2Connection } from './http2-connection.ts';
import type { IncomingHead } from './incoming-head.ts';
import { classifyPreface } from '../http2/preface.ts';
import { goawayFrame, settingsFrame } from '../http2/frame-writer.ts';
import { ERROR_CODE } from '../http2/errors.ts';
import { isConnectionSpecific } from '../http2/request-head.ts';
import type { SessionLimits } from '../http2/limits.ts';
import type { Request } from './request.ts';
import type { Response } from './response.ts';
import { ConnectionsPerAddress } from '../access/connection-limit.ts';
import { exhaustionCode, throttledLog } from '../app/exhaustion.ts';
import { connectionBudget, descriptorLimit, descriptorReserve } from './fd-budget.ts';
import type { TraceHub } from '../trace/trace-hub.ts';

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
  /** Over TLS, offer HTTP/2 in ALPN beside http/1.1 (RFC 9113 §3.2); default true. */
  http2?: boolean;
  /** On a plain listener, also speak HTTP/2 without TLS (h2c): the prior-knowledge preface (RFC 9113
   * §3.3) and `Upgrade: h2c` (RFC 7540 §3.2), beside HTTP/1.1 on the same port; default false. */
  http2Cleartext?: boolean;
  /** Bounds of each HTTP/2 session (src/http2/limits.ts); maxHeaderListSize defaults to limits.maxHeaderBytes. */
  http2Limits?: Partial<SessionLimits>;
  /** Where completed exchanges are reported while someone watches (--trace, the inspector:
   * src/trace/); absent, nothing is ever recorded. */
  trace?: TraceHub;
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

export interface ServerStats {
  open: number;
  total: number;
  refused: number;
  /** HTTP/2 connections open (over TLS, h2c, or upgraded), accepted in all, and their open streams. */
  http2: { open: number; total: number; streams: number };
}

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
  readonly http2Limits: Partial<SessionLimits>;
  readonly h2cUpgrade: H2cUpgrade | null;
  readonly trace: TraceHub | null;
  readonly #http2: boolean;
  readonly #backlog: number | undefined;
  readonly #net: NetServer;
  /** Further listeners (listen() called again: 127.0.0.1 and ::1 for localhost); they hand their sockets to #net. */
  readonly #more: NetServer[] = [];
  #used = false;
  readonly #tls: TlsFront | null;
  readonly #connections = new Set<ServerConnection>();
  readonly #refusedSockets = new Set<Socket>();
  // h2c: sockets whose first bytes are being read to tell an HTTP/2 preface from HTTP/1.1.
  readonly #sniffing = new Set<Socket>();
  #totalHttp2 = 0;
  #connectionIds = 0;
  #sweeper: NodeJS.Timeout | null = null;
  #draining = false;
  #totalConnections = 0;
  #refused = 0;
  readonly #perAddress: ConnectionsPerAddress | null;

  constructor(options: ServerOptions) {
    super();
    this.handler = options.handler;
    this.trace = options.trace ?? null;
    this.serverName = options.serverName ?? 'httpcraft';
    this.limits = { ...DEFAULT_PARSER_LIMITS, ...options.limits, tlsHandshakeHint: options.tls === undefined };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#perAddress = (options.maxConnectionsPerIp ?? 0) > 0 ? new ConnectionsPerAddress(options.maxConnectionsPerIp!) : null;
    this.#backlog = options.backlog;
    this.secure = options.tls !== undefined;
    this.#http2 = options.tls !== undefined && options.http2 !== false;
    const maxHeaderBytes = this.limits.maxHeaderBytes ?? DEFAULT_PARSER_LIMITS.maxHeaderBytes;
    // The header limit carries over: HPACK's list size counts 32 bytes per field more (RFC 9113 §6.5.2).
    const maxHeaderCount = this.limits.maxHeaderCount ?? DEFAULT_PARSER_LIMITS.maxHeaderCount;
    this.http2Limits = { maxHeaderListSize: maxHeaderBytes + 32 * maxHeaderCount, maxHeaderFields: maxHeaderCount, ...options.http2Limits };
    this.h2cUpgrade = options.tls === undefined && options.http2Cleartext === true ? (socket, rest, head, settings) => this.#upgradeToH2c(socket, rest, head, settings) : null;
    // allowHalfOpen: a client may send its request and shut its side down; we still answer it.
    const onSocket = (socket: Socket): void => this.#accept(socket);
    // TLS: a plain listener peeks at the first byte (plain HTTP gets a 400, not a hang), then hands
    // the socket to a tls.Server; both paths reach the same #accept and Connection.
    this.#tls =
      options.tls === undefined
        ? null
        : createTlsFront({ tls: { ...options.tls, ALPNProtocols: options.tls.ALPNProtocols ?? alpnProtocols(this.#http2) }, serverName: this.serverName, firstByteTimeoutMs: this.timeouts.headersTimeoutMs }, onSocket);
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

  get stats(): ServerStats {
    let http2 = 0;
    let streams = 0;
    for (const c of this.#connections) {
      if (c.protocol === 'h2') {
        http2++;
        streams += c.openStreams;
      }
    }
    return {
      open: this.#connections.size,
      total: this.#totalConnections,
      refused: this.#refused,
      http2: { open: http2, total: this.#totalHttp2, streams },
    };
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
      for (const socket of this.#sniffing) socket.destroy();
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
    const trace = req.trace;
    if (trace !== null) {
      trace.status = res.status;
      trace.lastByteHr = performance.now();
      if (!trace.deferred) this.trace?.publish(trace);
    }
    this.emit('response', req, res);
  }

  connectionId(): number {
    return ++this.#connectionIds;
  }

  closed(connection: ServerConnection): void {
    this.#connections.delete(connection);
  }

  #accept(socket: Socket): void {
    if (this.#draining) {
      socket.destroy();
      return;
    }
    if (this.#connections.size + this.#sniffing.size >= this.maxConnections) {
      this.#refuse(socket, 'Too many open connections; try again shortly.\n');
      return;
    }
    if (this.#connections.size + this.#sniffing.size >= this.#fdBudget) {
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
    this.emit('connection', socket);
    // RFC 9113 §3.2: over TLS the protocol was agreed in the handshake (ALPN).
    if (this.#http2 && (socket as TLSSocket).alpnProtocol === 'h2') this.#adoptHttp2(socket, null);
    else if (this.h2cUpgrade !== null) this.#sniff(socket);
    else this.#connections.add(new Connection(socket, this));
  }

  #adoptHttp2(socket: Socket, initial: Buffer | null, upgrade: { head: IncomingHead; settings: Buffer } | null = null): Http2Connection {
    this.#totalHttp2++;
    const connection = new Http2Connection(socket, this, initial, upgrade);
    if (upgrade === null) this.#connections.add(connection);
    return connection;
  }

  /**
   * h2c on a plain port: the first bytes tell a prior-knowledge HTTP/2 client (its preface, RFC 9113
   * §3.4) from an HTTP/1.1 one; the bytes read go, intact, to the connection that speaks it.
   */
  #sniff(socket: Socket): void {
    this.#sniffing.add(socket);
    let got: Buffer | null = null;
    const timer = setTimeout(() => socket.destroy(), this.timeouts.headersTimeoutMs);
    timer.unref();
    // Until a connection owns the socket, an error on it (a reset) ends just this socket.
    const onError = (): void => void socket.destroy();
    const settle = (): void => {
      clearTimeout(timer);
      this.#sniffing.delete(socket);
      socket.off('data', onData);
      socket.off('close', settle);
      socket.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      got = got === null ? chunk : Buffer.concat([got, chunk]);
      const kind = classifyPreface(got);
      if (kind === 'partial') return;
      settle();
      socket.pause();
      if (kind === 'preface') {
        this.#adoptHttp2(socket, got);
      } else {
        // HTTP/1.1, or bytes that are neither: the HTTP/1.1 parser reads them (and answers 400).
        socket.unshift(got);
        this.#connections.add(new Connection(socket, this));
      }
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('close', settle);
    socket.on('error', onError);
  }

  /** RFC 7540 §3.2: the HTTP/1.1 request that asked for h2c becomes stream 1 of a new HTTP/2 connection. */
  #upgradeToH2c(socket: Socket, rest: Buffer, head: IncomingHead, settings: Buffer) {
    const fields: string[] = [];
    const raw = head.rawHeaders;
    // The request as HTTP/2 would have carried it: no connection-specific fields (§8.2.2), no HTTP2-Settings.
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (!isConnectionSpecific(name) && name !== 'http2-settings') fields.push(name, raw[i + 1]!);
    }
    const upgraded: IncomingHead = { ...head, rawHeaders: fields, httpVersion: '2.0', keepAlive: true };
    const connection = this.#adoptHttp2(socket, rest, { head: upgraded, settings });
    return {
      protocol: 'h2',
      get openStreams(): number {
        return connection.openStreams;
      },
      shutdown: () => connection.shutdown(),
      checkDeadline: (now: number) => connection.checkDeadline(now),
    };
  }

  /** Over a cap: a short, honest 503 instead of a silent reset; over HTTP/2, the server preface and
   * GOAWAY REFUSED_STREAM with no stream processed (RFC 9113 §6.8: the client may retry elsewhere). */
  #refuse(socket: Socket, body: string): void {
    // An accepted Connection listens for errors itself; a refused socket needs this one.
    socket.on('error', () => socket.destroy());
    this.#refused++;
    if (this.#http2 && (socket as TLSSocket).alpnProtocol === 'h2') {
      socket.end(Buffer.concat([settingsFrame({}), goawayFrame(0, ERROR_CODE.REFUSED_STREAM, Buffer.from(body.trim(), 'latin1'))]));
    } else {
      const head = serializeHead(503, this.serverName, `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nRetry-After: 1\r\nConnection: close\r\n`, currentHttpDate());
      socket.end(head + body, 'latin1');
    }
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
