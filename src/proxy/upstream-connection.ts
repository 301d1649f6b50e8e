// One connection to a backend: the IO shell of the sans-IO ResponseParser on the client side. It
// carries one exchange at a time (no pipelining: a failed pipelined request could not be told apart
// from the ones before it). The socket's own inactivity timer (socket.setTimeout) serves as the
// connect and the response timeout, so an exchange costs no timer of its own; its duration is set
// only when it changes (a new duration is a new timer; activity merely refreshes it). The idle
// timeout is the pool's (pool.ts): one timer per pool, not a change of this one per exchange.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Readable } from 'node:stream';
import { ResponseParser, type ResponseHead } from '../http1/response-parser.ts';
import type { ParseError } from '../http1/errors.ts';
import { chunkHeader, CHUNK_END, LAST_CHUNK } from '../http1/chunked.ts';
import type { UpstreamTarget } from './upstream-target.ts';
import { READ_BUFFER_BYTES, ReusedReadBuffer } from './read-buffer.ts';

/** The most plaintext one TLS record carries (RFC 8446 §5.1, RFC 5246 §6.2.1: 2^14 bytes). */
const TLS_RECORD_PLAINTEXT_BYTES = 16 * 1024;

/** connect: no connection; timeout: no (more) answer in time; protocol: garbage; closed: the backend
 * went away; client: the client's request body failed (the client left), not the backend's fault. */
export type UpstreamErrorKind = 'connect' | 'timeout' | 'protocol' | 'closed' | 'client';

/** Why an exchange failed, and whether it may be sent again (to this backend or another). */
export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  /** Upstream bytes of a response had arrived (the client may already have some of it). */
  readonly responseStarted: boolean;
  /** The connection had carried an earlier exchange: a close before any answer is the classic
   * keep-alive race (the backend timed it out as we reused it), not a sign the backend is down. */
  readonly reused: boolean;

  constructor(kind: UpstreamErrorKind, message: string, responseStarted: boolean, reused: boolean, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.responseStarted = responseStarted;
    this.reused = reused;
  }
}

export interface ExchangeSink {
  onInform(status: number, fields: string[]): void;
  onHead(head: ResponseHead): void;
  /** A piece of body: a view of the bytes read, valid until onReadEnd returns (see there). */
  onData(chunk: Buffer): void;
  /** The trailer section of a chunked response (name, value, …), before onEnd. */
  onTrailers?(fields: string[]): void;
  onEnd(): void;
  onError(error: UpstreamError): void;
  /**
   * The bytes of one read are all parsed (after the events they caused, onEnd included). Returns
   * true while the sink still holds chunks onData gave it (queued in a client socket, gathered):
   * on a connection with a reused read buffer, those would be overwritten by the next read. Absent:
   * the sink keeps nothing past onData.
   */
  onReadEnd?(): boolean;
}

export interface ConnectOptions {
  connectTimeoutMs: number;
  /** PEM certificates trusted for an https:// backend instead of the system's (a private CA). */
  ca?: string | Buffer | undefined;
  /** TLS server name (SNI and certificate check); the target's host name when absent. */
  servername?: string | undefined;
  /** Read a plain (http://) backend into a buffer of the connection's own, reused while the sink
   * keeps nothing of it (read-buffer.ts), not a fresh one per read. Not for a connection that may
   * be detached (an Upgrade): its socket would emit no 'data' for the tunnel. */
  reuseReadBuffer?: boolean | undefined;
}

export interface ExchangeRequest {
  /** The whole request head, "GET /x HTTP/1.1\r\n…\r\n", framing included. */
  head: string;
  method: string;
  /** The body, framed as head says: by Content-Length (raw bytes) or chunked (encoded here). */
  body: Readable | null;
  chunked: boolean;
  /** Inactivity limit while waiting for and reading the response. */
  timeoutMs: number;
}

type Phase = 'connecting' | 'idle' | 'busy' | 'closed';

export class UpstreamConnection {
  readonly target: UpstreamTarget;
  readonly socket: Socket;
  /** Exchanges started on this connection. */
  exchanges = 0;
  #phase: Phase = 'connecting';
  #parser: ResponseParser;
  #sink: ExchangeSink | null = null;
  #responseStarted = false;
  #bodySent = true;
  #keepAlive = false;
  /** When the connection last became idle (loopNow), for the pool's idle timeout. */
  idleSince = 0;
  #timeoutMs = -1;
  #onIdle: ((conn: UpstreamConnection) => void) | null = null;
  #onGone: ((conn: UpstreamConnection) => void) | null = null;
  #onReady: ((error: UpstreamError | null) => void) | null;
  #detached = false;
  readonly #reads: ReusedReadBuffer | null;

  private constructor(target: UpstreamTarget, socket: Socket, reads: ReusedReadBuffer | null, onReady: (error: UpstreamError | null) => void) {
    this.target = target;
    this.socket = socket;
    this.#onReady = onReady;
    this.#reads = reads;
    this.#parser = new ResponseParser({
      onInform: (status, fields) => this.#sink?.onInform(status, fields),
      onHead: (head) => {
        this.#keepAlive = head.keepAlive;
        this.#sink?.onHead(head);
      },
      onData: (chunk) => this.#sink?.onData(chunk),
      onTrailers: (fields) => this.#sink?.onTrailers?.(fields),
      onEnd: () => this.#exchangeDone(),
      onError: (error: ParseError) =>
        this.#fail(
          error.code === 'INCOMPLETE_RESPONSE'
            ? new UpstreamError('closed', `closed the connection ${this.#responseStarted ? 'mid-response' : 'before answering'}`, this.#responseStarted, this.exchanges > 1)
            : new UpstreamError('protocol', `sent an invalid response: ${error.message}`, this.#responseStarted, this.exchanges > 1),
        ),
    });
    socket.setNoDelay(true);
    if (reads === null) socket.on('data', (chunk: Buffer) => void this.#onRead(chunk));
    else reads.consumer = (chunk) => this.#onRead(chunk);
    socket.on('timeout', () => {
      if (this.#phase === 'connecting') this.#readyFailed(new UpstreamError('timeout', `connect timed out`, false, false));
      else if (this.#phase === 'busy') this.#fail(new UpstreamError('timeout', `no response within the timeout`, this.#responseStarted, this.exchanges > 1));
      // Idle: the response timeout passing means nothing; the pool closes idle connections.
    });
    socket.on('end', () => {
      this.#parser.finish();
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#phase === 'connecting') this.#readyFailed(new UpstreamError('connect', `${describe(error)}`, false, false, error));
      else if (this.#phase === 'busy') this.#fail(new UpstreamError('closed', `${describe(error)}`, this.#responseStarted, this.exchanges > 1, error));
    });
    socket.on('close', () => {
      if (this.#detached) return;
      if (this.#phase === 'connecting') this.#readyFailed(new UpstreamError('connect', `connection closed while connecting`, false, false));
      if (this.#phase === 'busy') {
        this.#parser.finish(); // a close-delimited body ends here; anything else is incomplete
        if (this.#phase === 'busy') this.#fail(new UpstreamError('closed', `closed the connection ${this.#responseStarted ? 'mid-response' : 'before answering'}`, this.#responseStarted, this.exchanges > 1));
      }
      this.#phase = 'closed';
      this.#onGone?.(this);
    });
  }

  /** Opens a connection; `ready` is called once, with null when it can carry an exchange. */
  static open(target: UpstreamTarget, options: ConnectOptions, ready: (error: UpstreamError | null) => void): UpstreamConnection {
    // Reads reach the connection once it exists (no byte can arrive before connect). Over TLS a
    // read hands over one record's plaintext at most, so the buffer need not be larger than that.
    const reads = options.reuseReadBuffer === true ? new ReusedReadBuffer(() => false, target.tls ? TLS_RECORD_PLAINTEXT_BYTES : READ_BUFFER_BYTES) : null;
    const onread = reads === null ? {} : { onread: reads.onread };
    const socket = target.tls
      ? tlsConnect({ host: target.hostname, port: target.port, servername: options.servername ?? (isIpLiteral(target.hostname) ? '' : target.hostname), ca: options.ca, ALPNProtocols: ['http/1.1'], ...onread })
      : netConnect({ host: target.hostname, port: target.port, ...onread });
    const conn = new UpstreamConnection(target, socket, reads, ready);
    conn.#setTimeout(options.connectTimeoutMs);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      if (conn.#phase !== 'connecting') return;
      conn.#phase = 'idle';
      conn.#setTimeout(0);
      const cb = conn.#onReady;
      conn.#onReady = null;
      cb?.(null);
    });
    return conn;
  }

  get idle(): boolean {
    return this.#phase === 'idle' && !this.socket.destroyed;
  }

  /** The pool's hooks: back to the pool after an exchange that leaves it reusable (the pool then
   * closes it once idle too long), and gone. */
  setPoolHooks(onIdle: (conn: UpstreamConnection) => void, onGone: (conn: UpstreamConnection) => void): void {
    this.#onIdle = onIdle;
    this.#onGone = onGone;
  }

  /** The socket's inactivity timer, changed only when its duration does. The same duration goes on
   * from the socket's last activity: the request written next restarts it. */
  #setTimeout(ms: number): void {
    if (ms === this.#timeoutMs) return;
    this.#timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  /** Sends one request; the sink hears the response (or one error). */
  exchange(request: ExchangeRequest, sink: ExchangeSink): void {
    if (this.#phase !== 'idle') throw new Error(`exchange on a connection that is ${this.#phase}`);
    this.#phase = 'busy';
    this.exchanges++;
    this.#sink = sink;
    this.#responseStarted = false;
    this.#keepAlive = false;
    this.#setTimeout(request.timeoutMs);
    this.#parser.expect(request.method);
    const socket = this.socket;
    if (request.body === null) {
      this.#bodySent = true;
      socket.write(request.head, 'latin1');
      return;
    }
    this.#bodySent = false;
    const body = request.body;
    socket.cork();
    socket.write(request.head, 'latin1');
    // Backpressure towards the backend: the client's body stream pauses while the socket is full.
    const onDrain = (): void => void body.resume();
    socket.on('drain', onDrain);
    body.on('data', (chunk: Buffer) => {
      if (this.#phase !== 'busy') return;
      const ok = request.chunked ? (socket.write(chunkHeader(chunk.length)), socket.write(chunk), socket.write(CHUNK_END)) : socket.write(chunk);
      if (!ok) body.pause();
    });
    body.once('end', () => {
      socket.off('drain', onDrain);
      if (request.chunked && this.#phase === 'busy') socket.write(LAST_CHUNK);
      this.#bodySent = true;
    });
    body.once('error', (error: Error) => {
      socket.off('drain', onDrain);
      // The client's body failed (it went away): this request cannot be completed upstream.
      this.#fail(new UpstreamError('client', `request body from the client failed: ${error.message}`, this.#responseStarted, false));
    });
    process.nextTick(() => socket.uncork());
  }

  /** Stops reading the response (the client is slow); resume() goes on. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Gives up on the exchange (the client left): the connection cannot be reused. */
  abort(): void {
    this.#sink = null;
    this.socket.destroy();
  }

  /** Takes the socket over after a 101 (the new protocol's bytes already received come with it). */
  detach(): { socket: Socket; head: Buffer } {
    if (this.#reads !== null) throw new Error('detach() on a connection reading into its own buffer');
    this.#detached = true;
    this.#sink = null;
    this.#phase = 'closed';
    this.#setTimeout(0);
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('timeout');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.socket.on('error', () => {});
    this.#onGone?.(this);
    return { socket: this.socket, head: this.#parser.takePending() };
  }

  /** The bytes of one read; returns whether anything still refers to them (read-buffer.ts). */
  #onRead(chunk: Buffer): boolean {
    if (this.#phase === 'busy') this.#responseStarted = true;
    const sink = this.#sink; // the exchange may end (and let go of its sink) within this read
    this.#parser.push(chunk);
    // Bytes while idle: the backend speaks out of turn; nothing it says then can be trusted.
    if (this.#phase === 'idle' && this.#parser.pendingBytes > 0) this.socket.destroy();
    const kept = sink?.onReadEnd?.() ?? false;
    // Bytes the parser holds unparsed are views of this read too.
    return kept || this.#parser.pendingBytes > 0;
  }

  #exchangeDone(): void {
    const sink = this.#sink;
    this.#sink = null;
    if (this.#phase !== 'busy') return;
    this.#phase = 'idle';
    sink?.onEnd();
    if (this.#detached) return;
    // A response that ended before the request body was all sent (a 413, say) leaves the backend
    // expecting the rest: the connection cannot carry another exchange.
    if (!this.#keepAlive || this.#parser.dead || !this.#bodySent) {
      this.socket.destroy();
      return;
    }
    this.#release();
  }

  #release(): void {
    if (this.socket.destroyed) return;
    if (this.#onIdle !== null) this.#onIdle(this);
    else this.socket.destroy();
  }

  #fail(error: UpstreamError): void {
    const sink = this.#sink;
    this.#sink = null;
    if (this.#phase !== 'closed') this.#phase = 'closed';
    this.socket.destroy();
    sink?.onError(error);
  }

  #readyFailed(error: UpstreamError): void {
    this.#phase = 'closed';
    this.socket.destroy();
    const cb = this.#onReady;
    this.#onReady = null;
    cb?.(error);
  }
}

/** "connect ECONNREFUSED 127.0.0.1:3000", "unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)". */
function describe(error: NodeJS.ErrnoException): string {
  return error.code === undefined || error.message.includes(error.code) ? error.message : `${error.message} (${error.code})`;
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
