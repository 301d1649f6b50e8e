// Sans-IO HTTP/1.1 response parser (RFC 9112), the upstream side of the proxy. Bytes go in through
// push(), events come out through the sink; no sockets, no timers.
//
// Theory of operation
// - A response only makes sense against the request it answers: expect(method) arms the parser for
//   the next response (HEAD changes the framing, RFC 9112 §6.3 rule 1). Bytes that arrive while no
//   response is expected are held, not parsed: an upstream talking out of turn is the pool's to
//   notice (pendingBytes) and the connection is then not reused.
// - Interim responses (1xx other than 101) are reported with onInform and parsing goes on to the
//   final response (RFC 9110 §15.2). A 101 ends HTTP on the connection: onHead, onEnd, and every
//   later byte belongs to the new protocol (takePending()).
// - Framing follows RFC 9112 §6.3 in order: no body for HEAD, 1xx, 204 and 304; chunked when
//   Transfer-Encoding ends in chunked; Content-Length; otherwise the body runs to the close of the
//   connection (finish() ends it). The refusals the request parser has for ambiguous framing hold
//   here too (CL with TE, differing lengths, chunked not final, bare LF, obs-fold): an upstream
//   must not be able to make us read its bytes differently from a downstream client.
// - Line handling, field checks, chunk-size and extension rules are the request parser's building
//   blocks (chars.ts tables, chunked.ts, framing.ts); the state machine is this file's own.
// - Any violation ends in DEAD with one onError(ParseError); nothing an upstream sends makes push()
//   throw.

import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TCHAR } from './chars.ts';
import { ParseError, type ParseErrorCode } from './errors.ts';
import { decideFraming } from './framing.ts';
import { MAX_CHUNK_LINE_BYTES, chunkSizeOf } from './chunked.ts';
import { commonFieldName } from './field-names.ts';

export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

export interface ResponseHead {
  status: number;
  reason: string;
  versionMinor: number;
  /** Field lines as received: name, value, … (values trimmed of OWS). */
  rawHeaders: string[];
  framing: BodyFraming;
  /** The body length for 'length', 0 for 'none', -1 otherwise. */
  contentLength: number;
  /** Whether the connection can carry another request after this response (RFC 9112 §9.3). */
  keepAlive: boolean;
}

export interface ResponseSink {
  /** An interim response (100, 103, …): the final one still follows. */
  onInform(status: number, rawHeaders: string[]): void;
  onHead(head: ResponseHead): void;
  onData(chunk: Buffer): void;
  onTrailers(rawTrailers: string[]): void;
  onEnd(): void;
  onError(error: ParseError): void;
}

export interface ResponseParserLimits {
  maxStatusLineBytes: number;
  /** Largest header section (and trailer section), in bytes. */
  maxHeaderBytes: number;
  maxHeaderCount: number;
  /** Interim responses allowed before the final one (a 1xx flood must end). */
  maxInformational: number;
}

export const DEFAULT_RESPONSE_LIMITS: Readonly<ResponseParserLimits> = {
  maxStatusLineBytes: 8 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxHeaderCount: 200,
  maxInformational: 16,
};


const S_IDLE = 0; // no response expected
const S_STATUS_LINE = 1;
const S_HEADERS = 2;
const S_BODY_FIXED = 3;
const S_BODY_CLOSE = 4;
const S_CHUNK_SIZE = 5;
const S_CHUNK_DATA = 6;
const S_CHUNK_DATA_END = 7;
const S_TRAILERS = 8;
const S_UPGRADED = 9;
const S_DEAD = 10;
type State = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

const EMPTY = Buffer.alloc(0);

const latin1 = (buf: Buffer, start: number, end: number): string =>
  (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(start, end);

export class ResponseParser {
  readonly #sink: ResponseSink;
  readonly #limits: ResponseParserLimits;
  #state: State = S_IDLE;
  #lineBuf: Buffer = EMPTY;
  #lineLen = 0;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #running = false;

  #isHead = false;
  #informs = 0;
  #headBytes = 0;
  #status = 0;
  #reason = '';
  #versionMinor = 1;
  #fields: string[] = [];
  #remaining = 0;

  constructor(sink: ResponseSink, limits: Partial<ResponseParserLimits> = {}) {
    this.#sink = sink;
    this.#limits = { ...DEFAULT_RESPONSE_LIMITS, ...limits };
  }

  get dead(): boolean {
    return this.#state === S_DEAD;
  }

  /** True when no response is being parsed (before expect(), or after one ended). */
  get idle(): boolean {
    return this.#state === S_IDLE;
  }

  /** Bytes received and not parsed: while idle (an upstream speaking out of turn) or after a 101. */
  get pendingBytes(): number {
    return this.#heldBytes;
  }

  /** True while a response has begun and not ended. */
  get midMessage(): boolean {
    const s = this.#state;
    return s !== S_IDLE && s !== S_DEAD && s !== S_UPGRADED && (s !== S_STATUS_LINE || this.#lineLen > 0 || this.#informs > 0);
  }

  /** Arms the parser for the response to a request with this method (a response to HEAD has no
   * content, RFC 9112 §6.3 rule 1). */
  expect(method: string): void {
    if (this.#state !== S_IDLE) throw new Error(`ResponseParser.expect() while ${this.midMessage ? 'a response is being parsed' : 'not idle'}`);
    this.#isHead = method === 'HEAD';
    this.#informs = 0;
    this.#resetMessage();
    this.#state = S_STATUS_LINE;
    if (this.#running) return;
    const held = this.#takeHeld();
    if (held !== null) this.#run(held);
  }

  push(chunk: Buffer): void {
    if (this.#state === S_DEAD || chunk.length === 0) return;
    if (this.#state === S_IDLE || this.#state === S_UPGRADED || this.#running) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      return;
    }
    this.#run(chunk);
  }

  /**
   * The upstream closed its side. Ends a close-delimited body (RFC 9112 §6.3 rule 8); anywhere else
   * inside a response it is an incomplete message (§8).
   */
  finish(): void {
    const s = this.#state;
    if (s === S_BODY_CLOSE) {
      this.#state = S_IDLE;
      this.#sink.onEnd();
    } else if (s !== S_IDLE && s !== S_DEAD && s !== S_UPGRADED) {
      this.#fail('INCOMPLETE_RESPONSE');
    }
  }

  /** Bytes held and never parsed (those after a 101 belong to the new protocol). */
  takePending(): Buffer {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    return held.length === 1 ? held[0]! : Buffer.concat(held);
  }

  #takeHeld(): Buffer | null {
    if (this.#held.length === 0) return null;
    return this.takePending();
  }

  #run(chunk: Buffer): void {
    this.#running = true;
    try {
      let next: Buffer | null = chunk;
      while (next !== null) {
        this.#parse(next);
        next = this.#state === S_IDLE || this.#state === S_DEAD || this.#state === S_UPGRADED ? null : this.#takeHeld();
      }
    } finally {
      this.#running = false;
    }
  }

  #parse(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      const state = this.#state;
      if (state === S_BODY_FIXED || state === S_CHUNK_DATA) {
        const take = Math.min(this.#remaining, len - pos);
        this.#remaining -= take;
        const view = pos === 0 && take === len ? chunk : chunk.subarray(pos, pos + take);
        pos += take;
        this.#sink.onData(view);
        if (this.#remaining === 0 && this.#state === state) {
          if (state === S_BODY_FIXED) this.#finishMessage();
          else this.#state = S_CHUNK_DATA_END;
        }
      } else if (state === S_BODY_CLOSE) {
        this.#sink.onData(pos === 0 ? chunk : chunk.subarray(pos));
        return;
      } else if (state === S_IDLE || state === S_UPGRADED) {
        const rest = pos === 0 ? chunk : chunk.subarray(pos);
        this.#held.unshift(rest);
        this.#heldBytes += rest.length;
        return;
      } else if (state === S_DEAD) {
        return;
      } else {
        pos = this.#readLine(chunk, pos);
      }
    }
  }

  #readLine(chunk: Buffer, pos: number): number {
    const lf = chunk.indexOf(LF, pos);
    if (lf === -1) {
      this.#appendPartial(chunk, pos, chunk.length);
      return chunk.length;
    }
    let buf: Buffer;
    let start: number;
    let end: number;
    if (this.#lineLen === 0) {
      if (!this.#checkLineLimit(lf - pos)) return chunk.length;
      buf = chunk;
      start = pos;
      end = lf;
    } else {
      this.#appendPartial(chunk, pos, lf);
      if (this.#state === S_DEAD) return chunk.length;
      buf = this.#lineBuf;
      start = 0;
      end = this.#lineLen;
      this.#lineLen = 0;
    }
    // RFC 9112 §2.2: CRLF only; a bare LF is a desynchronisation lever between parsers that differ.
    if (end === start || buf[end - 1] !== CR) {
      this.#fail('BARE_LF');
      return chunk.length;
    }
    this.#line(buf, start, end - 1, end - start + 1);
    return lf + 1;
  }

  #appendPartial(chunk: Buffer, from: number, to: number): void {
    const total = this.#lineLen + (to - from);
    if (!this.#checkLineLimit(total)) return;
    if (total > this.#lineBuf.length) {
      const grown = Buffer.allocUnsafe(Math.max(256, total * 2));
      this.#lineBuf.copy(grown, 0, 0, this.#lineLen);
      this.#lineBuf = grown;
    }
    chunk.copy(this.#lineBuf, this.#lineLen, from, to);
    this.#lineLen = total;
  }

  // The bounds of a line still being received: a recipient parses defensively, within a reasonable
  // buffer size (RFC 9110 §2.3).
  #checkLineLimit(lineBytes: number): boolean {
    switch (this.#state) {
      case S_STATUS_LINE:
        return lineBytes > this.#limits.maxStatusLineBytes + 1 ? this.#fail('BAD_STATUS_LINE') : true;
      case S_HEADERS:
      case S_TRAILERS:
        return this.#headBytes + lineBytes > this.#limits.maxHeaderBytes ? this.#fail('RESPONSE_HEADERS_TOO_LARGE') : true;
      case S_CHUNK_SIZE:
        return lineBytes > MAX_CHUNK_LINE_BYTES ? this.#fail('BAD_CHUNK_EXTENSION') : true;
      default:
        return lineBytes > 2 ? this.#fail('BAD_CHUNK_END') : true;
    }
  }

  #line(buf: Buffer, start: number, end: number, lineBytes: number): void {
    switch (this.#state) {
      case S_STATUS_LINE:
        this.#statusLine(buf, start, end);
        return;
      case S_HEADERS:
      case S_TRAILERS:
        this.#headBytes += lineBytes;
        if (this.#headBytes > this.#limits.maxHeaderBytes) return void this.#fail('RESPONSE_HEADERS_TOO_LARGE');
        if (end === start) {
          if (this.#state === S_HEADERS) this.#endOfHead();
          else this.#endOfTrailers();
          return;
        }
        this.#fieldLine(buf, start, end);
        return;
      case S_CHUNK_SIZE:
        this.#chunkSizeLine(buf, start, end);
        return;
      case S_CHUNK_DATA_END:
        if (end !== start) return void this.#fail('BAD_CHUNK_END'); // RFC 9112 §7.1
        this.#state = S_CHUNK_SIZE;
        return;
      default:
        return;
    }
  }

  // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
  // The SP before an empty reason is often left out ("HTTP/1.1 200"): accepted, it cannot change
  // how anything after it is read.
  #statusLine(buf: Buffer, start: number, end: number): void {
    // "HTTP/1.1 200" is 12 bytes; anything shorter cannot be a status line.
    if (end - start < 12) return void this.#fail('BAD_STATUS_LINE');
    if (buf[start] !== 0x48 || buf[start + 1] !== 0x54 || buf[start + 2] !== 0x54 || buf[start + 3] !== 0x50 || buf[start + 4] !== 0x2f) return void this.#fail('BAD_STATUS_LINE');
    const major = buf[start + 5]! - 0x30;
    const minor = buf[start + 7]! - 0x30;
    if (buf[start + 6] !== 0x2e || major < 0 || major > 9 || minor < 0 || minor > 9) return void this.#fail('BAD_STATUS_LINE');
    if (major !== 1) return void this.#fail('UNSUPPORTED_RESPONSE_VERSION');
    if (buf[start + 8] !== SP) return void this.#fail('BAD_STATUS_LINE');
    let status = 0;
    for (let i = start + 9; i < start + 12; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) return void this.#fail('BAD_STATUS_LINE');
      status = status * 10 + d;
    }
    // RFC 9110 §15: three digits, the first 1-5.
    if (status < 100 || status > 599) return void this.#fail('BAD_STATUS_LINE');
    let reason = '';
    if (end > start + 12) {
      if (buf[start + 12] !== SP) return void this.#fail('BAD_STATUS_LINE');
      // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): the field-value characters.
      for (let i = start + 13; i < end; i++) if (FIELD_VALUE[buf[i]!] !== 1) return void this.#fail(buf[i] === CR ? 'BARE_CR' : 'BAD_STATUS_LINE');
      reason = latin1(buf, start + 13, end);
    }
    this.#status = status;
    this.#reason = reason;
    this.#versionMinor = minor === 0 ? 0 : 1;
    this.#state = S_HEADERS;
  }

  // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS
  #fieldLine(buf: Buffer, start: number, end: number): void {
    const first = buf[start];
    if (first === SP || first === HTAB) return void this.#fail('OBS_FOLD'); // RFC 9112 §5.2
    if (this.#fields.length >= this.#limits.maxHeaderCount * 2) return void this.#fail('RESPONSE_TOO_MANY_HEADERS');
    let colon = start;
    while (colon < end && TCHAR[buf[colon]!] === 1) colon++;
    if (colon === end) return void this.#fail('MISSING_COLON');
    const stop = buf[colon]!;
    if (stop !== COLON) {
      if (stop === SP || stop === HTAB) return void this.#fail('SPACE_BEFORE_COLON'); // RFC 9112 §5.1
      if (stop === CR) return void this.#fail('BARE_CR');
      return void this.#fail('BAD_HEADER_NAME');
    }
    if (colon === start) return void this.#fail('BAD_HEADER_NAME');
    const name = commonFieldName(buf, start, colon) ?? latin1(buf, start, colon);
    let vStart = colon + 1;
    let vEnd = end;
    while (vStart < vEnd && (buf[vStart] === SP || buf[vStart] === HTAB)) vStart++;
    while (vEnd > vStart && (buf[vEnd - 1] === SP || buf[vEnd - 1] === HTAB)) vEnd--;
    for (let i = vStart; i < vEnd; i++) {
      if (FIELD_VALUE[buf[i]!] !== 1) return void this.#fail(buf[i] === CR ? 'BARE_CR' : 'BAD_HEADER_VALUE');
    }
    this.#fields.push(name, latin1(buf, vStart, vEnd));
  }

  #endOfHead(): void {
    const status = this.#status;
    const fields = this.#fields;
    this.#headBytes = 0;
    if (status < 200 && status !== 101) {
      // RFC 9110 §15.2: interim; the final response follows on the same connection.
      if (++this.#informs > this.#limits.maxInformational) return void this.#fail('TOO_MANY_INFORMATIONAL');
      this.#fields = [];
      this.#state = S_STATUS_LINE;
      this.#sink.onInform(status, fields);
      return;
    }
    // The same ambiguity checks as for a request, whatever the status: a message that carries
    // CL and TE, or two lengths, is refused even where its body length would be known anyway.
    const framing = decideFraming(fields, this.#versionMinor, Number.MAX_SAFE_INTEGER);
    if (typeof framing === 'string') return void this.#fail(framing === 'BODY_TOO_LARGE' ? 'BAD_CONTENT_LENGTH' : framing);
    const head: ResponseHead = {
      status,
      reason: this.#reason,
      versionMinor: this.#versionMinor,
      rawHeaders: fields,
      framing: 'none',
      contentLength: 0,
      keepAlive: framing.keepAlive,
    };
    if (status === 101) {
      head.keepAlive = false;
      this.#state = S_UPGRADED;
      this.#sink.onHead(head);
      if (this.#state === S_UPGRADED) this.#sink.onEnd();
      return;
    }
    // RFC 9112 §6.3 rule 1: no content after HEAD, 204 or 304, whatever the fields say.
    if (this.#isHead || status === 204 || status === 304) {
      this.#sink.onHead(head);
      if (this.#state === S_HEADERS) this.#finishMessage();
      return;
    }
    if (framing.chunked) {
      head.framing = 'chunked';
      head.contentLength = -1;
      this.#state = S_CHUNK_SIZE;
      this.#sink.onHead(head);
      return;
    }
    if (hasContentLength(fields)) {
      head.framing = 'length';
      head.contentLength = framing.contentLength;
      if (framing.contentLength === 0) {
        this.#sink.onHead(head);
        if (this.#state === S_HEADERS) this.#finishMessage();
        return;
      }
      this.#remaining = framing.contentLength;
      this.#state = S_BODY_FIXED;
      this.#sink.onHead(head);
      return;
    }
    // RFC 9112 §6.3 rule 8: the body is everything until the upstream closes.
    head.framing = 'close';
    head.contentLength = -1;
    head.keepAlive = false;
    this.#state = S_BODY_CLOSE;
    this.#sink.onHead(head);
  }

  // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
  #chunkSizeLine(buf: Buffer, start: number, end: number): void {
    const size = chunkSizeOf(buf, start, end);
    if (typeof size === 'string') return void this.#fail(size === 'CHUNK_TOO_LARGE' ? 'BAD_CHUNK_SIZE' : size);
    if (size === 0) {
      this.#fields = [];
      this.#state = S_TRAILERS;
      return;
    }
    this.#remaining = size;
    this.#state = S_CHUNK_DATA;
  }

  #endOfTrailers(): void {
    if (this.#fields.length > 0) this.#sink.onTrailers(this.#fields);
    if (this.#state === S_TRAILERS) this.#finishMessage();
  }

  #finishMessage(): void {
    this.#state = S_IDLE;
    this.#sink.onEnd();
  }

  #resetMessage(): void {
    this.#headBytes = 0;
    this.#fields = [];
    this.#remaining = 0;
    this.#lineLen = 0;
  }

  #fail(code: ParseErrorCode): false {
    if (this.#state === S_DEAD) return false;
    this.#state = S_DEAD;
    this.#held = [];
    this.#heldBytes = 0;
    this.#lineLen = 0;
    this.#sink.onError(new ParseError(code));
    return false;
  }
}

/** Whether Content-Length is among the fields (decideFraming reports 0 for none and for "0"). */
function hasContentLength(fields: readonly string[]): boolean {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') return true;
  }
  return false;
}
