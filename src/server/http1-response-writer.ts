// The HTTP/1.1 side of a Response (RFC 9112): the head as bytes, the framing of the body, the
// Connection line and the 101 of a protocol switch. One writer per connection serves its responses
// in turn (HTTP/1.1 sends one at a time), so a response costs no writer of its own.
//
// Framing (RFC 9112 §6): a known length becomes Content-Length; an unknown one becomes chunked for a
// 1.1 client and a close-delimited body for a 1.0 client.

import { headPrefixBytes, putLatin1, statusLine } from '../http1/response-head.ts';
import { chunkHeader, CHUNK_END, LAST_CHUNK } from '../http1/chunked.ts';
import { currentHttpDate } from './date-header.ts';
import { dropsField, framingName, HEAD_CLOSE, HEAD_NO_BODY, HEAD_STREAMED, type PreparedFields, type ResponseWire, type SwitchHandler, type WireResponse } from './response-wire.ts';
import type { ExchangeTrace } from '../trace/exchange-trace.ts';
import { statusForbidsBody } from '../http1/status.ts';

/** What the writer needs from its connection. */
export interface Http1Sink {
  readonly serverName: string;
  /** Writes to the socket; false means the socket's buffer is full (wait for onDrain). */
  write(data: string | Buffer, encoding?: BufferEncoding): boolean;
  cork(): void;
  uncork(): void;
  onDrain(callback: () => void): void;
  /** Whether the connection can stay open after this response (asked when the head is written). */
  keepAliveAfter(): boolean;
  /** The response is complete (all bytes handed to the socket). */
  finish(response: WireResponse): void;
  /** Something went wrong after the head was sent: the only honest answer is to close. */
  abort(error: Error): void;
  readonly closed: boolean;
  /** True when the socket holds no unwritten bytes (everything written so far is in the kernel). */
  readonly flushed?: boolean;
  /** Writes the 101 head and hands the socket over (see Response#switchProtocols); throws when the
   * request cannot switch. Absent on sinks that cannot switch. */
  switchProtocols?(response: WireResponse, protocols: readonly string[], head: string, onSwitch: SwitchHandler): void;
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
const COLON = 0x3a;
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const CONTENT_LENGTH = 'Content-Length: ';
const CHUNKED_LINE = 'Transfer-Encoding: chunked\r\n';

export class Http1ResponseWriter implements ResponseWire {
  readonly #sink: Http1Sink;
  /** The request being answered is HTTP/1.0 (set by the connection per request). */
  http10 = false;
  /** The exchange's record while someone watches (set by the connection per request), else null. */
  trace: ExchangeTrace | null = null;
  // The head being written, as decided by sendHead.
  #chunked = false;
  #noBody = false;
  #addLength = ''; // the value of a Content-Length line of ours ('' for none)
  #prepared = '';
  #preparedHead = false;
  #connLine = '';
  #dropsFields = false;
  #fieldBytes = 0; // bytes of the handler's field lines that are kept

  constructor(sink: Http1Sink) {
    this.#sink = sink;
  }

  get closed(): boolean {
    return this.#sink.closed;
  }

  get flushed(): boolean {
    return this.#sink.flushed === true;
  }

  onDrain(callback: () => void): void {
    this.#sink.onDrain(callback);
  }

  cork(): void {
    this.#sink.cork();
  }

  uncork(): void {
    this.#sink.uncork();
  }

  finish(res: WireResponse): void {
    this.#sink.finish(res);
  }

  abort(error: Error): void {
    this.#sink.abort(error);
  }

  sendHead(res: WireResponse, flags: number, length: string, prepared: PreparedFields | string | null, body: Buffer | null): boolean {
    const keepAlive = this.#decide(res, flags, length, prepared);
    // A body that follows in writeBody() calls goes out behind a head of its own.
    if (body === null) this.#writeHeadAlone(res);
    else this.#writeWhole(res, this.#noBody ? EMPTY : body);
    return keepAlive;
  }

  /** Decides the head's framing lines and their size; returns whether the connection stays open. */
  #decide(res: WireResponse, flags: number, length: string, prepared: PreparedFields | string | null): boolean {
    const status = res.status;
    this.#noBody = (flags & HEAD_NO_BODY) !== 0;
    this.#addLength = length;
    this.#preparedHead = prepared !== null;
    this.#prepared = prepared === null ? '' : typeof prepared === 'string' ? prepared : prepared.lines;
    // The handler's fields as lines: their bytes, less any field the head leaves out (dropsField),
    // found in this one pass (#headInto skips the same ones only when there are any).
    let drops = false;
    let bytes = 0;
    const fields = res.headerList;
    for (let i = 0; i < fields.length; i += 2) {
      if (dropsField(framingName(fields[i]!), status, this.#preparedHead)) {
        drops = true;
        continue;
      }
      bytes += fields[i]!.length + fields[i + 1]!.length + 4;
    }
    this.#dropsFields = drops;
    this.#fieldBytes = bytes;
    let keepAlive = (flags & HEAD_CLOSE) === 0 && this.#sink.keepAliveAfter();
    this.#chunked = false;
    if ((flags & HEAD_STREAMED) !== 0 && !this.#noBody) {
      if (this.http10) keepAlive = false; // 1.0 has no chunked: the close ends the body
      else this.#chunked = true;
    }
    this.#connLine = !keepAlive ? 'Connection: close\r\n' : this.http10 ? 'Connection: keep-alive\r\n' : '';
    if (this.trace !== null) this.#explain(this.trace, res, flags, length);
    return keepAlive;
  }

  /** The framing and connection decisions of #decide, in words (only while someone traces). */
  #explain(trace: ExchangeTrace, res: WireResponse, flags: number, length: string): void {
    if ((flags & HEAD_CLOSE) !== 0) trace.decide('close-response');
    if (this.#noBody) {
      if (statusForbidsBody(res.status)) trace.decide('no-content-status', res.status);
      else trace.decide('no-content-head');
    } else if (this.#chunked) trace.decide('chunked');
    else if ((flags & HEAD_STREAMED) !== 0) trace.decide('close-delimited');
    else {
      let declared = length;
      const fields = res.headerList;
      for (let i = 0; declared === '' && i < fields.length; i += 2) if (framingName(fields[i]!) === 'content-length') declared = fields[i + 1]!;
      if (declared === '') declared = /^content-length: *(\d+)/im.exec(this.#prepared)?.[1] ?? '';
      if (declared !== '') trace.decide('length', Number(declared));
    }
  }

  #writeHeadAlone(res: WireResponse): void {
    const prefix = headPrefixBytes(res.status, this.#sink.serverName, currentHttpDate());
    const head = this.#headBuffer(res, prefix, this.#headSize(prefix));
    this.trace?.responseHead(head.toString('latin1'), performance.now());
    this.#sink.write(head);
  }


  writeBody(data: Buffer): boolean {
    this.trace?.body(data);
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

  endBody(last: Buffer | null, trailers: readonly string[] | null = null): void {
    if (!this.#chunked || this.#noBody) {
      // A Content-Length or close-delimited body has no trailer section: trailers are dropped.
      if (last !== null) {
        this.trace?.body(last);
        this.#sink.write(last);
      }
      return;
    }
    // The last chunk and the end of the body in one writev; trailers are the field lines after the
    // last chunk (RFC 9112 §7.1.2).
    this.#sink.cork();
    try {
      if (last !== null) this.writeBody(last);
      if (trailers === null || trailers.length === 0) this.#sink.write(LAST_CHUNK, 'latin1');
      else {
        let lines = '0\r\n';
        for (let i = 0; i < trailers.length; i += 2) lines += `${trailers[i]}: ${trailers[i + 1]}\r\n`;
        this.#sink.write(`${lines}\r\n`, 'latin1');
      }
    } finally {
      this.#sink.uncork();
    }
  }

  inform(status: number, fields: readonly string[]): void {
    // RFC 9110 §15.2: not sent to HTTP/1.0 clients, which do not understand 1xx.
    if (this.http10) return;
    let lines = '';
    for (let i = 0; i < fields.length; i += 2) lines += `${fields[i]}: ${fields[i + 1]}\r\n`;
    const head = `${statusLine(status)}${lines}\r\n`;
    this.trace?.interim(head);
    this.#sink.write(head, 'latin1');
  }

  switchProtocols(res: WireResponse, protocols: readonly string[], fields: readonly string[], onSwitch: SwitchHandler): void {
    if (this.#sink.switchProtocols === undefined) throw new Error('switchProtocols: this connection cannot switch protocols');
    let lines = '';
    for (let i = 0; i < fields.length; i += 2) lines += `${fields[i]}: ${fields[i + 1]}\r\n`;
    this.#sink.switchProtocols(res, protocols, `${statusLine(101)}${lines}Connection: Upgrade\r\n\r\n`, onSwitch);
  }

  /**
   * Head and complete body in one write. A small response is assembled as bytes in the slab: the
   * status, Date and Server lines copied from a per-second cache, each field written in place, then
   * the body; no string is made for the head. A large body goes out behind its head, corked with it.
   */
  #writeWhole(res: WireResponse, body: Buffer): void {
    const prefix = headPrefixBytes(res.status, this.#sink.serverName, currentHttpDate());
    const headSize = this.#headSize(prefix);
    const size = headSize + body.length;
    if (body.length <= MAX_COALESCE_BYTES && size <= SLAB_BYTES) {
      if (slabUsed + size > SLAB_BYTES) {
        slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
        slabUsed = 0;
      }
      const start = slabUsed;
      const headEnd = this.#headInto(res, slab, start, headSize, prefix);
      if (this.trace !== null) this.#traceWhole(this.trace, slab.toString('latin1', start, headEnd), body);
      if (body.length > 0) slab.set(body, headEnd);
      this.#sink.write(slab.subarray(start, start + size));
      if (this.#sink.flushed !== true) slabUsed = start + size;
      return;
    }
    const head = this.#headBuffer(res, prefix, headSize);
    if (this.trace !== null) this.#traceWhole(this.trace, head.toString('latin1'), body);
    if (body.length === 0) {
      this.#sink.write(head);
      return;
    }
    this.#sink.cork();
    this.#sink.write(head);
    this.#sink.write(body);
    this.#sink.uncork();
  }

  #traceWhole(trace: ExchangeTrace, head: string, body: Buffer): void {
    trace.responseHead(head, performance.now());
    trace.body(body);
  }

  /** Bytes of the decided head (RFC 9112 §4, §5) after the given prefix. */
  #headSize(prefix: Buffer): number {
    let n = prefix.length + this.#fieldBytes + this.#prepared.length + this.#connLine.length + 2;
    if (this.#addLength !== '') n += CONTENT_LENGTH.length + this.#addLength.length + 2;
    if (this.#chunked) n += CHUNKED_LINE.length;
    return n;
  }

  /** The decided head in a buffer of its own. */
  #headBuffer(res: WireResponse, prefix: Buffer, headSize: number): Buffer {
    const head = Buffer.allocUnsafe(headSize);
    this.#headInto(res, head, 0, headSize, prefix);
    return head;
  }

  /** Writes the decided head, headSize bytes (#headSize), into buf at `at`; returns the offset after it. */
  #headInto(res: WireResponse, buf: Buffer, at: number, headSize: number, prefix: Buffer): number {
    buf.set(prefix, at);
    let p = at + prefix.length;
    const fields = res.headerList;
    const status = res.status;
    for (let i = 0; i < fields.length; i += 2) {
      if (this.#dropsFields && dropsField(framingName(fields[i]!), status, this.#preparedHead)) continue;
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
}
