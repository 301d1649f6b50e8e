// One HTTP/2 client connection: the IO shell around the sans-IO ServerSession (src/http2/). It owns
// the socket, the deadlines and the writes; the session owns every protocol rule. Each request
// stream becomes the same Request and Response a handler sees over HTTP/1.1: the Request's body is
// fed from DATA frames, and the flow-control window is granted back only as the handler reads it
// (the backpressure of an upload, RFC 9113 §5.2); the Response writes through an Http2ResponseWire.
//
// Writing: the session's output is pulled (takeOutput) after each socket read, so that responses
// made during the read leave in one write, and otherwise once per event-loop turn after a handler
// answered asynchronously; while the socket's buffer is full nothing more is taken, which holds
// DATA in the session within the client's windows.

import type { Socket } from 'node:net';
import { ERROR_CODE } from '../http2/errors.ts';
import { PARSE_ERRORS } from '../http1/errors.ts';
import { DEFAULT_HIGH_WATER_MARK, ServerSession, type RequestHead as StreamHead, type ServerStream } from '../http2/session.ts';
import { cutStatus } from './cut-status.ts';
import { reasonPhrase } from '../http1/status.ts';
import { currentHttpDate } from './date-header.ts';
import { loopNow } from './loop-clock.ts';
import { Request, type BodySource, type PeerInfo } from './request.ts';
import { Response } from './response.ts';
import type { IncomingHead } from './incoming-head.ts';
import type { ConnectionHost, ServerConnection } from './connection.ts';
import { Http2ResponseWire, type Http2WireHost } from './http2-response-wire.ts';
import { runHandler, type HandlerFailureSink } from './run-handler.ts';
import type { WireResponse } from './response-wire.ts';
import { ExchangeTrace, fieldsAsLines, h2HeadText, type FrameNote } from '../trace/exchange-trace.ts';
import { H2FrameTap } from '../trace/h2-frame-tap.ts';

const TIME_ORIGIN = performance.timeOrigin;
// After GOAWAY on a closing connection, keep reading (and dropping) this long so the client's
// in-flight frames do not turn our close into a reset that destroys what we sent.
const LINGER_MS = 2000;
// RFC 9113 §6.5.3: a peer that never acknowledges our SETTINGS may be told SETTINGS_TIMEOUT.
const SETTINGS_ACK_TIMEOUT_MS = 10_000;
// Frames of a traced connection not yet given to an exchange (stream 0's, or a stream's before its
// request exists): the oldest go first past this many.
const MAX_PENDING_FRAMES = 64;

const D_NONE = 0;
const D_IDLE = 1; // no stream open: keep_alive_timeout, or the preface's header timeout at first
const D_WRITE = 2; // the socket does not drain
const D_LINGER = 3;

/** An HTTP/2 request's head; `hostAdded`: the last field is a Host made from :authority (the trace leaves it out). */
type StreamIncomingHead = IncomingHead & { readonly hostAdded?: boolean };

/** The head of one request stream as Request reads it (IncomingHead). */
function incomingHead(h: StreamHead): StreamIncomingHead {
  const fields = h.fields;
  let expect = '';
  let hasHost = false;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name === 'host') hasHost = true;
    else if (name === 'expect') expect = fields[i + 1]!.trim().toLowerCase();
  }
  // §8.3.1: :authority takes the place of Host; handlers (virtual hosts, redirects, CORS) read Host,
  // so it is given as one when the client sent only :authority.
  if (!hasHost && h.authority !== '') fields.push('host', h.authority);
  return {
    method: h.method,
    target: h.path,
    targetForm: h.path === '*' ? 'asterisk' : 'origin',
    httpVersion: '2.0',
    rawHeaders: fields,
    contentLength: h.endStream ? 0 : h.contentLength,
    host: h.authority,
    expect,
    keepAlive: true,
    hostAdded: !hasHost && h.authority !== '',
  };
}

/** One request stream: its Request's body source and its Response's wire host. */
class Exchange implements BodySource, Http2WireHost, HandlerFailureSink {
  readonly stream: ServerStream;
  readonly req: Request;
  readonly res: Response;
  readonly #conn: Http2Connection;
  gone = false;
  reported = false;
  #paused = false;
  #ungranted = 0;
  #continueSent = false;
  #received = 0;
  #waiters: Array<() => void> = [];
  // Write-stall watch: stream.bytesSent when last seen to move, and since when.
  stallSent = 0;
  stallSince = 0;

  constructor(conn: Http2Connection, stream: ServerStream, head: IncomingHead, peer: PeerInfo, sequence: number) {
    this.#conn = conn;
    this.stream = stream;
    const hr = loopNow();
    this.req = new Request(head, this, peer, TIME_ORIGIN + hr, hr, sequence);
    this.res = new Response(new Http2ResponseWire(this), head.method);
  }

  get serverName(): string {
    return this.#conn.serverName;
  }

  get socketFlushed(): boolean {
    return this.#conn.socketFlushed;
  }

  get trace(): ExchangeTrace | null {
    return this.req.trace;
  }

  // ---- BodySource: the window is granted as the handler reads (§5.2) ----

  pauseReading(): void {
    this.#paused = true;
  }

  resumeReading(): void {
    this.#paused = false;
    if (this.#ungranted > 0) {
      const n = this.#ungranted;
      this.#ungranted = 0;
      this.stream.consumed(n);
    }
  }

  sendContinue(): void {
    // RFC 9110 §10.1.1 over HTTP/2: an interim 100 on the stream.
    if (this.#continueSent || !this.req.expectsContinue || this.res.headersSent || this.gone) return;
    this.#continueSent = true;
    if (this.req.trace !== null) {
      this.req.trace.decide('continue');
      this.req.trace.interim(':status: 100\n\n');
    }
    this.stream.respond(100);
  }

  /** DATA payload for this request; false when it passes the body limit. */
  data(chunk: Buffer, maxBodyBytes: number): boolean {
    this.#received += chunk.length;
    if (this.#received > maxBodyBytes) return false;
    this.#ungranted += chunk.length;
    this.req.pushBody(chunk);
    if (!this.#paused) this.resumeReading();
    return true;
  }

  // ---- Http2WireHost ----

  onDrain(callback: () => void): void {
    if (this.gone || this.stream.bufferedAmount < DEFAULT_HIGH_WATER_MARK) callback();
    else this.#waiters.push(callback);
  }

  /** The stream can take more, or is gone: whoever waited goes on. */
  wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  finish(res: WireResponse): void {
    if (res !== this.res) return;
    this.#conn.finished(this);
  }

  abort(error: Error): void {
    this.#conn.aborted(this, error);
  }

  // ---- HandlerFailureSink (runHandler) ----

  handlerFailed(error: unknown): void {
    this.#conn.handlerFailed(this, error);
  }
}

export class Http2Connection implements ServerConnection {
  readonly protocol = 'h2';
  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #session: ServerSession;
  readonly #peer: PeerInfo;
  readonly #exchanges = new Set<Exchange>();
  #requests = 0;
  #inReceive = false;
  #flushScheduled = false;
  #waitingDrain = false;
  #closed = false;
  #ending = false;
  #peerEnded = false;
  #cutByUs = false;
  #unsent = 0;
  #deadline = 0;
  #deadlineKind = D_NONE;
  // Tracing (src/trace/), set when someone watched as the connection began: its frames both ways.
  readonly #inTap: H2FrameTap | null = null;
  readonly #outTap: H2FrameTap | null = null;
  #pendingFrames: FrameNote[] = [];
  readonly #tracedStreams = new Map<number, ExchangeTrace>();
  // Traces of streams that closed during this flush: published once their last frames are tapped.
  #closedTraces: ExchangeTrace[] = [];
  #traceId = 0;
  // How the connection came to speak HTTP/2, for its exchanges' decisions.
  readonly #how: 'h2-alpn' | 'h2-prior-knowledge' | 'h2c-upgrade';
  readonly #flushLater = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  /**
   * `initial`: bytes already read from the socket (a sniffed preface). `upgrade`: the HTTP/1.1
   * request that asked for h2c (RFC 7540 §3.2), answered here as stream 1, with its HTTP2-Settings.
   */
  constructor(socket: Socket, host: ConnectionHost, initial: Buffer | null = null, upgrade: { head: IncomingHead; settings: Buffer } | null = null) {
    this.#socket = socket;
    this.#host = host;
    this.#peer = {
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localPort: socket.localPort ?? 0,
      secure: host.secure,
    };
    this.#how = upgrade !== null ? 'h2c-upgrade' : host.secure ? 'h2-alpn' : 'h2-prior-knowledge';
    if (host.trace !== null && host.trace.watching) {
      const counter = { next: 0 };
      this.#inTap = new H2FrameTap('in', (note) => this.#onFrame(note), counter);
      this.#outTap = new H2FrameTap('out', (note) => this.#onFrame(note), counter);
    }
    this.#session = new ServerSession(
      { limits: host.http2Limits, now: host.now() },
      {
        onRequest: (stream, head) => this.#onRequest(stream, incomingHead(head)),
        onData: (stream, chunk) => this.#onData(stream, chunk),
        onTrailers: (stream, fields) => {
          const ex = stream.context as Exchange | undefined;
          if (ex !== undefined) ex.req.trailers = fields;
        },
        onEnd: (stream) => (stream.context as Exchange | undefined)?.req.endBody(),
        onStreamReset: (stream, code) => this.#onGone(stream, `stream reset (${code})`),
        onStreamClose: (stream) => this.#onStreamClose(stream),
        onWritable: (stream) => (stream.context as Exchange | undefined)?.wake(),
        onConnectionError: () => this.#flush(),
        onOutput: () => this.#onOutput(),
        onDrained: () => {
          this.#flush();
          this.#end();
        },
      },
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onSocketData(chunk));
    socket.on('drain', () => this.#onSocketDrain());
    socket.on('end', () => this.#onPeerEnd());
    socket.on('error', () => this.#destroy());
    socket.on('close', () => this.#onClose());
    // Until the first request, the preface and the first HEADERS are under the header timeout.
    this.#setDeadline(D_IDLE, host.timeouts.headersTimeoutMs);
    if (upgrade !== null) {
      const stream = this.#session.upgrade(upgrade.settings);
      if (typeof stream !== 'string') this.#onRequest(stream, upgrade.head);
    }
    if (initial !== null && initial.length > 0) this.#onSocketData(initial);
    else this.#flush();
  }

  get serverName(): string {
    return this.#host.serverName;
  }

  get socketFlushed(): boolean {
    return this.#socket.writableLength === 0;
  }

  /** Streams with a request in progress. */
  get openStreams(): number {
    return this.#session.openStreams;
  }

  get requestCount(): number {
    return this.#requests;
  }

  // ---- socket events ----

  #onSocketData(chunk: Buffer): void {
    if (this.#ending && this.#session.closed) return; // lingering: read and drop
    this.#session.now = this.#host.now();
    this.#inTap?.push(chunk);
    this.#inReceive = true;
    this.#session.receive(chunk);
    this.#inReceive = false;
    this.#flush();
  }

  #onSocketDrain(): void {
    this.#waitingDrain = false;
    if (this.#deadlineKind === D_WRITE) this.#idleOrNone();
    this.#flush();
  }

  #onPeerEnd(): void {
    this.#peerEnded = true;
    // The client sends no more frames (no WINDOW_UPDATE either): what is in flight is finished
    // where the windows allow, and the connection ends once no stream is open.
    if (this.#session.openStreams === 0 || this.#ending) this.#end();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearDeadline();
    for (const ex of this.#exchanges) {
      this.#cutShort(ex, 'connection closed');
      if (ex.req.trace?.deferred === true) this.#closedTraces.push(ex.req.trace);
    }
    this.#exchanges.clear();
    this.#publishClosed();
    this.#host.closed(this);
  }

  // ---- session events ----

  #onRequest(stream: ServerStream, head: StreamIncomingHead): void {
    this.#requests++;
    const ex = new Exchange(this, stream, head, this.#peer, this.#requests);
    if (this.#host.trace !== null && this.#host.trace.watching) this.#beginTrace(ex, head);
    stream.context = ex;
    this.#exchanges.add(ex);
    this.#clearDeadline();
    const { req, res } = ex;
    const max = this.#host.limits.maxBodyBytes;
    // The same refusals the HTTP/1.1 parser makes before a body is read.
    if (max !== undefined && req.contentLength > max) {
      this.#answerEarly(ex, 413, `Request body larger than ${max} bytes`);
      return;
    }
    // RFC 9110 §10.1.1: an expectation we cannot meet gets 417.
    if (head.expect !== '' && head.expect !== '100-continue') {
      this.#answerEarly(ex, 417, 'only 100-continue is supported');
      return;
    }
    runHandler(this.#host.handler, req, res, ex);
  }

  #onData(stream: ServerStream, chunk: Buffer): void {
    const ex = stream.context as Exchange | undefined;
    if (ex === undefined) return;
    const max = this.#host.limits.maxBodyBytes ?? Number.MAX_SAFE_INTEGER;
    if (!ex.data(chunk, max)) {
      // RFC 9110 §15.5.14: the body outgrew our limit while it arrived (no content-length).
      ex.req.failBody(new Error(`request body larger than ${max} bytes`));
      if (!ex.res.headersSent) this.#answerEarly(ex, 413, `Request body larger than ${max} bytes`);
      else stream.reset(ERROR_CODE.CANCEL);
    }
  }

  #onGone(stream: ServerStream, why: string): void {
    const ex = stream.context as Exchange | undefined;
    if (ex !== undefined) this.#cutShort(ex, why);
  }

  #onStreamClose(stream: ServerStream): void {
    const ex = stream.context as Exchange | undefined;
    if (ex === undefined) return;
    stream.context = undefined;
    if (ex.req.trace?.deferred === true) this.#closedTraces.push(ex.req.trace);
    // A stream that closed with its response complete was reported by finished(); any other was cut.
    this.#cutShort(ex, 'stream closed');
    this.#exchanges.delete(ex);
    if (this.#session.openStreams === 0 && !this.#closed) {
      if (this.#peerEnded) this.#end();
      else if (!this.#ending) this.#idleOrNone();
    }
  }

  /** Response.end(): the response is queued in full. */
  finished(ex: Exchange): void {
    if (ex.reported) return;
    ex.reported = true;
    this.#endTrace(ex);
    this.#host.responded(ex.req, ex.res);
    // §8.1: the rest of a request body nobody reads is not worth receiving.
    if (!ex.req.bodyComplete) {
      ex.req.failBody(new Error('response finished before the request body'));
      ex.stream.discardRequestBody();
    }
  }

  aborted(ex: Exchange, error: Error): void {
    if (ex.gone) return;
    this.#host.reportError(error, ex.req);
    this.#cutByUs = true;
    ex.stream.reset(ERROR_CODE.INTERNAL_ERROR);
  }

  // ---- output ----

  #onOutput(): void {
    if (this.#inReceive || this.#flushScheduled || this.#waitingDrain || this.#closed) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushLater);
  }

  /** Writes what the session has, as long as the socket takes it. */
  #flush(): void {
    if (this.#closed) return;
    const socket = this.#socket;
    while (!this.#waitingDrain) {
      const out = this.#session.takeOutput();
      if (out === null) break;
      let ok = true;
      if (this.#outTap !== null) for (const b of out) this.#outTap.push(b);
      if (out.length === 1) ok = socket.write(out[0]!);
      else {
        socket.cork();
        for (const b of out) ok = socket.write(b);
        socket.uncork();
      }
      if (!ok) {
        this.#waitingDrain = true;
        this.#setDeadline(D_WRITE, this.#host.timeouts.writeStallTimeoutMs);
      }
    }
    if (this.#closedTraces.length > 0) this.#publishClosed();
    // A connection error (ours or the peer's): GOAWAY is out, nothing more is read.
    if (this.#session.closed && !this.#ending) this.#end();
  }

  // ---- lifecycle ----

  /** Graceful shutdown (§6.8): GOAWAY, open streams finish, then the connection ends. */
  shutdown(): void {
    if (this.#closed || this.#ending) return;
    this.#session.shutdown();
    this.#flush();
  }

  destroy(): void {
    this.#cutByUs = true;
    this.#destroy();
  }

  checkDeadline(now: number): void {
    if (this.#closed) return;
    const t = this.#host.timeouts;
    if (this.#session.awaitingSettingsAck && this.#deadlineKind !== D_LINGER && now - this.#session.settingsSentAt > SETTINGS_ACK_TIMEOUT_MS) {
      this.#session.terminate(ERROR_CODE.SETTINGS_TIMEOUT, 'SETTINGS not acknowledged');
      this.#flush();
      return;
    }
    for (const ex of this.#exchanges) this.#checkExchange(ex, now, t.requestTimeoutMs, t.writeStallTimeoutMs);
    if (this.#deadlineKind === D_NONE || now < this.#deadline) return;
    const kind = this.#deadlineKind;
    this.#clearDeadline();
    if (kind === D_IDLE && this.#session.openStreams === 0) {
      // Idle: GOAWAY NO_ERROR, the client opens a new connection when it needs one.
      this.#session.terminate(ERROR_CODE.NO_ERROR, 'idle');
      this.#flush();
      return;
    }
    if (kind === D_IDLE) return;
    this.destroy();
  }

  /** A body that does not arrive in time (request_timeout), a stream whose client stopped reading. */
  #checkExchange(ex: Exchange, now: number, requestTimeoutMs: number, stallMs: number): void {
    if (ex.gone) return;
    const { req, res } = ex;
    if (!req.bodyComplete && now - req.startTime > requestTimeoutMs) {
      req.failBody(new Error('timed out reading the request body'));
      if (!res.headersSent) this.#answerEarly(ex, 408, 'Timed out reading the request body');
      else {
        this.#cutByUs = true;
        ex.stream.reset(ERROR_CODE.CANCEL);
      }
      return;
    }
    const stream = ex.stream;
    const sent = stream.bytesSent;
    if (stream.bufferedAmount === 0 || sent !== ex.stallSent || ex.stallSince === 0) {
      ex.stallSent = sent;
      ex.stallSince = now;
    } else if (now - ex.stallSince > stallMs) {
      // Body bytes waiting and none sent for the whole timeout: the client's window for this
      // stream stayed shut, it does not read this response.
      this.#cutByUs = true;
      stream.reset(ERROR_CODE.CANCEL);
    }
  }

  /** An answer the connection gives itself (limits, timeouts), replacing the handler's response. */
  #answerEarly(ex: Exchange, status: number, message: string): void {
    const body = Buffer.from(`${status} ${reasonPhrase(status)}: ${message}\n`);
    const fields = ['date', currentHttpDate(), 'content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)];
    if (this.#host.serverName !== '') fields.unshift('server', this.#host.serverName);
    ex.gone = true; // the handler's Response writes nowhere from now on
    ex.wake();
    const stream = ex.stream;
    if (stream.respond(status, fields)) {
      stream.write(body);
      stream.end();
      stream.discardRequestBody();
    }
    if (!ex.reported) {
      ex.reported = true;
      ex.res.cutShort(status, ex.res.bodyBytes);
      if (ex.req.trace !== null) {
        const trace = ex.req.trace;
        if (status === 408) trace.decide('timeout-request', this.#host.timeouts.requestTimeoutMs / 1000);
        else if (status === 417) trace.decide('expect-417', ex.req.header('expect') ?? '');
        else trace.decideFrom(PARSE_ERRORS.BODY_TOO_LARGE[2], 'parse-error', status, message);
        ex.req.trace.responseHead(h2HeadText(status, fields), performance.now());
        ex.req.trace.body(body);
      }
      this.#endTrace(ex);
      this.#host.responded(ex.req, ex.res);
    }
  }

  /** The handler of `ex` threw, rejected, or settled without answering. */
  handlerFailed(ex: Exchange, error: unknown): void {
    this.#host.reportError(error, ex.req);
    const res = ex.res;
    if (ex.gone || res.finished) return;
    if (res.headersSent) {
      this.#cutByUs = true;
      ex.stream.reset(ERROR_CODE.INTERNAL_ERROR);
      return;
    }
    ex.req.trace?.decide('handler-failed');
    try {
      res.clearHeaders();
      res.send(500, 'Internal Server Error\n');
    } catch (secondError) {
      this.#host.reportError(secondError, ex.req);
      ex.stream.reset(ERROR_CODE.INTERNAL_ERROR);
    }
  }

  /** The exchange ends without its response complete: one access line still, with what was sent. */
  #cutShort(ex: Exchange, why: string): void {
    ex.gone = true;
    // Every stream ends here: an Error (and its stack) only for a body still expected.
    if (!ex.req.bodyComplete) ex.req.failBody(new Error(why));
    ex.wake();
    if (ex.reported) return;
    ex.reported = true;
    const res = ex.res;
    res.cutShort(cutStatus(this.#cutByUs, res.headersSent, res.status), this.#closed ? this.#unsent : ex.stream.bufferedAmount);
    this.#endTrace(ex);
    this.#host.responded(ex.req, res);
  }

  // ---- tracing (src/trace/): only while someone watches ----

  #beginTrace(ex: Exchange, head: StreamIncomingHead): void {
    if (this.#traceId === 0) this.#traceId = this.#host.connectionId();
    const trace = new ExchangeTrace('h2', this.#traceId, ex.req.startHr);
    const stream = ex.stream.id;
    trace.stream = stream;
    trace.remote = `${this.#peer.remoteAddress}:${this.#peer.remotePort}`;
    trace.secure = this.#peer.secure;
    trace.method = head.method;
    trace.target = head.target;
    trace.host = head.host;
    // The fields as they came: without the Host made from :authority for the handlers.
    const fields = head.hostAdded === true ? head.rawHeaders.slice(0, -2) : head.rawHeaders;
    trace.requestFields = fields;
    // RFC 9113 §8.3.1: the pseudo-header fields first, then the regular ones, as HPACK decoded them.
    trace.requestHead = `:method: ${head.method}\n:scheme: ${this.#peer.secure ? 'https' : 'http'}\n:authority: ${head.host}\n:path: ${head.target}\n${fieldsAsLines(fields)}\n`;
    trace.headersHr = performance.now();
    trace.decide(this.#how);
    ex.req.trace = trace;
    if (this.#inTap === null) return;
    trace.deferred = true;
    this.#tracedStreams.set(stream, trace);
    const rest: FrameNote[] = [];
    for (const note of this.#pendingFrames) (note.stream === stream ? trace.frame(note) : rest.push(note));
    this.#pendingFrames = rest;
  }

  /** The exchange is reported. A trace with frames waits for its stream's close (#publishClosed). */
  #endTrace(ex: Exchange): void {
    const trace = ex.req.trace;
    if (trace !== null && !trace.deferred) this.#tracedStreams.delete(trace.stream);
  }

  /** Streams closed and their frames written: their traces go out, with the connection's own frames seen meanwhile. */
  #publishClosed(): void {
    const traces = this.#closedTraces;
    this.#closedTraces = [];
    for (const trace of traces) {
      this.#tracedStreams.delete(trace.stream);
      const rest: FrameNote[] = [];
      for (const note of this.#pendingFrames) (note.stream === 0 ? trace.frame(note) : rest.push(note));
      this.#pendingFrames = rest;
      this.#host.trace?.publish(trace);
    }
  }

  #onFrame(note: FrameNote): void {
    const trace = note.stream === 0 ? undefined : this.#tracedStreams.get(note.stream);
    if (trace !== undefined) trace.frame(note);
    else {
      if (this.#pendingFrames.length >= MAX_PENDING_FRAMES) this.#pendingFrames.shift();
      this.#pendingFrames.push(note);
    }
  }

  #idleOrNone(): void {
    if (this.#session.openStreams === 0) this.#setDeadline(D_IDLE, this.#host.timeouts.keepAliveTimeoutMs);
    else this.#clearDeadline();
  }

  /** Ends our side once the output is written, reading (and dropping) a little longer. */
  #end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.#socket.end();
    if (this.#peerEnded) return;
    this.#setDeadline(D_LINGER, LINGER_MS);
  }

  #destroy(): void {
    if (this.#closed) return;
    this.#unsent = this.#socket.writableLength;
    this.#socket.destroy();
  }

  #setDeadline(kind: number, ms: number): void {
    this.#deadlineKind = kind;
    this.#deadline = this.#host.now() + ms;
  }

  #clearDeadline(): void {
    this.#deadlineKind = D_NONE;
  }
}
