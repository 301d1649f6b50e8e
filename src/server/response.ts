// The response a handler writes. Headers are kept as a small list; the head is serialized once, when
// the first body byte (or end()) goes out, and corked with the body so a small response is one write.
//
// Framing (RFC 9112 §6): a known length becomes Content-Length; an unknown one becomes chunked for a
// 1.1 client and a close-delimited body for a 1.0 client. HEAD, 1xx, 204 and 304 never carry content.

import type { Socket } from 'node:net';
import { Writable, type Readable } from 'node:stream';
import { headPrefixBytes, putLatin1, statusLine, unsafeFieldValue } from '../http1/response-head.ts';
import { statusForbidsBody } from '../http1/status.ts';
import { chunkHeader, CHUNK_END, LAST_CHUNK } from '../http1/chunked.ts';
import { currentHttpDate } from './date-header.ts';

/** What a response needs from its connection. */
export interface ResponseSink {
  readonly serverName: string;
  /** Writes to the socket; false means the socket's buffer is full (wait for onDrain). */
  write(data: string | Buffer, encoding?: BufferEncoding): boolean;
  cork(): void;
  uncork(): void;
  onDrain(callback: () => void): void;
  /** Whether the connection can stay open after this response (asked when the head is written). */
  keepAliveAfter(): boolean;
  /** The response is complete (all bytes handed to the socket). */
  finish(response: Response): void;
  /** Something went wrong after the head was sent: the only honest answer is to close. */
  abort(error: Error): void;
  readonly closed: boolean;
  /** True when the socket holds no unwritten bytes (everything written so far is in the kernel). */
  readonly flushed?: boolean;
  /** Writes the 101 head and hands the socket over (see Response#switchProtocols); throws when the
   * request cannot switch. Absent on sinks that cannot switch. */
  switchProtocols?(response: Response, protocols: readonly string[], head: string, onSwitch: SwitchHandler): void;
}

/** What a new protocol gets: the raw socket (plain or TLS) and the bytes the client sent after the
 * request that the HTTP parser had already read. It may return hooks the server uses later. */
export type SwitchHandler = (socket: Socket, head: Buffer) => SwitchedProtocol | void;

export interface SwitchedProtocol {
  /** Graceful server shutdown reached this connection: end the protocol politely (a WebSocket
   * sends close 1001). The server destroys the socket when its shutdown deadline passes. */
  shutdown?(): void;
}

// A body up to this size is copied behind its head into one buffer; a larger one goes out by writev.
const MAX_COALESCE_BYTES = 16 * 1024;

// Head and small body are assembled in a shared slab, not a fresh buffer per response: when the
// socket hands the bytes to the kernel at once (the usual case), the same space serves the next
// response; while a socket still queues them (a corked pipelined batch, a full socket) that space
// is the socket's, and the slab moves on. A fresh small buffer per response cost more than the rest
// of writing it: every few responses Node's pool had to allocate a new 8 KiB backing store.
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;
const EMPTY = Buffer.alloc(0);
const NONE: readonly string[] = Object.freeze([]);
// Frozen field lists appendFields() has checked: they cannot change afterwards.
const CHECKED_FIELDS = new WeakSet<readonly string[]>();
const COLON = 0x3a;
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const CONTENT_LENGTH = 'Content-Length: ';
const CHUNKED_LINE = 'Transfer-Encoding: chunked\r\n';

export type HeaderValue = string | number | readonly string[];

/** The name lower-cased when it may be one of the framing fields the engine decides (Connection,
 * Content-Length, Transfer-Encoding: by length, without lower-casing any other name), else ''. */
function framingName(name: string): string {
  return name.length === 10 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
}

export class Response {
  status = 200;
  readonly #sink: ResponseSink;
  readonly #isHead: boolean;
  readonly #http10: boolean;
  // name, value, name, value, … with names as set; duplicates only through append().
  #fields: string[] = [];
  #headersSent = false;
  #finished = false;
  #chunked = false;
  #noBody = false;
  #keepAlive = true;
  #bodyBytes = 0;
  // The Content-Length a handler declared (-1: none, or no body allowed). Holding the body to it
  // keeps a keep-alive connection in sync: a short or long body would corrupt the next response.
  #declaredLength = -1;
  #writable: Writable | null = null;
  // The head as decided when it goes out: the handler's fields as set, then the lines we add.
  #addLength = ''; // the value of a Content-Length line of ours ('' for none)
  #preparedHead = false; // sendPrepared: #prepared carries the handler's framing lines
  #prepared = '';
  #connLine = '';
  #dropsFields = false; // some handler field is left out (see #drops)
  #fieldBytes = 0; // bytes of the handler's field lines, when none is left out
  #keptOnError: readonly string[] = NONE;

  constructor(sink: ResponseSink, method: string, httpVersion: string) {
    this.#sink = sink;
    this.#isHead = method === 'HEAD';
    this.#http10 = httpVersion === '1.0';
  }

  get headersSent(): boolean {
    return this.#headersSent;
  }

  /** True once end() has run. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Body bytes written so far (not counting the head or chunk framing). */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /** True once the connection is gone: a body producer should stop. */
  get aborted(): boolean {
    return this.#sink.closed;
  }

  /** True when every body byte written so far has left the process (the socket's queue is empty), so
   * buffers passed to write() may be reused. False when unknown. */
  get flushed(): boolean {
    return this.#sink.flushed === true;
  }

  /** Gives up on a body that cannot be completed (a read failed mid-way): after the head is out,
   * closing the connection is the only honest answer. */
  abort(error: Error): void {
    this.#sink.abort(error);
  }

  /** Whether the connection stays open after this response (known once the head is out). */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  getHeader(name: string): string | undefined {
    const i = this.#find(name);
    return i === -1 ? undefined : this.#fields[i + 1];
  }

  hasHeader(name: string): boolean {
    return this.#find(name) !== -1;
  }

  /** Sets a header, replacing any earlier value(s) of the same name. */
  setHeader(name: string, value: HeaderValue): this {
    if (this.#fields.length > 0) this.removeHeader(name);
    return this.appendHeader(name, value);
  }

  /** Adds a header line without replacing (Set-Cookie, Vary, …). */
  appendHeader(name: string, value: HeaderValue): this {
    this.#assertOpen();
    if (typeof value !== 'object') {
      // The usual case, one value: no array for it.
      this.#push(name, typeof value === 'string' ? value : String(value));
      return this;
    }
    for (const v of value) this.#push(name, v);
    return this;
  }

  /**
   * Appends a list of fields (name, value, name, value, …) as they are, the way middleware adds the
   * same headers to every response. A frozen list is checked once, on first use, not per response.
   */
  appendFields(list: readonly string[]): this {
    this.#assertOpen();
    if (!CHECKED_FIELDS.has(list)) {
      if (list.length % 2 !== 0) throw new TypeError('appendFields() takes name, value pairs');
      for (let i = 0; i < list.length; i++) if (unsafeFieldValue(list[i]!)) throw new TypeError(`Invalid header ${JSON.stringify(list[i - (i % 2)])}`);
      if (Object.isFrozen(list)) CHECKED_FIELDS.add(list);
    }
    const fields = this.#fields;
    for (let i = 0; i < list.length; i++) fields.push(list[i]!);
    return this;
  }

  #push(name: string, value: string): void {
    if (unsafeFieldValue(value) || unsafeFieldValue(name)) throw new TypeError(`Invalid header ${JSON.stringify(name)}`);
    this.#fields.push(name, value);
  }

  removeHeader(name: string): this {
    this.#assertOpen();
    const lower = name.toLowerCase();
    const fields = this.#fields;
    for (let i = fields.length - 2; i >= 0; i -= 2) {
      if (fields[i]!.length === lower.length && fields[i]!.toLowerCase() === lower) fields.splice(i, 2);
    }
    return this;
  }

  /** Header names (lower case) that an error response replacing this one keeps: set for every
   * response by middleware (security headers, CORS), they still apply to an error page. */
  get keptOnError(): readonly string[] {
    return this.#keptOnError;
  }

  /** Adds to keptOnError; pass one array built once (it is kept as is when it is the only one). */
  keepOnError(lowerCaseNames: readonly string[]): void {
    this.#keptOnError = this.#keptOnError.length === 0 ? lowerCaseNames : [...this.#keptOnError, ...lowerCaseNames];
  }

  /** Removes every header set so far (before the head is sent). */
  clearHeaders(): this {
    this.#assertOpen();
    this.#fields = [];
    return this;
  }

  /** Header names and values as set (name, value, …). */
  get headerList(): readonly string[] {
    return this.#fields;
  }

  writeHead(status: number, headers?: Record<string, HeaderValue>): this {
    this.#assertOpen();
    this.status = status;
    if (headers !== undefined) for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    return this;
  }

  /** Writes body bytes; returns false when the caller should wait for drain (see drained()). */
  write(chunk: string | Buffer): boolean {
    if (this.#finished) throw new Error('write after end');
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.#headersSent) this.#sendHead(-1);
    if (this.#noBody || data.length === 0) return true;
    this.#checkLength(data.length);
    this.#bodyBytes += data.length;
    if (this.#chunked) {
      this.#sink.cork();
      this.#sink.write(chunkHeader(data.length), 'latin1');
      this.#sink.write(data);
      const ok = this.#sink.write(CHUNK_END, 'latin1');
      this.#sink.uncork();
      return ok;
    }
    return this.#sink.write(data);
  }

  /** Ends the response, optionally with a last (or only) piece of body. */
  end(chunk?: string | Buffer): void {
    if (this.#finished) return;
    const data = chunk === undefined ? undefined : typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.#headersSent) {
      // The whole body is known: frame it with Content-Length (unless the handler set one), and send
      // head and body as one buffer: one write call, no writev, no cork.
      this.#decideHead(data === undefined ? 0 : data.length);
      this.#writeWhole(data);
    } else {
      this.#sink.cork();
      try {
        if (data !== undefined && data.length > 0) this.write(data);
        if (this.#chunked && !this.#noBody) this.#sink.write(LAST_CHUNK, 'latin1');
      } finally {
        this.#sink.uncork();
      }
    }
    this.#finished = true;
    if (this.#declaredLength > this.#bodyBytes) {
      // Fewer bytes than promised (a file truncated while we sent it, say): the client would wait for
      // the rest and take the next response as body. Closing is the only honest end.
      this.#sink.abort(new Error(`response body of ${this.#bodyBytes} bytes is shorter than its Content-Length ${this.#declaredLength}`));
      return;
    }
    this.#sink.finish(this);
  }

  /** Convenience: status, type and a complete body in one call. */
  send(status: number, body: string | Buffer, contentType = 'text/plain; charset=utf-8'): void {
    this.status = status;
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', contentType);
    this.end(body);
  }

  json(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value) + '\n', 'application/json; charset=utf-8');
  }

  /**
   * Sends an interim response (RFC 9110 §15.2), such as 103 Early Hints, before the final one. Not
   * sent to HTTP/1.0 clients, which do not understand 1xx (§15.2). 100 Continue is the engine's to
   * send (when the body is read) and 101 belongs to a protocol upgrade.
   */
  inform(status: number, headers: Record<string, HeaderValue> = {}): void {
    if (!Number.isInteger(status) || status < 102 || status > 199) throw new RangeError(`inform() takes a 1xx status from 102 to 199, not ${status}`);
    this.#assertOpen();
    if (this.#http10) return;
    let lines = '';
    for (const [name, value] of Object.entries(headers)) {
      for (const v of typeof value === 'object' ? value : [String(value)]) {
        if (unsafeFieldValue(v) || unsafeFieldValue(name)) throw new TypeError(`Invalid header ${JSON.stringify(name)}`);
        lines += `${name}: ${v}\r\n`;
      }
    }
    this.#sink.write(`${statusLine(status)}${lines}\r\n`, 'latin1');
  }

  /**
   * Takes the connection over for another protocol (RFC 9110 §7.8, 101 Switching Protocols): writes
   * `101` with the given fields plus `Connection: Upgrade`, then calls onSwitch with the raw socket
   * and any bytes already received after this request (they belong to the new protocol). From then
   * on the HTTP engine never reads nor writes that socket; the server still counts the connection
   * (cap, status page) until it closes, and its graceful shutdown calls the returned `shutdown()`.
   * `fields` must carry `Upgrade` naming protocols the request's own Upgrade field offered. Allowed
   * once, before any other head, for an HTTP/1.1 request whose body is absent or already read;
   * otherwise throws and nothing is sent. Fields set earlier with setHeader are not part of a 101.
   */
  switchProtocols(fields: Record<string, HeaderValue>, onSwitch: SwitchHandler): void {
    this.#assertOpen();
    const sink = this.#sink;
    if (sink.switchProtocols === undefined) throw new Error('switchProtocols: this connection cannot switch protocols');
    let lines = '';
    let protocols: string[] | null = null;
    for (const [name, value] of Object.entries(fields)) {
      const lower = name.toLowerCase();
      // Connection is ours (always "Upgrade"); framing fields mean nothing on a 101 (RFC 9110 §15.2).
      if (lower === 'connection' || lower === 'content-length' || lower === 'transfer-encoding') throw new TypeError(`switchProtocols: ${name} is the engine's to write`);
      for (const v of typeof value === 'object' ? value : [String(value)]) {
        if (unsafeFieldValue(v) || unsafeFieldValue(name)) throw new TypeError(`Invalid header ${JSON.stringify(name)}`);
        if (lower === 'upgrade') (protocols ??= []).push(...v.split(',').map((p) => p.trim()).filter((p) => p !== ''));
        lines += `${name}: ${v}\r\n`;
      }
    }
    // RFC 9110 §7.8: a 101 MUST carry Upgrade saying which protocol(s) the connection switches to.
    if (protocols === null || protocols.length === 0) throw new TypeError('switchProtocols: fields must include Upgrade naming the new protocol');
    sink.switchProtocols(this, protocols, `${statusLine(101)}${lines}Connection: Upgrade\r\n\r\n`, onSwitch);
    this.status = 101;
    this.#headersSent = true;
    this.#finished = true;
    this.#keepAlive = false;
  }

  /** Resolves when the socket can take more (immediately when it can now). */
  drained(): Promise<void> {
    return new Promise((resolve) => this.#sink.onDrain(resolve));
  }

  /**
   * Streams a body from a readable, honouring backpressure both ways: the source is paused while the
   * socket's buffer is full, so a slow client never makes us hold a whole file. Ends the response.
   */
  async stream(source: Readable): Promise<void> {
    if (!this.#headersSent) this.#sendHead(-1);
    if (this.#noBody) {
      source.destroy();
      this.end();
      return;
    }
    try {
      for await (const chunk of source as AsyncIterable<Buffer | string>) {
        if (this.#sink.closed) {
          source.destroy();
          return;
        }
        if (!this.write(chunk)) await this.drained();
      }
    } catch (error) {
      this.#sink.abort(error as Error);
      return;
    }
    this.end();
  }

  /** A Writable view of the body, for stream.pipeline(). Created on first use. */
  get writable(): Writable {
    this.#writable ??= new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.write(chunk)) done();
        else this.#sink.onDrain(() => done());
      },
      final: (done) => {
        this.end();
        done();
      },
    });
    return this.#writable;
  }

  /**
   * The fast path for a response known in full: `fieldLines` are preformatted "Name: value\r\n" lines
   * (including Content-Length when there is a body), computed once per cached file. Headers set
   * earlier with setHeader (security headers, CORS) are added before them; Date, Server and
   * Connection are ours as always. Head and body go to the socket in one write. Ends the
   * response. `body` is ignored for HEAD and for statuses that carry none.
   */
  sendPrepared(status: number, fieldLines: string, body: Buffer | null): void {
    this.#assertOpen();
    this.status = status;
    this.#noBody = this.#isHead || statusForbidsBody(status);
    this.#preparedHead = true;
    this.#prepared = fieldLines;
    let drops = false;
    let bytes = 0;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) {
      if (this.#drops(framingName(fields[i]!))) drops = true;
      else bytes += fields[i]!.length + fields[i + 1]!.length + 4;
    }
    this.#dropsFields = drops;
    this.#fieldBytes = bytes;
    this.#connLine = this.#connectionLine(this.#sink.keepAliveAfter());
    this.#headersSent = true;
    this.#writeWhole(body ?? undefined);
    this.#finished = true;
    this.#sink.finish(this);
  }

  /**
   * Head and complete body in one write. A small response is assembled as bytes in the slab: the
   * status, Date and Server lines copied from a per-second cache, each field written in place, then
   * the body; no string is made for the head. A large body goes out behind its head, corked with it.
   */
  #writeWhole(data: Buffer | undefined): void {
    const body = data === undefined || this.#noBody ? EMPTY : data;
    if (data !== undefined && !this.#noBody) this.#bodyBytes += data.length;
    const prefix = headPrefixBytes(this.status, this.#sink.serverName, currentHttpDate());
    const headSize = this.#headSize(prefix);
    const size = headSize + body.length;
    if (body.length <= MAX_COALESCE_BYTES && size <= SLAB_BYTES) {
      if (slabUsed + size > SLAB_BYTES) {
        slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
        slabUsed = 0;
      }
      const start = slabUsed;
      const headEnd = this.#headInto(slab, start, headSize, prefix);
      if (body.length > 0) slab.set(body, headEnd);
      this.#sink.write(slab.subarray(start, start + size));
      if (this.#sink.flushed !== true) slabUsed = start + size;
      return;
    }
    const head = this.#headBuffer(prefix, headSize);
    if (body.length === 0) {
      this.#sink.write(head);
      return;
    }
    this.#sink.cork();
    this.#sink.write(head);
    this.#sink.write(body);
    this.#sink.uncork();
  }

  /** A handler's field the head leaves out (given framingName of it): framing and Connection are
   * ours (RFC 9112 §6.1, §9.6), and there is no Content-Length in a 1xx or 204 (RFC 9110 §8.6) nor
   * beside prepared lines. */
  #drops(lower: string): boolean {
    if (lower === 'connection' || lower === 'transfer-encoding') return true;
    return lower === 'content-length' && (this.#preparedHead || this.status < 200 || this.status === 204);
  }

  /** Bytes of the decided head (RFC 9112 §4, §5) after the given prefix (#fieldBytes counts the
   * handler's fields that are kept). */
  #headSize(prefix: Buffer): number {
    let n = prefix.length + this.#fieldBytes + this.#prepared.length + this.#connLine.length + 2;
    if (this.#addLength !== '') n += CONTENT_LENGTH.length + this.#addLength.length + 2;
    if (this.#chunked) n += CHUNKED_LINE.length;
    return n;
  }

  /** The decided head in a buffer of its own. */
  #headBuffer(prefix: Buffer, headSize: number): Buffer {
    const head = Buffer.allocUnsafe(headSize);
    this.#headInto(head, 0, headSize, prefix);
    return head;
  }

  /** Writes the decided head, headSize bytes (#headSize), into buf at `at`; returns the offset after it. */
  #headInto(buf: Buffer, at: number, headSize: number, prefix: Buffer): number {
    buf.set(prefix, at);
    let p = at + prefix.length;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) {
      if (this.#dropsFields && this.#drops(framingName(fields[i]!))) continue;
      p = putLatin1(buf, p, fields[i]!);
      buf[p++] = COLON;
      buf[p++] = SP;
      p = putLatin1(buf, p, fields[i + 1]!);
      buf[p++] = CR;
      buf[p++] = LF;
    }
    if (this.#addLength !== '') {
      p = putLatin1(buf, putLatin1(buf, p, CONTENT_LENGTH), this.#addLength);
      buf[p++] = CR;
      buf[p++] = LF;
    }
    if (this.#chunked) p = putLatin1(buf, p, CHUNKED_LINE);
    p = putLatin1(buf, putLatin1(buf, p, this.#prepared), this.#connLine);
    buf[p++] = CR;
    buf[p++] = LF;
    // #headSize and #headInto must agree, or the bytes sent would not be the head we built.
    if (p !== at + headSize) throw new Error(`response head is ${p - at} bytes, not the ${headSize} counted`);
    return p;
  }

  #connectionLine(keepAlive: boolean): string {
    this.#keepAlive = keepAlive;
    if (!keepAlive) return 'Connection: close\r\n';
    return this.#http10 ? 'Connection: keep-alive\r\n' : '';
  }

  /** The head of a streamed body, written on its own. */
  #sendHead(knownLength: number): void {
    this.#decideHead(knownLength);
    const prefix = headPrefixBytes(this.status, this.#sink.serverName, currentHttpDate());
    this.#sink.write(this.#headBuffer(prefix, this.#headSize(prefix)));
  }

  /** Decides framing and keep-alive and marks the head as sent; #headInto writes it. */
  #decideHead(knownLength: number): void {
    const status = this.status;
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`Invalid status ${status}`);
    // A 1xx is never final (RFC 9110 §15.2): sent as one, the client would wait for the real answer.
    if (status < 200 && status !== 101) throw new RangeError(`${status} is an interim status: use inform()`);
    this.#noBody = this.#isHead || statusForbidsBody(status);
    let hasLength = false;
    let declared = -1;
    let drops = false;
    let bytes = 0;
    // A handler may ask to close (RFC 9112 §9.6), e.g. after refusing a large upload midway; the
    // header itself is still ours to write.
    let handlerClose = false;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i]!;
      const lower = framingName(name);
      if (this.#drops(lower)) {
        drops = true;
        if (lower === 'connection' && /(?:^|,)\s*close\s*(?:,|$)/i.test(fields[i + 1]!)) handlerClose = true;
        continue;
      }
      if (lower === 'content-length') {
        hasLength = true;
        declared = Number(fields[i + 1]);
      }
      bytes += name.length + fields[i + 1]!.length + 4;
    }
    if (hasLength && !this.#noBody) {
      if (!Number.isSafeInteger(declared) || declared < 0) throw new RangeError(`Invalid Content-Length ${JSON.stringify(this.getHeader('content-length'))}`);
      // end(body) with a declared length that does not match: refuse before anything is sent.
      if (knownLength >= 0 && knownLength !== declared) throw new RangeError(`Content-Length ${declared} does not match the ${knownLength}-byte body`);
      this.#declaredLength = declared;
    }
    let keepAlive = !handlerClose && this.#sink.keepAliveAfter();
    if (!hasLength && status >= 200 && status !== 204 && status !== 304) {
      if (knownLength >= 0) {
        // A HEAD response to end() without a body says nothing about the length: omit it.
        if (!this.#isHead || knownLength > 0) this.#addLength = String(knownLength);
      } else if (!this.#noBody) {
        if (this.#http10) keepAlive = false; // 1.0 has no chunked: the close ends the body
        else this.#chunked = true;
      }
    }
    this.#dropsFields = drops;
    this.#fieldBytes = bytes;
    this.#connLine = this.#connectionLine(keepAlive);
    this.#headersSent = true;
  }

  #checkLength(bytes: number): void {
    if (this.#declaredLength >= 0 && this.#bodyBytes + bytes > this.#declaredLength) {
      throw new RangeError(`response body exceeds its Content-Length ${this.#declaredLength}`);
    }
  }

  #find(name: string): number {
    const lower = name.toLowerCase();
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i]!.length === lower.length && fields[i]!.toLowerCase() === lower) return i;
    }
    return -1;
  }

  #assertOpen(): void {
    if (this.#headersSent) throw new Error('Cannot change headers after they are sent');
  }
}
