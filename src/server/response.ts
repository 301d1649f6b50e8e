// The response a handler writes. Headers are kept as a small list; the head is sent once, when the
// first body byte (or end()) goes out, with the body when it is known in full. What is RFC 9110
// semantics stays here (HEAD, 1xx, 204 and 304 never carry content; a declared Content-Length holds
// the body to it); the bytes on the wire and the framing of a body of unknown length are the
// protocol's, behind ResponseWire (HTTP/1.1: http1-response-writer.ts).

import { Writable, type Readable } from 'node:stream';
import { unsafeFieldValue } from '../http1/response-head.ts';
import { statusForbidsBody } from '../http1/status.ts';
import { dropsField, framingName, HEAD_CLOSE, HEAD_NO_BODY, HEAD_STREAMED, type PreparedFields, type ResponseWire, type SwitchHandler } from './response-wire.ts';

export type { SwitchHandler, SwitchedProtocol, ResponseWire } from './response-wire.ts';

const EMPTY = Buffer.alloc(0);
const NONE: readonly string[] = Object.freeze([]);
// Frozen field lists appendFields() has checked: they cannot change afterwards.
const CHECKED_FIELDS = new WeakSet<readonly string[]>();
// keepOnError(): the union of a kept list and another, by identity of both (made once each).
const KEPT_UNIONS = new WeakMap<readonly string[], WeakMap<readonly string[], readonly string[]>>();
// RFC 9110 §6.5.1: fields a recipient needs before the content (framing, routing, controls,
// authentication, how to process the content) must not be trailers.
const NOT_TRAILERS = new Set([
  'content-length', 'transfer-encoding', 'trailer', 'host', 'connection', 'keep-alive', 'upgrade', 'te',
  'content-type', 'content-encoding', 'content-range', 'cache-control', 'expires', 'age', 'date',
  'location', 'retry-after', 'vary', 'set-cookie', 'www-authenticate', 'authorization', 'proxy-authenticate',
]);

export type HeaderValue = string | number | readonly string[];

export class Response {
  status = 200;
  readonly #wire: ResponseWire;
  readonly #isHead: boolean;
  // name, value, name, value, … with names as set; duplicates only through append().
  #fields: string[] = [];
  #headersSent = false;
  #finished = false;
  #noBody = false;
  #keepAlive = true;
  #bodyBytes = 0;
  // The Content-Length a handler declared (-1: none, or no body allowed). Holding the body to it
  // keeps a keep-alive connection in sync: a short or long body would corrupt the next response.
  #declaredLength = -1;
  #writable: Writable | null = null;
  #keptOnError: readonly string[] = NONE;
  #trailers: string[] | null = null;

  constructor(wire: ResponseWire, method: string) {
    this.#wire = wire;
    this.#isHead = method === 'HEAD';
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
    return this.#wire.closed;
  }

  /** True when every body byte written so far has left the process (the socket's queue is empty), so
   * buffers passed to write() may be reused. False when unknown. */
  get flushed(): boolean {
    return this.#wire.flushed;
  }

  /** Gives up on a body that cannot be completed (a read failed mid-way): after the head is out,
   * closing the connection is the only honest answer. */
  abort(error: Error): void {
    this.#wire.abort(error);
  }

  /**
   * The connection closed before this response was complete. For the access log and the metrics,
   * the response then reads as `status` (499 when the client left, nginx's "client closed
   * request") with the body bytes that reached the kernel: those written, less the `unsentBytes`
   * still queued in the socket.
   */
  cutShort(status: number, unsentBytes: number): void {
    this.status = status;
    this.#bodyBytes = Math.max(0, this.#bodyBytes - unsentBytes);
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

  /**
   * Adds to keptOnError; pass one array built once. It is kept as is when it is the only one, and
   * the union of two such arrays is made once and reused (middleware calls this on every request).
   */
  keepOnError(lowerCaseNames: readonly string[]): void {
    const kept = this.#keptOnError;
    if (kept.length === 0) {
      this.#keptOnError = lowerCaseNames;
      return;
    }
    let unions = KEPT_UNIONS.get(kept);
    if (unions === undefined) KEPT_UNIONS.set(kept, (unions = new WeakMap()));
    let union = unions.get(lowerCaseNames);
    if (union === undefined) unions.set(lowerCaseNames, (union = Object.freeze([...kept, ...lowerCaseNames])));
    this.#keptOnError = union;
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

  /**
   * Holds writes back until the matching uncork(), so that the head and the pieces of body written
   * in between (and the end) leave together: one writev over HTTP/1.1 rather than a write each.
   * Calls nest and must pair up (uncork in a finally). A no-op where the wire cannot batch.
   */
  cork(): void {
    this.#wire.cork?.();
  }

  uncork(): void {
    this.#wire.uncork?.();
  }

  /** Writes body bytes; returns false when the caller should wait for drain (see drained()). */
  write(chunk: string | Buffer): boolean {
    if (this.#finished) throw new Error('write after end');
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.#headersSent) this.#sendHead(-1, null);
    if (this.#noBody || data.length === 0) return true;
    this.#checkLength(data.length);
    this.#bodyBytes += data.length;
    return this.#wire.writeBody(data);
  }

  /**
   * Adds trailer fields (RFC 9110 §6.5), sent after the body where the framing has a place for them:
   * over HTTP/2, and over HTTP/1.1 when the body is chunked (no Content-Length of the handler's;
   * a body given whole to end() is then sent chunked too). Elsewhere they are dropped, as a client
   * may drop them anyway: nothing essential belongs in a trailer. Called before the head goes out,
   * it also announces their names in a Trailer field (§6.6.2). Fields the recipient needs before the
   * content (framing, routing, Content-Type, Set-Cookie, …: §6.5.1) are refused.
   */
  addTrailers(fields: Record<string, HeaderValue>): this {
    if (this.#finished) throw new Error('addTrailers after end');
    const list = (this.#trailers ??= []);
    for (const [name, value] of Object.entries(fields)) {
      if (NOT_TRAILERS.has(name.toLowerCase())) throw new TypeError(`${name} cannot be a trailer field (RFC 9110 §6.5.1)`);
      for (const v of typeof value === 'object' ? value : [String(value)]) {
        if (unsafeFieldValue(v) || unsafeFieldValue(name) || name === '') throw new TypeError(`Invalid trailer ${JSON.stringify(name)}`);
        list.push(name, v);
      }
    }
    if (!this.#headersSent) {
      const names: string[] = [];
      for (let i = 0; i < list.length; i += 2) if (!names.some((n) => n.toLowerCase() === list[i]!.toLowerCase())) names.push(list[i]!);
      this.setHeader('Trailer', names.join(', '));
    }
    return this;
  }

  /** Ends the response, optionally with a last (or only) piece of body. */
  end(chunk?: string | Buffer): void {
    if (this.#finished) return;
    const data = chunk === undefined ? undefined : typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.#headersSent && this.#trailers === null) {
      // The whole body is known: framed with Content-Length (unless the handler set one) and sent
      // with its head.
      this.#sendHead(data === undefined ? 0 : data.length, data ?? EMPTY);
    } else {
      // Trailers need a framing with a place after the body: the head goes out as a stream's.
      if (!this.#headersSent) this.#sendHead(-1, null);
      // The last piece goes out with the end of the framing (one write where the wire can).
      let last: Buffer | null = null;
      if (data !== undefined && data.length > 0 && !this.#noBody) {
        this.#checkLength(data.length);
        this.#bodyBytes += data.length;
        last = data;
      }
      this.#wire.endBody(last, this.#noBody ? null : this.#trailers);
    }
    this.#finished = true;
    if (this.#declaredLength > this.#bodyBytes) {
      // Fewer bytes than promised (a file truncated while we sent it, say): the client would wait for
      // the rest and take the next response as body. Closing is the only honest end.
      this.#wire.abort(new Error(`response body of ${this.#bodyBytes} bytes is shorter than its Content-Length ${this.#declaredLength}`));
      return;
    }
    this.#wire.finish(this);
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
    const list: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      for (const v of typeof value === 'object' ? value : [String(value)]) {
        if (unsafeFieldValue(v) || unsafeFieldValue(name)) throw new TypeError(`Invalid header ${JSON.stringify(name)}`);
        list.push(name, v);
      }
    }
    this.#wire.inform(status, list);
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
    const wire = this.#wire;
    if (wire.switchProtocols === undefined) throw new Error('switchProtocols: this connection cannot switch protocols');
    const list: string[] = [];
    let protocols: string[] | null = null;
    for (const [name, value] of Object.entries(fields)) {
      const lower = name.toLowerCase();
      // Connection is ours (always "Upgrade"); framing fields mean nothing on a 101 (RFC 9110 §15.2).
      if (lower === 'connection' || lower === 'content-length' || lower === 'transfer-encoding') throw new TypeError(`switchProtocols: ${name} is the engine's to write`);
      for (const v of typeof value === 'object' ? value : [String(value)]) {
        if (unsafeFieldValue(v) || unsafeFieldValue(name)) throw new TypeError(`Invalid header ${JSON.stringify(name)}`);
        if (lower === 'upgrade') (protocols ??= []).push(...v.split(',').map((p) => p.trim()).filter((p) => p !== ''));
        list.push(name, v);
      }
    }
    // RFC 9110 §7.8: a 101 MUST carry Upgrade saying which protocol(s) the connection switches to.
    if (protocols === null || protocols.length === 0) throw new TypeError('switchProtocols: fields must include Upgrade naming the new protocol');
    wire.switchProtocols(this, protocols, list, onSwitch);
    this.status = 101;
    this.#headersSent = true;
    this.#finished = true;
    this.#keepAlive = false;
  }

  /** Resolves when the socket can take more (immediately when it can now). */
  drained(): Promise<void> {
    return new Promise((resolve) => this.#wire.onDrain(resolve));
  }

  /**
   * Streams a body from a readable, honouring backpressure both ways: the source is paused while the
   * socket's buffer is full, so a slow client never makes us hold a whole file. Ends the response.
   */
  async stream(source: Readable): Promise<void> {
    if (!this.#headersSent) this.#sendHead(-1, null);
    if (this.#noBody) {
      source.destroy();
      this.end();
      return;
    }
    try {
      for await (const chunk of source as AsyncIterable<Buffer | string>) {
        if (this.#wire.closed) {
          source.destroy();
          return;
        }
        if (!this.write(chunk)) await this.drained();
      }
    } catch (error) {
      this.#wire.abort(error as Error);
      return;
    }
    this.end();
  }

  /** A Writable view of the body, for stream.pipeline(). Created on first use. */
  get writable(): Writable {
    this.#writable ??= new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.write(chunk)) done();
        else this.#wire.onDrain(() => done());
      },
      final: (done) => {
        this.end();
        done();
      },
    });
    return this.#writable;
  }

  /**
   * The fast path for a response known in full: `prepared` are fields computed once (per cached
   * file, say; Content-Length included when there is a body), as PreparedFields (every wire picks
   * the form it writes) or as preformatted HTTP/1.1 "Name: value\r\n" lines. Headers set earlier
   * with setHeader (security headers, CORS) are added before them; Date, Server and Connection are
   * the engine's as always. Head and body go out together. Ends the response. `body` is ignored for
   * HEAD and for statuses that carry none.
   */
  sendPrepared(status: number, prepared: PreparedFields | string, body: Buffer | null): void {
    this.#assertOpen();
    this.status = status;
    const noBody = this.#isHead || statusForbidsBody(status);
    this.#noBody = noBody;
    const flags = noBody ? HEAD_NO_BODY : 0;
    this.#headersSent = true;
    const data = body === null || noBody ? EMPTY : body;
    this.#bodyBytes += data.length;
    this.#keepAlive = this.#wire.sendHead(this, flags, '', prepared, data);
    this.#finished = true;
    this.#wire.finish(this);
  }

  /** Decides what RFC 9110 says about the head (a body or none, its declared length, a close asked
   * for) and has the wire send it: with the whole body when `body` is given, else alone. */
  #sendHead(knownLength: number, body: Buffer | null): void {
    const status = this.status;
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`Invalid status ${status}`);
    // A 1xx is never final (RFC 9110 §15.2): sent as one, the client would wait for the real answer.
    if (status < 200 && status !== 101) throw new RangeError(`${status} is an interim status: use inform()`);
    const noBody = this.#isHead || statusForbidsBody(status);
    this.#noBody = noBody;
    let hasLength = false;
    let declared = -1;
    let flags = noBody ? HEAD_NO_BODY : 0;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) {
      const lower = framingName(fields[i]!);
      if (lower === '') continue;
      if (dropsField(lower, status, false)) {
        // A handler may ask to close (RFC 9112 §9.6), e.g. after refusing a large upload midway; the
        // header itself is still the engine's to write.
        if (lower === 'connection' && /(?:^|,)\s*close\s*(?:,|$)/i.test(fields[i + 1]!)) flags |= HEAD_CLOSE;
        continue;
      }
      if (lower === 'content-length') {
        hasLength = true;
        declared = Number(fields[i + 1]);
      }
    }
    if (hasLength && !noBody) {
      if (!Number.isSafeInteger(declared) || declared < 0) throw new RangeError(`Invalid Content-Length ${JSON.stringify(this.getHeader('content-length'))}`);
      // end(body) with a declared length that does not match: refuse before anything is sent.
      if (knownLength >= 0 && knownLength !== declared) throw new RangeError(`Content-Length ${declared} does not match the ${knownLength}-byte body`);
      this.#declaredLength = declared;
    }
    let length = '';
    if (!hasLength && status >= 200 && status !== 204 && status !== 304) {
      if (knownLength >= 0) {
        // A HEAD response to end() without a body says nothing about the length: omit it.
        if (!this.#isHead || knownLength > 0) length = String(knownLength);
      } else if (!noBody) flags |= HEAD_STREAMED;
    }
    this.#headersSent = true;
    let data = body;
    if (data !== null) {
      if (noBody) data = EMPTY;
      else this.#bodyBytes += data.length;
    }
    this.#keepAlive = this.#wire.sendHead(this, flags, length, null, data);
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
