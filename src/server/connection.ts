// One client connection: the IO shell around the sans-IO parser. It owns the socket, the deadlines
// and backpressure, and runs one request at a time; pipelined requests wait unparsed in the parser
// until the current response is complete (RFC 9112 §9.3.2: responses in request order).

import type { Socket } from 'node:net';
import { RequestParser, type HeadTap, type ParserLimits, type ParserSink, type RequestHead } from '../http1/request-parser.ts';
import { PARSE_ERRORS, type ParseError } from '../http1/errors.ts';
import { serializeHead } from '../http1/response-head.ts';
import { currentHttpDate } from './date-header.ts';
import { loopNow } from './loop-clock.ts';
import { reasonPhrase } from '../http1/status.ts';
import { Request, type BodySource, type PeerInfo } from './request.ts';
import { Response } from './response.ts';
import type { SwitchHandler, SwitchedProtocol, WireResponse } from './response-wire.ts';
import { Http1ResponseWriter, type Http1Sink } from './http1-response-writer.ts';
import { runHandler, type Handler, type HandlerFailureSink } from './run-handler.ts';
import type { IncomingHead } from './incoming-head.ts';
import { cutStatus } from './cut-status.ts';
import type { SessionLimits } from '../http2/limits.ts';
import { ExchangeTrace } from '../trace/exchange-trace.ts';
import type { TraceHub } from '../trace/trace-hub.ts';
import type { DecisionArgs, DecisionCode } from '../trace/decisions.ts';

export type { Handler } from './run-handler.ts';

export interface ConnectionTimeouts {
  /** From the first byte of a request to the end of its head (slowloris defence). */
  headersTimeoutMs: number;
  /** From the first byte of a request to the end of its body. */
  requestTimeoutMs: number;
  /** Idle time allowed between requests on a persistent connection. */
  keepAliveTimeoutMs: number;
  /** Time a response may wait on a client that does not read. */
  writeStallTimeoutMs: number;
}

/** What the server keeps of every open connection, whatever protocol it speaks. */
export interface ServerConnection {
  /** 'http/1.1', or 'h2' (also after an h2c upgrade); a switched connection reports its protocol. */
  readonly protocol: string;
  /** Requests in progress (HTTP/2 streams open). */
  readonly openStreams: number;
  /** Graceful server shutdown reached this connection. */
  shutdown(): void;
  /** Forced close (the shutdown deadline passed). */
  destroy(): void;
  /** Called by the server's sweeper with the current time (epoch ms on the monotonic clock). */
  checkDeadline(now: number): void;
}

/** Hands a socket whose HTTP/1.1 request asked for h2c (RFC 7540 §3.2) to HTTP/2: `rest` are the
 * bytes after that request, `head` the request (answered as stream 1), `settings` its HTTP2-Settings. */
export type H2cUpgrade = (socket: Socket, rest: Buffer, head: IncomingHead, settings: Buffer) => SwitchedProtocol;

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly serverName: string;
  readonly limits: Partial<ParserLimits>;
  /** Limits of HTTP/2 sessions (src/http2/limits.ts). */
  readonly http2Limits: Partial<SessionLimits>;
  /** Set when the plain port also speaks h2c: an Upgrade: h2c request switches to HTTP/2. */
  readonly h2cUpgrade: H2cUpgrade | null;
  readonly timeouts: ConnectionTimeouts;
  readonly handler: Handler;
  readonly secure: boolean;
  readonly draining: boolean;
  /** Who watches the exchanges (--trace, the inspector); null when nobody can. */
  readonly trace: TraceHub | null;
  /** A number for a new connection, unique in this process (trace records name it). */
  connectionId(): number;
  now(): number;
  /** A handler threw or rejected after the response started, or before it could be answered. */
  reportError(error: unknown, req: Request | null): void;
  /** A response completed, or the connection closed before it did (Response.cutShort); for logs and metrics. */
  responded(req: Request, res: Response): void;
  closed(connection: ServerConnection): void;
}

// An unread body shorter than this is read and dropped to keep the connection; a longer one closes it.
const MAX_DRAIN_BYTES = 256 * 1024;
// Pipelined bytes held while a response is in progress before we stop reading the socket.
const MAX_HELD_BYTES = 64 * 1024;
// After our last response on a closing connection, keep reading (and dropping) this long, so the
// peer's unread bytes do not turn our close into a reset that destroys the response (RFC 9112 §9.6).
const LINGER_MS = 2000;
// Epoch milliseconds of performance.now()'s zero: deadlines and start times share one monotonic clock.
const TIME_ORIGIN = performance.timeOrigin;

const D_NONE = 0;
const D_IDLE = 1;
const D_HEADERS = 2;
const D_REQUEST = 3;
const D_WRITE = 4;
const D_LINGER = 5;

interface PendingSwitch {
  head: string;
  onSwitch: SwitchHandler;
  /** The exchange that asked for the switch, logged as its 101; null for h2c, whose request is answered over HTTP/2. */
  req: Request | null;
  res: Response | null;
}

const NO_SINK: ParserSink = { onHead() {}, onData() {}, onTrailers() {}, onEnd() {}, onError() {} };
// What a switched connection keeps in place of its parser and its pending switch: shared, inert.
const DETACHED_PARSER = new RequestParser(NO_SINK);
const SWITCHED: PendingSwitch = Object.freeze({ head: '', onSwitch: () => {}, req: null, res: null });

/** The connection's peer, made at its first request: the remote address then (one getpeername; it is
 * gone once the socket closes, and a request cut short is still logged with it), the local port only
 * if someone asks (a getsockname that most connections never need). */
class SocketPeer implements PeerInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly secure: boolean;
  readonly #socket: Socket;
  #localPort = -1;

  constructor(socket: Socket, secure: boolean) {
    this.#socket = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.secure = secure;
  }

  get localPort(): number {
    if (this.#localPort === -1) this.#localPort = this.#socket.localPort ?? 0;
    return this.#localPort;
  }
}

export class Connection implements ParserSink, BodySource, Http1Sink, ServerConnection, HandlerFailureSink, HeadTap {
  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  // Not readonly: a switched connection lets go of its parser (and the last request's strings in it).
  #parser: RequestParser;
  // Serves this connection's responses in turn (one at a time in HTTP/1.1).
  readonly #writer: Http1ResponseWriter;
  #peer: SocketPeer | null = null;
  #req: Request | null = null;
  #res: Response | null = null;
  // The parser has emitted onEnd for the current request (it may come after a synchronous response).
  #messageEnded = true;
  // The request being (or last) answered said it is the client's last (Connection: close, or 1.0
  // without keep-alive): RFC 9112 §9.6, such a client sends nothing more on this connection.
  #clientDone = false;
  // Whether 'drain' is listened to yet: only a socket whose writes ever back up needs it.
  #drainListening = false;
  // A close decided during a parse, carried out once it returns (see #closeGracefully).
  #closeAfterParse = false;
  #continueSent = false;
  #closing = false;
  #closed = false;
  #peerEnded = false;
  #readPaused = false;
  #uncorkScheduled = false;
  #corked = false;
  #inRead = false;
  #inResume = false;
  #drained = 0;
  #bodyReceived = 0;
  #awaitingDrain = false;
  #requests = 0;
  #deadline = 0;
  #deadlineKind = D_NONE;
  #requestStart = 0;
  #requestStartHr = 0;
  #drainWaiters: Array<() => void> = [];
  // Bytes still queued in the socket when it was destroyed (never sent), and whether we ended it
  // (a timeout, a forced shutdown, a failed body) rather than the client.
  #unsent = 0;
  #cutByUs = false;
  // A protocol switch (RFC 9110 §7.8) asked for, then done: from then on the socket is not ours.
  #upgrade: PendingSwitch | null = null;
  #switched: SwitchedProtocol | null = null;
  // While someone watches: the lines of the head being parsed (HeadTap), and this connection's number.
  #capture: string[] | null = null;
  #traceId = 0;
  readonly #dataListener = (chunk: Buffer): void => this.#onData(chunk);
  readonly #drainListener = (): void => this.#onDrain();
  readonly #endListener = (): void => this.#onPeerEnd();

  constructor(socket: Socket, host: ConnectionHost) {
    this.#socket = socket;
    this.#host = host;
    this.#parser = new RequestParser(this, host.limits);
    this.#writer = new Http1ResponseWriter(this);
    // The listener has set TCP_NODELAY (noDelay: true) before handing the socket over.
    socket.on('data', this.#dataListener);
    socket.on('end', this.#endListener);
    socket.on('error', () => this.#destroy());
    socket.on('close', () => this.#onClose());
    this.#setDeadline(D_IDLE, host.timeouts.keepAliveTimeoutMs);
  }

  get requestCount(): number {
    return this.#requests;
  }

  get protocol(): string {
    return this.#switched?.protocol ?? 'http/1.1';
  }

  get openStreams(): number {
    if (this.#switched !== null) return this.#switched.openStreams ?? 0;
    return this.#res === null ? 0 : 1;
  }

  /** True when no request is in progress: safe to close without cutting a response. */
  get idle(): boolean {
    return this.#upgrade === null && this.#res === null && !this.#parser.midMessage && this.#parser.pendingBytes === 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get flushed(): boolean {
    return this.#socket.writableLength === 0;
  }

  get serverName(): string {
    return this.#host.serverName;
  }

  // ---- socket events ----

  #onData(chunk: Buffer): void {
    if (this.#closing) return; // lingering: read and drop
    if (this.#res === null && !this.#parser.midMessage && !this.#awaitingDrain) {
      if (this.#host.trace !== null) this.#armTrace(this.#host.trace);
      this.#stampRequestStart();
      this.#setDeadlineAt(D_HEADERS, this.#requestStart + this.#host.timeouts.headersTimeoutMs);
    }
    // Responses produced while this chunk is parsed (pipelined requests) leave in one writev: the
    // first response finishing during the parse corks the socket behind it (finish()), and the
    // uncork comes once the synchronous work is done, or on the next turn when a handler went async.
    // A read holding one request, the keep-alive norm, never corks: its response goes straight out.
    this.#inRead = true;
    this.#parser.push(chunk);
    this.#inRead = false;
    if (this.#upgrade !== null) {
      this.#completeSwitch();
      return;
    }
    // A head that began in this same read after the last response (pipelined) was not yet parsed
    // when #startNext chose the idle deadline: it is under the header deadline (slowloris).
    if (this.#res === null && this.#deadlineKind === D_IDLE && this.#parser.midMessage) {
      this.#setDeadlineAt(D_HEADERS, this.#requestStart + this.#host.timeouts.headersTimeoutMs);
    }
    if (this.#parser.pendingBytes > MAX_HELD_BYTES) this.pauseReading();
    if (this.#res === null || !this.#corked) this.#uncork();
    else if (!this.#uncorkScheduled) {
      this.#uncorkScheduled = true;
      setImmediate(this.#uncorkLater);
    }
    this.#afterParse();
  }

  /** Carries out a close decided while the parser was running (the batch is uncorked by now). */
  #afterParse(): void {
    if (this.#closeAfterParse && !this.#inRead && !this.#inResume) {
      this.#closeAfterParse = false;
      this.#endConnection();
    }
  }

  #uncork(): void {
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
  }

  readonly #uncorkLater = (): void => {
    this.#uncorkScheduled = false;
    this.#uncork();
  };

  #onPeerEnd(): void {
    // The client half-closed its side (allowHalfOpen): answer what it already sent, then close.
    this.#peerEnded = true;
    if (this.#closing) this.#destroy();
    // A finished response whose request body is still being drained: no more of the body will come.
    else if ((this.#res === null || this.#res.finished) && !this.#awaitingDrain) this.#closeGracefully();
    else if (this.#req !== null && !this.#req.bodyComplete) this.#req.failBody(new Error('client closed the connection before the body was complete'));
  }

  #onDrain(): void {
    // The stall is over: go back to the deadline the connection's state calls for. Merely clearing
    // it would leave a connection that finished its response with no idle (or linger) deadline.
    if (this.#deadlineKind === D_WRITE) {
      if (this.#closing && this.#res === null) this.#setDeadline(D_LINGER, LINGER_MS);
      else if (this.#res === null) this.#setDeadline(D_IDLE, this.#host.timeouts.keepAliveTimeoutMs);
      else if (this.#req !== null && !this.#req.bodyComplete) this.#setDeadlineAt(D_REQUEST, this.#requestStart + this.#host.timeouts.requestTimeoutMs);
      else this.#clearDeadline();
    }
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#req?.failBody(new Error('connection closed'));
    const req = this.#req;
    const res = this.#res;
    if (req !== null && res !== null && !res.finished) {
      // Cut short: still one access line (and metrics), with what the client actually got.
      this.#req = null;
      this.#res = null;
      res.cutShort(cutStatus(this.#cutByUs, res.headersSent, res.status), this.#unsent);
      this.#host.responded(req, res);
    }
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
    this.#host.closed(this);
  }

  // ---- parser events ----

  onHead(head: RequestHead): void {
    if (this.#host.h2cUpgrade !== null && head.contentLength === 0 && head.httpVersion === '1.1' && this.#upgrade === null && this.#h2cRequested(head)) return;
    this.#requests++;
    this.#continueSent = false;
    this.#clientDone = !head.keepAlive;
    const req = new Request(head, this, (this.#peer ??= new SocketPeer(this.#socket, this.#host.secure)), this.#requestStart, this.#requestStartHr, this.#requests);
    this.#writer.http10 = head.versionMinor === 0;
    this.#writer.trace = this.#capture === null ? null : this.#beginTrace(req);
    const res = new Response(this.#writer, head.method);
    this.#req = req;
    this.#res = res;
    this.#messageEnded = false;
    this.#drained = 0;
    this.#bodyReceived = 0;
    if (!req.hasBody) this.#clearDeadline();
    else this.#setDeadlineAt(D_REQUEST, this.#requestStart + this.#host.timeouts.requestTimeoutMs);

    // RFC 9110 §10.1.1: an expectation we cannot meet gets 417.
    if (head.expect !== '' && head.expect !== '100-continue') {
      req.trace?.decide('expect-417', head.expect);
      res.send(417, 'Expectation Failed: only 100-continue is supported\n');
      return;
    }
    runHandler(this.#host.handler, req, res, this);
  }

  /**
   * RFC 7540 §3.2: a request without a body, with `Upgrade: h2c`, `Connection: Upgrade,
   * HTTP2-Settings` and one HTTP2-Settings field, switches the connection to HTTP/2 and is answered
   * there as stream 1. A request that asks for it any other way is served over HTTP/1.1 (a server
   * may ignore Upgrade, RFC 9110 §7.8).
   */
  #h2cRequested(head: RequestHead): boolean {
    const raw = head.rawHeaders;
    let upgrade = '';
    let connection = '';
    let settings: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      // Every bodiless request on an h2c port passes here: only names of the three lengths are lower-cased.
      const n = raw[i]!.length;
      if (n !== 7 && n !== 10 && n !== 14) continue;
      const name = raw[i]!.toLowerCase();
      if (name === 'upgrade') upgrade += `,${raw[i + 1]!}`;
      else if (name === 'connection') connection += `,${raw[i + 1]!}`;
      else if (name === 'http2-settings') {
        if (settings !== null) return false;
        settings = raw[i + 1]!.trim();
      }
    }
    if (settings === null || !/^[A-Za-z0-9_-]*={0,2}$/.test(settings)) return false;
    const tokens = (list: string): string[] => list.split(',').map((t) => t.trim().toLowerCase());
    if (!tokens(upgrade).includes('h2c')) return false;
    const conn = tokens(connection);
    if (!conn.includes('upgrade') || !conn.includes('http2-settings')) return false;
    const payload = Buffer.from(settings, 'base64url');
    const h2cUpgrade = this.#host.h2cUpgrade!;
    this.#requests++;
    this.#upgrade = {
      head: 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
      onSwitch: (socket, rest) => h2cUpgrade(socket, rest, head, payload),
      req: null,
      res: null,
    };
    return true;
  }

  onData(chunk: Buffer): void {
    const req = this.#req;
    if (req === null) return;
    this.#bodyReceived += chunk.length;
    if (this.#res?.finished === true) {
      // Draining an unread body after the response: bounded.
      this.#drained += chunk.length;
      if (this.#drained > MAX_DRAIN_BYTES) this.#cut();
      return;
    }
    req.pushBody(chunk);
  }

  onTrailers(rawTrailers: string[]): void {
    if (this.#req !== null) this.#req.trailers = rawTrailers;
  }

  onEnd(): void {
    this.#messageEnded = true;
    if (this.#deadlineKind === D_REQUEST) this.#clearDeadline();
    this.#req?.endBody();
    // A switch asked for during this request's parse completes once the parser has set aside what follows.
    if (this.#res?.finished === true && this.#upgrade === null) this.#next();
  }

  onError(error: ParseError): void {
    const res = this.#res;
    if (res === null) {
      this.#sendMinimal(error.status, error.message, this.#refusalTrace(null, PARSE_ERRORS[error.code][2], 'parse-error', error.status, error.message));
      return;
    }
    // The body of the request in progress was malformed.
    this.#req?.failBody(error);
    this.#closing = true;
    if (!res.headersSent) {
      this.#res = null;
      this.#sendMinimal(error.status, error.message, this.#refusalTrace(this.#req, PARSE_ERRORS[error.code][2], 'parse-error', error.status, error.message));
    } else if (res.finished) this.#closeGracefully();
  }

  // ---- BodySource ----

  pauseReading(): void {
    if (!this.#readPaused) {
      this.#readPaused = true;
      this.#socket.pause();
    }
  }

  resumeReading(): void {
    if (this.#readPaused && this.#parser.pendingBytes <= MAX_HELD_BYTES) {
      this.#readPaused = false;
      this.#socket.resume();
    }
  }

  sendContinue(): void {
    const req = this.#req;
    if (req === null || this.#continueSent || !req.expectsContinue || this.#res?.headersSent === true) return;
    this.#continueSent = true;
    if (req.trace !== null) {
      req.trace.decide('continue');
      req.trace.interim('HTTP/1.1 100 Continue\r\n\r\n');
    }
    this.#socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
  }

  // ---- Http1Sink ----

  write(data: string | Buffer, encoding?: BufferEncoding): boolean {
    // A response the connection has already replaced (parse error, timeout) writes nowhere.
    if (this.#closed || (this.#closing && this.#res === null)) return false;
    const ok = encoding === undefined ? this.#socket.write(data) : this.#socket.write(data, encoding);
    if (!ok) {
      this.#listenForDrain();
      if (this.#deadlineKind !== D_WRITE) this.#setDeadline(D_WRITE, this.#host.timeouts.writeStallTimeoutMs);
    }
    return ok;
  }

  cork(): void {
    this.#socket.cork();
  }

  uncork(): void {
    this.#socket.uncork();
  }

  onDrain(callback: () => void): void {
    if (this.#closed || !this.#socket.writableNeedDrain) callback();
    else {
      this.#listenForDrain();
      this.#drainWaiters.push(callback);
    }
  }

  #listenForDrain(): void {
    if (this.#drainListening || this.#upgrade !== null) return;
    this.#drainListening = true;
    this.#socket.on('drain', this.#drainListener);
  }

  keepAliveAfter(): boolean {
    const req = this.#req;
    if (req === null) return false;
    const why = this.#closeReason(req);
    if (req.trace !== null) {
      if (why === null) req.trace.decide('keep-alive', req.httpVersion);
      else req.trace.decide(why);
    }
    return why === null;
  }

  /** Why the connection closes after this response, or null when it stays open (RFC 9112 §9.3, §9.6). */
  #closeReason(req: Request): 'close-error' | 'close-draining' | 'close-http10' | 'close-requested' | 'close-continue' | 'close-unread-body' | null {
    if (this.#closing) return 'close-error';
    if (this.#host.draining) return 'close-draining';
    if (!req.keepAlive) return req.httpVersion === '1.0' ? 'close-http10' : 'close-requested';
    if (!req.bodyComplete && !req.bodyRequested) {
      // RFC 9110 §10.1.1: a client waiting on 100-continue may or may not send the body now; only a
      // close makes the next request unambiguous. Otherwise drain a short body, close on a long one.
      if (req.expectsContinue && !this.#continueSent) return 'close-continue';
      if (req.contentLength < 0 || req.contentLength > MAX_DRAIN_BYTES) return 'close-unread-body';
    }
    return null;
  }

  finish(finished: WireResponse): void {
    const res = this.#res;
    if (res === null || finished !== res) return;
    // More requests may wait in this same read (pipelining): responses to them are batched with
    // this one's successors (#onData). Node counts corks, so we cork at most once until our matching
    // uncork has run.
    if (this.#inRead && !this.#corked) {
      this.#corked = true;
      this.#socket.cork();
    }
    const req = this.#req!;
    this.#host.responded(req, res);
    if (!res.keepAlive) this.#closing = true;
    if (this.#messageEnded) {
      this.#next();
      return;
    }
    if (req.bodyComplete) return; // the parser's onEnd is on its way and calls #next()
    // A client that half-closed before its body was complete will send no more of it: waiting to
    // drain the remainder would hold the connection until the request timeout (found by fuzzing).
    if (this.#closing || this.#peerEnded) {
      req.failBody(new Error('response finished before the request body'));
      this.#closeGracefully();
      return;
    }
    // A body the handler read only part of: reading and dropping a long (or chunked, unbounded)
    // remainder is not worth it, and destroying the socket mid-drain could reset away the response
    // we just sent. Close gracefully instead (FIN, then linger).
    if (req.contentLength < 0 || req.contentLength - this.#bodyReceived > MAX_DRAIN_BYTES) {
      req.failBody(new Error('response finished before the request body'));
      this.#closeGracefully();
      return;
    }
    // Keep-alive with a short remainder still arriving: read and drop it, then go on (see onEnd).
    req.discardBody();
  }

  switchProtocols(switching: WireResponse, protocols: readonly string[], head: string, onSwitch: SwitchHandler): void {
    const req = this.#req;
    const res = this.#res;
    if (this.#upgrade !== null) throw new Error('switchProtocols: this connection has already switched protocols');
    if (req === null || res === null || switching !== res || this.#closed || this.#closing) throw new Error('switchProtocols: the connection is closing');
    // RFC 9110 §7.8: Upgrade applies to HTTP/1.1 only (HTTP/2 forbids it; a 1.0 request cannot ask).
    if (req.httpVersion !== '1.1') throw new Error('switchProtocols: only an HTTP/1.1 request can switch protocols');
    // The body's bytes must not be mistaken for the new protocol's, nor the new protocol's for body.
    if (req.hasBody && !req.bodyComplete) throw new Error('switchProtocols: the request body has not been received');
    // RFC 9110 §7.8: a server MUST NOT switch to a protocol the client did not offer in Upgrade.
    const offered = (req.header('upgrade') ?? '').split(',').map((p) => p.trim().toLowerCase());
    for (const p of protocols) if (!offered.includes(p.toLowerCase())) throw new Error(`switchProtocols: the request's Upgrade does not offer ${p} (RFC 9110 §7.8)`);
    this.#upgrade = { head, onSwitch, req, res };
    // Inside a parse (a synchronous handler, or a pipelined request) the parser has yet to set the
    // bytes after this request aside: the switch completes when the parse returns (#onData, #startNext).
    if (!this.#inRead && !this.#inResume && this.#messageEnded) this.#completeSwitch();
  }

  /** Writes the 101, hands socket and unparsed bytes to the new protocol, and lets go of the socket. */
  #completeSwitch(): void {
    const pending = this.#upgrade!;
    if (this.#closed) return;
    this.#clearDeadline();
    const socket = this.#socket;
    const trace = pending.req?.trace ?? null;
    if (trace !== null) {
      trace.decide('switch', /^upgrade: *([^\r\n]*)/im.exec(pending.head)?.[1] ?? 'another protocol');
      trace.responseHead(pending.head, performance.now());
    }
    socket.write(pending.head, 'latin1');
    this.#uncork();
    const rest = this.#parser.takePending();
    if (pending.req !== null && pending.res !== null) this.#host.responded(pending.req, pending.res);
    this.#req = null;
    this.#res = null;
    // Nothing of the HTTP side stays with a connection that may live for hours: not the request,
    // its response, its head, nor the parser's copy of its fields.
    this.#upgrade = SWITCHED;
    this.#parser = DETACHED_PARSER;
    // 'close' stays ours (the server's count and shutdown list), and 'error' (a no-op destroy) so that
    // a protocol without a listener never turns a socket error into a process crash.
    socket.off('data', this.#dataListener);
    if (this.#drainListening) socket.off('drain', this.#drainListener);
    socket.off('end', this.#endListener);
    const wasPaused = this.#readPaused;
    this.#readPaused = false;
    let hooks: SwitchedProtocol | void;
    try {
      hooks = pending.onSwitch(socket, rest);
    } catch (error) {
      this.#host.reportError(error, null);
      socket.destroy();
      return;
    }
    this.#switched = hooks ?? {};
    if (wasPaused) socket.resume();
    // Shutdown began before the switch completed: the new protocol is told at once.
    if (this.#host.draining) this.#switched.shutdown?.();
  }

  abort(error: Error): void {
    if (this.#closed) return; // the client left first: nothing went wrong on our side
    this.#host.reportError(error, this.#req);
    this.#cut();
  }

  // ---- lifecycle ----

  /**
   * Server shutdown. An idle keep-alive connection is closed now (a client that races us with a new
   * request may retry it, RFC 9112 §9.3.1). A request in progress finishes, and its response says
   * "Connection: close" because the host is draining (keepAliveAfter); marking the connection
   * closing here would drop the rest of that request's body. A connection that was accepted but has
   * not sent its first request yet is not closed: its client is about to send one, and during a
   * rolling restart it was accepted in the instant before the listener closed. It gets one answer
   * (with "close"), or the idle deadline ends it.
   */
  shutdown(): void {
    if (this.#upgrade !== null) {
      this.#switched?.shutdown?.();
      return;
    }
    if (this.idle && this.#requests > 0) this.#closeGracefully();
  }

  /** Forced close (shutdown deadline passed). */
  destroy(): void {
    this.#cut();
  }

  /** Called by the server's sweeper with the current time. */
  checkDeadline(now: number): void {
    if (this.#switched !== null) this.#switched.checkDeadline?.(now);
    if (this.#deadlineKind === D_NONE || now < this.#deadline) return;
    const kind = this.#deadlineKind;
    this.#clearDeadline();
    switch (kind) {
      case D_HEADERS:
        // RFC 9110 §15.5.9: 408 for a request that did not arrive in time.
        if (this.#res === null) this.#sendMinimal(408, 'Timed out reading the request', this.#refusalTrace(null, null, 'timeout-headers', this.#host.timeouts.headersTimeoutMs / 1000));
        else this.#cut();
        return;
      case D_REQUEST:
        this.#req?.failBody(new Error('timed out reading the request body'));
        if (this.#res !== null && !this.#res.headersSent) {
          this.#res = null;
          this.#sendMinimal(408, 'Timed out reading the request body', this.#refusalTrace(this.#req, null, 'timeout-request', this.#host.timeouts.requestTimeoutMs / 1000));
        } else this.#cut();
        return;
      case D_IDLE:
      case D_LINGER:
        // The last response may still be flushing to a slow reader: that is a write stall, not idling,
        // and destroying the socket now would cut the response short.
        if (this.#socket.writableLength > 0) this.#setDeadline(D_WRITE, this.#host.timeouts.writeStallTimeoutMs);
        else this.#cut();
        return;
      default:
        this.#cut();
    }
  }

  #next(): void {
    this.#req = null;
    this.#res = null;
    if (this.#closing || this.#closed) {
      this.#closeGracefully();
      return;
    }
    if (this.#socket.writableNeedDrain) {
      this.#setDeadline(D_IDLE, this.#host.timeouts.keepAliveTimeoutMs);
      // Backpressure on pipelining: a client that sends requests without reading the responses
      // must not make us answer (and buffer) them all. Take the next one once the socket drains.
      this.#awaitingDrain = true;
      this.pauseReading();
      this.onDrain(() => {
        this.#awaitingDrain = false;
        if (this.#closing || this.#closed) this.#closeGracefully();
        else this.#startNext();
      });
      return;
    }
    this.#startNext();
  }

  #startNext(): void {
    // Bytes of the next request may already be here (pipelined, whole or in part): its clock starts
    // now. One clock read per step: on the keep-alive hot path they add up.
    this.#stampRequestStart();
    if (this.#host.trace !== null) this.#armTrace(this.#host.trace);
    const started = this.#requests;
    this.#inResume = true;
    this.#parser.resume();
    this.#inResume = false;
    if (this.#closeAfterParse) {
      this.#afterParse();
      return;
    }
    if (this.#upgrade !== null) {
      this.#completeSwitch();
      return;
    }
    // A request began (it may even have been answered already, synchronously): its end moves on.
    if (this.#requests !== started) return;
    // A partly received head is under the header deadline (slowloris), not the idle one.
    if (this.#parser.midMessage) this.#setDeadlineAt(D_HEADERS, this.#requestStart + this.#host.timeouts.headersTimeoutMs);
    else this.#setDeadlineAt(D_IDLE, this.#requestStart + this.#host.timeouts.keepAliveTimeoutMs);
    if (this.#peerEnded) this.#closeGracefully();
    else this.resumeReading();
  }

  /** @internal runHandler's: the handler threw, rejected, or settled without answering. */
  handlerFailed(error: unknown, req: Request, res: Response): void {
    this.#host.reportError(error, req);
    if (this.#closed || res !== this.#res) return;
    if (res.headersSent) {
      this.#cut();
      return;
    }
    this.#closing = true;
    req.trace?.decide('handler-failed');
    try {
      // The handler's headers (a length, a type) describe the answer it failed to give, not this one.
      res.clearHeaders();
      res.send(500, 'Internal Server Error\n');
    } catch (secondError) {
      // Nothing may escape into a socket callback: an error here ends this connection only.
      this.#host.reportError(secondError, req);
      this.#cut();
    }
  }

  /** A response written by the connection itself (parse errors, timeouts): always closes. */
  #sendMinimal(status: number, message: string, trace: ExchangeTrace | null = null): void {
    if (this.#closed) return;
    this.#closing = true;
    const body = `${status} ${reasonPhrase(status)}: ${message}\n`;
    const fields = `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n`;
    const head = serializeHead(status, this.#host.serverName, fields, currentHttpDate());
    this.#socket.write(head + body, 'latin1');
    if (trace !== null) {
      trace.status = status;
      trace.responseHead(head, performance.now());
      trace.body(Buffer.from(body, 'latin1'));
      trace.decide('close-error');
      trace.lastByteHr = performance.now();
      this.#host.trace?.publish(trace);
    }
    this.#closeGracefully();
  }

  // ---- tracing (src/trace/): only while someone watches ----

  /** A message begins: record its head's lines if someone watches now, else stop recording. */
  #armTrace(hub: TraceHub): void {
    if (hub.watching) {
      if (this.#capture === null || this.#capture.length > 0) this.#capture = [];
      this.#parser.tap = this;
    } else if (this.#capture !== null) {
      this.#capture = null;
      this.#parser.tap = null;
    }
  }

  /** HeadTap: a line of the head being parsed, kept with its line end (a bare LF stays bare). */
  headLine(buf: Buffer, start: number, end: number): void {
    this.#capture?.push(`${buf.toString('latin1', start, end)}\n`);
  }

  #newTrace(): ExchangeTrace {
    if (this.#traceId === 0) this.#traceId = this.#host.connectionId();
    const trace = new ExchangeTrace('http/1.1', this.#traceId, this.#requestStartHr);
    trace.requestHead = this.#capture === null ? '' : this.#capture.join('');
    if (this.#capture !== null) this.#capture = [];
    const peer = (this.#peer ??= new SocketPeer(this.#socket, this.#host.secure));
    trace.remote = `${peer.remoteAddress}:${peer.remotePort}`;
    trace.secure = this.#host.secure;
    return trace;
  }

  #beginTrace(req: Request): ExchangeTrace {
    const trace = this.#newTrace();
    trace.headersHr = performance.now();
    trace.method = req.method;
    trace.target = req.target;
    trace.host = req.host;
    trace.requestFields = req.rawHeaders;
    const hub = this.#host.trace;
    if (hub !== null) trace.afterSwitch = (note) => hub.frame(trace.connection, note);
    req.trace = trace;
    return trace;
  }

  /** The trace of an answer the connection gives itself: the request's, or one for a head that never became a request. */
  #refusalTrace<C extends DecisionCode>(req: Request | null, source: string | null, code: C, ...args: DecisionArgs<C>): ExchangeTrace | null {
    let trace = req?.trace ?? null;
    if (trace === null) {
      if (this.#capture === null) return null;
      trace = this.#newTrace();
      const line = /^([^ \r\n]*) ([^ \r\n]*)/.exec(trace.requestHead);
      trace.method = line?.[1] ?? '';
      trace.target = line?.[2] ?? '';
    }
    if (source === null) trace.decide(code, ...args);
    else trace.decideFrom(source, code, ...args);
    return trace;
  }

  #closeGracefully(): void {
    if (this.#closed) return;
    this.#closing = true;
    this.#req = null;
    this.#res = null;
    // Inside a parse the parser has not yet set aside the bytes after this request (pipelined):
    // whether any remain unread is known once it returns.
    if (this.#inRead || this.#inResume) {
      this.#closeAfterParse = true;
      return;
    }
    this.#endConnection();
  }

  #endConnection(): void {
    if (this.#closed) return;
    if (this.#nothingUnread()) {
      // No lingering (RFC 9112 §9.6 guards against a reset destroying the response, and a reset
      // comes only from bytes we have not read): the client said this was its last request and
      // all of it has been read. A plain socket whose bytes are all in the kernel is closed at once
      // (close() sends them, then the FIN: one syscall instead of shutdown, a read of the peer's
      // FIN and then close); otherwise our FIN (TLS: close_notify) goes out once the queue empties.
      if (!this.#host.secure && this.#socket.writableLength === 0) this.#socket.destroy();
      else {
        this.#socket.once('finish', () => this.#destroy());
        this.#socket.end();
        this.#setDeadline(D_LINGER, LINGER_MS);
      }
      return;
    }
    this.#socket.end();
    if (this.#peerEnded) return; // both sides done: the socket closes by itself
    this.#readPaused = false;
    this.#socket.resume();
    this.#setDeadline(D_LINGER, LINGER_MS);
  }

  /** Whether every byte the client may send has been read: see #closeGracefully. */
  #nothingUnread(): boolean {
    const parser = this.#parser;
    return this.#clientDone && this.#messageEnded && !parser.dead && !parser.midMessage && parser.pendingBytes === 0;
  }

  #destroy(): void {
    if (this.#closed) return;
    // Read now: a destroyed socket forgets what it still held.
    this.#unsent = this.#socket.writableLength;
    this.#socket.destroy();
  }

  /** We end the connection (not the client): a response cut here is logged with its own status. */
  #cut(): void {
    this.#cutByUs = true;
    this.#destroy();
  }

  /** The high-resolution start (latency) and the same instant in epoch ms, from one clock value. */
  #stampRequestStart(): void {
    const hr = loopNow();
    this.#requestStartHr = hr;
    this.#requestStart = TIME_ORIGIN + hr;
  }

  #setDeadline(kind: number, ms: number): void {
    this.#setDeadlineAt(kind, this.#host.now() + ms);
  }

  #setDeadlineAt(kind: number, at: number): void {
    this.#deadlineKind = kind;
    this.#deadline = at;
  }

  #clearDeadline(): void {
    this.#deadlineKind = D_NONE;
  }
}
