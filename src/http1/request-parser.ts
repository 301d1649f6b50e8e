// Sans-IO HTTP/1.1 request parser (RFC 9112). Bytes go in through push(); events come out through
// the sink. No sockets, no timers, no clocks.
//
// Theory of operation
// - Everything before the body is line-oriented: the request line, the field lines, chunk-size lines,
//   the CRLF after chunk data and the trailer lines. A line is handed to its state's handler as
//   [start, end) of a buffer, without its CRLF. When a chunk holds the whole line the buffer is the
//   chunk itself (no copy); otherwise the partial line is kept in a growable buffer until its LF comes.
// - Body bytes are handed out as subarray views of the pushed chunk, never copied.
// - After a complete request the parser pauses: later bytes (pipelined requests) are kept, unparsed,
//   until the connection calls resume(). Responses therefore go out in order with no extra bookkeeping.
// - Any violation ends in DEAD with one onError(ParseError) carrying the status to answer; nothing
//   that a peer sends makes push() throw.

import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TARGET_CHAR, TCHAR, allIn, sameBytes } from './chars.ts';
import { ParseError, type ParseErrorCode } from './errors.ts';
import { decideFraming } from './framing.ts';
import { MAX_CHUNK_LINE_BYTES, chunkSizeOf } from './chunked.ts';
import { commonFieldName } from './field-names.ts';
import { type TargetForm, isValidHost, targetForm } from './target.ts';

import { DEFAULT_PARSER_LIMITS, type HeadTap, type ParserLimits, type ParserSink, type RequestHead } from './request-head.ts';

// The parser's vocabulary lives in request-head.ts; importers keep using this module.
export { DEFAULT_PARSER_LIMITS, type HeadTap, type ParserLimits, type ParserSink, type RequestHead } from './request-head.ts';
export type { TargetForm } from './target.ts';

// RFC 9112 §2.2: ignore at least one empty line before a request line; we allow a few, not unbounded.
const MAX_LEADING_EMPTY_LINES = 4;
// A TLS record of type handshake (RFC 8446 §5.1): how a ClientHello begins. No request line can start
// with it (a method is a token, RFC 9110 §9.1). Refused on sight: a ClientHello need not hold an LF,
// nor arrive whole, before its client stops to wait for our reply, and waiting for a line end would
// keep both sides waiting until the header timeout.
const TLS_HANDSHAKE_RECORD = 0x16;

const S_REQUEST_LINE = 0;
const S_HEADERS = 1;
const S_BODY_FIXED = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_DATA_END = 5;
const S_TRAILERS = 6;
const S_PAUSED = 7;
const S_DEAD = 8;
type State = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const EMPTY = Buffer.alloc(0);

// Buffer#latin1Slice is the fastest bytes-to-string path for ASCII protocol text (no encoding lookup).
const latin1 = (buf: Buffer, start: number, end: number): string =>
  (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(start, end);

// Protocol lines are short: a byte loop finds a delimiter in a 20–100-byte line faster than one
// Buffer#indexOf call costs (argument checks and a C++ call, several times per request); a long
// run is left to indexOf's native scan. Returns -1 when byte is not in [from, end).
const SHORT_SCAN = 128;
function indexOfByte(buf: Buffer, byte: number, from: number, end: number): number {
  const stop = Math.min(end, from + SHORT_SCAN);
  for (let i = from; i < stop; i++) if (buf[i] === byte) return i;
  if (stop >= end) return -1;
  const i = buf.indexOf(byte, stop);
  return i === -1 || i >= end ? -1 : i;
}

// A keep-alive client repeats itself: the same target (polling), and field lines that are the same
// bytes request after request (Host, User-Agent, Accept-*, …). A short value equal to the one in the
// same place of the previous request on this connection reuses that string: comparing a few dozen
// bytes in JS costs less than making a string (a call into C++ and an allocation). Longer values are
// sliced as usual: past this length the comparison stops paying for itself.
const MAX_REUSED_BYTES = 64;

// The methods nearly every request uses, as constants: no string is made for them per request.
// Compared byte for byte: a method is case-sensitive (RFC 9110 §9.1), so "get" is not GET.
function methodName(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === 3 && buf[start] === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return 'GET';
  if (n === 4 && buf[start + 1] === 0x45 && buf[start + 2] === 0x41 && buf[start + 3] === 0x44 && buf[start] === 0x48) return 'HEAD';
  if (n === 4 && buf[start] === 0x50 && buf[start + 1] === 0x4f && buf[start + 2] === 0x53 && buf[start + 3] === 0x54) return 'POST';
  return latin1(buf, start, end);
}

// A server hands every connection's parser the same limits object: merged with the defaults once,
// not once per connection.
const RESOLVED_LIMITS = new WeakMap<Partial<ParserLimits>, ParserLimits>();

function resolvedLimits(limits: Partial<ParserLimits>): ParserLimits {
  let resolved = RESOLVED_LIMITS.get(limits);
  if (resolved === undefined) {
    resolved = Object.freeze({ ...DEFAULT_PARSER_LIMITS, ...limits });
    RESOLVED_LIMITS.set(limits, resolved);
  }
  return resolved;
}

export class RequestParser {
  readonly #sink: ParserSink;
  readonly #limits: ParserLimits;
  #state: State = S_REQUEST_LINE;
  /** Sees the head's lines as they come (HeadTap); null unless someone traces. */
  tap: HeadTap | null = null;

  // A line that began in an earlier chunk: bytes [0, #lineLen) of #lineBuf.
  #lineBuf: Buffer = EMPTY;
  #lineLen = 0;
  // Bytes received while paused (or left over at pause), parsed after resume(): a queue of
  // #pending[#pendingHead..]. An index rather than shift(), which copies the array each time: a peer
  // sending many tiny segments must not make draining the queue quadratic.
  #pending: Buffer[] = [];
  #pendingHead = 0;
  #pendingBytes = 0;
  #running = false;

  // Per-message state.
  #emptyLines = 0;
  #headBytes = 0;
  #method = '';
  #target = '';
  #targetForm: TargetForm = 'origin';
  #versionMinor = 1;
  #fields: string[] = [];
  // The previous request's target and field list (name, value, …): see MAX_REUSED_BYTES.
  #prevTarget = '';
  #prevFields: readonly string[] = [];
  #validHost = '';
  #remaining = 0;
  #bodyBytes = 0;

  constructor(sink: ParserSink, limits: Partial<ParserLimits> = {}) {
    this.#sink = sink;
    this.#limits = resolvedLimits(limits);
  }

  /** True after a parse error: the parser takes no more input. */
  get dead(): boolean {
    return this.#state === S_DEAD;
  }

  /** True between a complete request and resume(). */
  get paused(): boolean {
    return this.#state === S_PAUSED;
  }

  /** Bytes held for after resume() (pipelined requests not yet parsed). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** True while the parser is part-way through a message (bytes of it seen, end not yet reached). */
  get midMessage(): boolean {
    const s = this.#state;
    return s !== S_PAUSED && s !== S_DEAD && (s !== S_REQUEST_LINE || this.#lineLen > 0 || this.#emptyLines > 0);
  }

  push(chunk: Buffer): void {
    if (this.#state === S_DEAD || chunk.length === 0) return;
    if (this.#state === S_PAUSED || this.#running) {
      this.#hold(chunk);
      return;
    }
    this.#run(chunk);
  }

  /** Starts on the next message: parses any bytes held since the last one ended. */
  resume(): void {
    if (this.#state !== S_PAUSED) return;
    this.#state = S_REQUEST_LINE;
    this.#resetMessage();
    if (this.#running) return; // the running loop picks the held bytes up
    const next = this.#takeHeld();
    if (next !== undefined) this.#run(next);
  }

  /** Hands back held bytes that were never parsed (for example on a protocol upgrade). */
  takePending(): Buffer {
    const held = this.#pending.slice(this.#pendingHead);
    this.#clearHeld();
    return held.length === 1 ? held[0]! : Buffer.concat(held);
  }

  #accepting(): boolean {
    return this.#state !== S_PAUSED && this.#state !== S_DEAD;
  }

  #hold(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
  }

  /** The rest of the chunk being parsed goes back in front of everything held after it. */
  #holdFirst(chunk: Buffer): void {
    // When that chunk came from the queue its slot is free; otherwise the queue holds only bytes
    // pushed from a callback during this run, a short array.
    if (this.#pendingHead > 0) this.#pending[--this.#pendingHead] = chunk;
    else this.#pending.unshift(chunk);
    this.#pendingBytes += chunk.length;
  }

  #takeHeld(): Buffer | undefined {
    if (this.#pendingHead === this.#pending.length) return undefined;
    const chunk = this.#pending[this.#pendingHead]!;
    this.#pending[this.#pendingHead++] = EMPTY; // let the chunk be collected once parsed
    this.#pendingBytes -= chunk.length;
    if (this.#pendingHead === this.#pending.length) this.#clearHeld();
    return chunk;
  }

  #clearHeld(): void {
    this.#pending = [];
    this.#pendingHead = 0;
    this.#pendingBytes = 0;
  }

  /** Parses chunk, then every chunk held meanwhile, in arrival order, until paused or dead. */
  #run(first: Buffer): void {
    this.#running = true;
    try {
      let chunk: Buffer | undefined = first;
      while (chunk !== undefined) {
        this.#parse(chunk);
        // A loop, not a recursion: thousands of small held chunks must not grow the stack.
        chunk = this.#accepting() ? this.#takeHeld() : undefined;
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
        if (this.#remaining === 0) {
          if (state === S_BODY_FIXED) this.#finishMessage();
          else this.#state = S_CHUNK_DATA_END;
        }
      } else if (state === S_PAUSED) {
        // The rest of this chunk came before anything held meanwhile (bytes pushed from a
        // callback, or later chunks when resume() runs the held ones): it goes first.
        this.#holdFirst(pos === 0 ? chunk : chunk.subarray(pos));
        return;
      } else if (state === S_DEAD) {
        return;
      } else {
        pos = this.#readLine(chunk, pos);
      }
    }
  }

  /** Finds the next LF from pos; hands a complete line to its handler. Returns the new position. */
  #readLine(chunk: Buffer, pos: number): number {
    const lf = indexOfByte(chunk, LF, pos, chunk.length);
    if (lf === -1) {
      this.#appendPartial(chunk, pos, chunk.length);
      return chunk.length;
    }
    let buf: Buffer;
    let start: number;
    let end: number;
    if (this.#lineLen === 0) {
      // The same limit a line arriving in pieces meets, so that the outcome (and the error code)
      // does not depend on how the bytes were chunked.
      if (!this.#checkLineLimit(lf - pos, chunk[pos]!)) return chunk.length;
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
    if (this.tap !== null && this.#state <= S_HEADERS) this.tap.headLine(buf, start, end);
    // RFC 9112 §2.2: lines end in CRLF. A bare LF is refused rather than tolerated: lenient line
    // endings are a classic request-smuggling lever between servers that disagree.
    if (end === start || buf[end - 1] !== CR) {
      this.#fail('BARE_LF');
      return chunk.length;
    }
    this.#line(buf, start, end - 1, end - start + 1);
    return lf + 1;
  }

  #appendPartial(chunk: Buffer, from: number, to: number): void {
    const add = to - from;
    const total = this.#lineLen + add;
    // A line's first byte is checked when the line begins (the rest of it comes later).
    if (!this.#checkLineLimit(total, this.#lineLen === 0 ? chunk[from]! : -1)) return;
    if (total > this.#lineBuf.length) {
      const grown = Buffer.allocUnsafe(Math.max(256, total * 2));
      this.#lineBuf.copy(grown, 0, 0, this.#lineLen);
      this.#lineBuf = grown;
    }
    chunk.copy(this.#lineBuf, this.#lineLen, from, to);
    this.#lineLen = total;
  }

  /** Limits for a line still being received, so that an endless line is refused early; `first` is
   * the line's first byte when this is its beginning, else -1. A request line past the limit gets
   * 414 (RFC 9112 §3), a header section 431 (RFC 6585 §5); a TLS record is refused at once. */
  #checkLineLimit(lineBytes: number, first: number): boolean {
    switch (this.#state) {
      case S_REQUEST_LINE:
        if (first === TLS_HANDSHAKE_RECORD) return this.#fail(this.#limits.tlsHandshakeHint ? 'TLS_HANDSHAKE' : 'BAD_METHOD');
        if (lineBytes > this.#limits.maxRequestLineBytes + 1) return this.#fail('URI_TOO_LONG');
        return true;
      case S_HEADERS:
      case S_TRAILERS:
        if (this.#headBytes + lineBytes > this.#limits.maxHeaderBytes) return this.#fail('HEADERS_TOO_LARGE');
        return true;
      case S_CHUNK_SIZE:
        if (lineBytes > MAX_CHUNK_LINE_BYTES) return this.#fail('BAD_CHUNK_EXTENSION');
        return true;
      default:
        if (lineBytes > 2) return this.#fail('BAD_CHUNK_END');
        return true;
    }
  }

  /** A complete line [start, end) without its CRLF; lineBytes counts the CRLF too. */
  #line(buf: Buffer, start: number, end: number, lineBytes: number): void {
    switch (this.#state) {
      case S_REQUEST_LINE:
        if (end - start > this.#limits.maxRequestLineBytes) {
          this.#fail('URI_TOO_LONG');
          return;
        }
        this.#requestLine(buf, start, end);
        return;
      case S_HEADERS:
      case S_TRAILERS:
        this.#headBytes += lineBytes;
        if (this.#headBytes > this.#limits.maxHeaderBytes) {
          this.#fail('HEADERS_TOO_LARGE');
          return;
        }
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
        // RFC 9112 §7.1: chunk-data is followed by exactly CRLF.
        if (end !== start) {
          this.#fail('BAD_CHUNK_END');
          return;
        }
        this.#state = S_CHUNK_SIZE;
        return;
      default:
        return;
    }
  }

  // RFC 9112 §3: request-line = method SP request-target SP HTTP-version
  #requestLine(buf: Buffer, start: number, end: number): void {
    if (end === start) {
      if (++this.#emptyLines > MAX_LEADING_EMPTY_LINES) this.#fail('BAD_REQUEST_LINE');
      return;
    }
    // One pass for a well-formed line: a token, SP, visible characters, SP, then a valid version.
    // That grammar leaves no room for a CR. Anything else takes the careful path below, which
    // finds the right error (and the same positions for any line this one accepts).
    let sp1 = start;
    while (TCHAR[buf[sp1]!] === 1) sp1++;
    let sp2 = sp1 + 1;
    if (sp1 !== start && sp1 < end && buf[sp1] === SP) while (TARGET_CHAR[buf[sp2]!] === 1) sp2++;
    if (sp1 === start || sp1 >= end || buf[sp1] !== SP || sp2 === sp1 + 1 || sp2 >= end || buf[sp2] !== SP || this.#version(buf, sp2 + 1, end) !== null) {
      this.#badRequestLine(buf, start, end);
      return;
    }

    this.#method = methodName(buf, start, sp1);
    const prev = this.#prevTarget;
    const target = prev.length === sp2 - sp1 - 1 && prev.length <= MAX_REUSED_BYTES && sameBytes(prev, buf, sp1 + 1) ? prev : latin1(buf, sp1 + 1, sp2);
    const form = targetForm(this.#method, target);
    if (form === null) return void this.#fail('BAD_TARGET');
    this.#target = target;
    this.#targetForm = form;
    this.#state = S_HEADERS;
  }

  /** The error for a request line the one-pass check refused, in a fixed order of checks (the
   * grammar of RFC 9112 §3: method SP request-target SP HTTP-version). */
  #badRequestLine(buf: Buffer, start: number, end: number): void {
    const sp1 = indexOfByte(buf, SP, start, end);
    const sp2 = sp1 === -1 ? -1 : indexOfByte(buf, SP, sp1 + 1, end);
    if (sp2 === -1) return void this.#fail('BAD_REQUEST_LINE');
    if (indexOfByte(buf, CR, start, end) !== -1) return void this.#fail('BARE_CR');
    if (sp1 === start) return void this.#fail('BAD_REQUEST_LINE');
    if (!allIn(TCHAR, buf, start, sp1)) return void this.#fail('BAD_METHOD');
    if (sp2 === sp1 + 1) return void this.#fail('BAD_REQUEST_LINE');
    if (!allIn(TARGET_CHAR, buf, sp1 + 1, sp2)) return void this.#fail('BAD_TARGET');
    // The one-pass check only refuses lines that fail one of the checks above.
    this.#fail(this.#version(buf, sp2 + 1, end) ?? 'BAD_REQUEST_LINE');
  }

  // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT
  #version(buf: Buffer, start: number, end: number): ParseErrorCode | null {
    if (end - start !== 8) return 'BAD_VERSION';
    if (buf[start] !== 0x48 || buf[start + 1] !== 0x54 || buf[start + 2] !== 0x54 || buf[start + 3] !== 0x50 || buf[start + 4] !== 0x2f) return 'BAD_VERSION';
    const major = buf[start + 5]! - 0x30;
    const minor = buf[start + 7]! - 0x30;
    if (buf[start + 6] !== 0x2e || major < 0 || major > 9 || minor < 0 || minor > 9) return 'BAD_VERSION';
    if (major !== 1) return 'UNSUPPORTED_VERSION';
    this.#versionMinor = minor === 0 ? 0 : 1; // 1.x with x > 1 is handled as 1.1 (RFC 9110 §6.2)
    return null;
  }

  // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS
  #fieldLine(buf: Buffer, start: number, end: number): void {
    const first = buf[start];
    if (first === SP || first === HTAB) return void this.#fail('OBS_FOLD'); // RFC 9112 §5.2
    const fields = this.#fields;
    const at = fields.length;
    if (at >= this.#limits.maxHeaderCount * 2) return void this.#fail('TOO_MANY_HEADERS');
    // The previous request's field in this place: bytes equal to it were validated then, so the
    // name needs no token scan and the value no character check (see MAX_REUSED_BYTES).
    const prev = this.#prevFields;
    let prevValue: string | null = null;
    let name: string | null = null;
    let colon = start;
    if (at + 1 < prev.length) {
      const prevName = prev[at]!;
      colon = start + prevName.length;
      if (colon < end && buf[colon] === COLON && sameBytes(prevName, buf, start)) {
        name = prevName;
        prevValue = prev[at + 1]!;
      } else colon = start;
    }
    if (name === null) {
      while (colon < end && TCHAR[buf[colon]!] === 1) colon++;
      if (colon === end) return void this.#fail('MISSING_COLON');
      const stop = buf[colon]!;
      if (stop !== COLON) {
        if (stop === SP || stop === HTAB) return void this.#fail('SPACE_BEFORE_COLON'); // RFC 9112 §5.1
        if (stop === CR) return void this.#fail('BARE_CR');
        return void this.#fail('BAD_HEADER_NAME');
      }
      if (colon === start) return void this.#fail('BAD_HEADER_NAME');
      name = commonFieldName(buf, start, colon) ?? latin1(buf, start, colon);
    }
    let vStart = colon + 1;
    let vEnd = end;
    while (vStart < vEnd && (buf[vStart] === SP || buf[vStart] === HTAB)) vStart++;
    while (vEnd > vStart && (buf[vEnd - 1] === SP || buf[vEnd - 1] === HTAB)) vEnd--;
    if (prevValue !== null && prevValue.length === vEnd - vStart && prevValue.length <= MAX_REUSED_BYTES && sameBytes(prevValue, buf, vStart)) {
      fields.push(name, prevValue);
      return;
    }
    for (let i = vStart; i < vEnd; i++) {
      if (FIELD_VALUE[buf[i]!] !== 1) return void this.#fail(buf[i] === CR ? 'BARE_CR' : 'BAD_HEADER_VALUE');
    }
    fields.push(name, latin1(buf, vStart, vEnd));
  }

  #endOfHead(): void {
    const fields = this.#fields;
    const framing = decideFraming(fields, this.#versionMinor, this.#limits.maxBodyBytes);
    if (typeof framing === 'string') return void this.#fail(framing);
    // RFC 9112 §3.2: exactly one Host in an HTTP/1.1 request, with a valid value.
    if (framing.hostCount === 0 && this.#versionMinor === 1) return void this.#fail('MISSING_HOST');
    if (framing.hostCount > 1) return void this.#fail('DUPLICATE_HOST');
    const host = framing.host;
    // Usually the very string the last request on this connection had (reused above), checked then.
    if (host !== this.#validHost) {
      if (!isValidHost(host)) return void this.#fail('BAD_HOST');
      this.#validHost = host;
    }

    this.#prevTarget = this.#target;
    this.#prevFields = fields;
    const head: RequestHead = {
      method: this.#method,
      target: this.#target,
      targetForm: this.#targetForm,
      versionMajor: 1,
      versionMinor: this.#versionMinor,
      httpVersion: this.#versionMinor === 0 ? '1.0' : '1.1',
      rawHeaders: fields,
      contentLength: framing.chunked ? -1 : framing.contentLength,
      chunked: framing.chunked,
      keepAlive: framing.keepAlive,
      expect: framing.expect,
      host,
    };
    this.#headBytes = 0;
    if (framing.chunked) {
      this.#state = S_CHUNK_SIZE;
      this.#sink.onHead(head);
    } else if (framing.contentLength > 0) {
      this.#state = S_BODY_FIXED;
      this.#remaining = framing.contentLength;
      this.#sink.onHead(head);
    } else {
      this.#sink.onHead(head);
      if (this.#state !== S_DEAD) this.#finishMessage();
    }
  }

  // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF ; last-chunk = 1*("0") …
  #chunkSizeLine(buf: Buffer, start: number, end: number): void {
    const size = chunkSizeOf(buf, start, end);
    if (typeof size === 'string') return void this.#fail(size === 'CHUNK_TOO_LARGE' ? 'BODY_TOO_LARGE' : size);
    if (size === 0) {
      // Trailers reuse the field-line code; a fresh list keeps them apart from the head's fields.
      this.#fields = [];
      this.#state = S_TRAILERS;
      return;
    }
    this.#bodyBytes += size;
    if (this.#bodyBytes > this.#limits.maxBodyBytes) return void this.#fail('BODY_TOO_LARGE');
    this.#remaining = size;
    this.#state = S_CHUNK_DATA;
  }

  #endOfTrailers(): void {
    if (this.#fields.length > 0) this.#sink.onTrailers(this.#fields);
    if (this.#state !== S_DEAD) this.#finishMessage();
  }

  #finishMessage(): void {
    this.#state = S_PAUSED;
    this.#sink.onEnd();
  }

  #resetMessage(): void {
    this.#emptyLines = 0;
    this.#headBytes = 0;
    this.#fields = [];
    this.#remaining = 0;
    this.#bodyBytes = 0;
  }

  #fail(code: ParseErrorCode): false {
    if (this.#state === S_DEAD) return false;
    this.#state = S_DEAD;
    this.#clearHeld();
    this.#lineLen = 0;
    this.#sink.onError(new ParseError(code));
    return false;
  }
}
