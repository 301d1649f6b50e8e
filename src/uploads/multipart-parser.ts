// A streaming multipart body parser (RFC 2046 §5.1, as profiled for forms by RFC 7578). Sans-IO:
// push(bytes) in any chunking, events out through a sink; no fs, no sockets, no timers.
//
// Theory of operation. RFC 2046 §5.1.1:
//   multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
//                     *encapsulation close-delimiter transport-padding [CRLF epilogue]
//   encapsulation  := delimiter transport-padding CRLF body-part
//   delimiter      := CRLF dash-boundary          dash-boundary := "--" boundary
//   close-delimiter := delimiter "--"             transport-padding := *LWSP-char
// So the whole body is a search for one needle, CRLF "--" boundary. The first dash-boundary may
// open the body with no CRLF before it; we pretend a CRLF was already seen, which makes the preamble
// simply "data of a part nobody reads". After each needle: "--" closes the body, else optional
// padding and CRLF open a part header block, which ends at the first empty line.
//
// Split needles: a needle can straddle any chunk edge. A needle starts with CR and a boundary never
// contains CR (it is taken from a header value, where CR is forbidden), so the only place a partial
// needle can start in a chunk's last bytes is its last CR. We hold back just those bytes as a count
// (`#held`): they are always needle[0, held), so nothing needs to be copied to remember them.
//
// Body bytes are handed out as views (subarray) of the pushed chunks, or of the constant needle for
// held-back bytes that turned out to be data. Neither is ever written to, so a consumer may keep them.

import { FIELD_VALUE, TCHAR } from '../http1/chars.ts';

export const MULTIPART_ERRORS = {
  UNEXPECTED_END: [400, 'The multipart body ended before its closing boundary'],
  BAD_BOUNDARY_LINE: [400, 'A multipart boundary line is followed by something other than CRLF or "--"'],
  BAD_PART_HEADER: [400, 'Malformed header in a multipart part'],
  PART_HEADER_TOO_LARGE: [413, 'A multipart part header block is too large'],
} as const satisfies Record<string, readonly [number, string]>;

export type MultipartErrorCode = keyof typeof MULTIPART_ERRORS;

export class MultipartError extends Error {
  readonly code: MultipartErrorCode;
  readonly status: number;
  constructor(code: MultipartErrorCode, detail?: string) {
    const [status, message] = MULTIPART_ERRORS[code];
    super(detail === undefined ? message : `${message}: ${detail}`);
    this.name = 'MultipartError';
    this.code = code;
    this.status = status;
  }
}

/** A part's header fields as [lower-case name, value] pairs, in order; values are latin1 strings. */
export type PartHeaders = ReadonlyArray<readonly [string, string]>;

export interface MultipartSink {
  onPartBegin(headers: PartHeaders): void;
  onPartData(chunk: Buffer): void;
  onPartEnd(): void;
  /** The close delimiter was seen; anything after it is epilogue and ignored. */
  onEnd(): void;
  /** The body is malformed; the parser takes no more input. */
  onError(error: MultipartError): void;
}

export interface MultipartLimits {
  /** Largest header block of one part, in bytes (RFC 7578 sets none; 16 KiB like Node's head limit). */
  maxPartHeaderBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: Readonly<MultipartLimits> = { maxPartHeaderBytes: 16 * 1024 };

// How much transport padding (RFC 2046 §5.1.1) we skip after a boundary before calling it malformed.
const MAX_PADDING_BYTES = 256;

const S_PREAMBLE = 0;
const S_AFTER_DELIMITER = 1;
const S_AFTER_DASH = 2;
const S_PADDING = 3;
const S_PADDING_CR = 4;
const S_HEADERS = 5;
const S_BODY = 6;
const S_EPILOGUE = 7;
const S_ERROR = 8;

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

export class MultipartParser {
  readonly #sink: MultipartSink;
  readonly #needle: Buffer;
  readonly #maxHeaderBytes: number;
  #state = S_PREAMBLE;
  // needle[0, #held) ended the previous chunk and may be the start of a delimiter.
  #held = 2; // the imaginary CRLF before a dash-boundary that opens the body
  #inPart = false;
  #padding = 0;
  #header: Buffer | null = null;
  #headerLen = 0;

  constructor(boundary: string, sink: MultipartSink, limits: Partial<MultipartLimits> = {}) {
    if (boundary.length === 0 || /[\r\n]/.test(boundary)) throw new TypeError('invalid multipart boundary');
    this.#sink = sink;
    this.#needle = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.#maxHeaderBytes = limits.maxPartHeaderBytes ?? DEFAULT_MULTIPART_LIMITS.maxPartHeaderBytes;
  }

  /** True once the close delimiter has been seen. */
  get done(): boolean {
    return this.#state === S_EPILOGUE;
  }

  get failed(): boolean {
    return this.#state === S_ERROR;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.#state) {
        case S_PREAMBLE:
        case S_BODY:
          pos = this.#scanBody(chunk, pos);
          break;
        case S_AFTER_DELIMITER: {
          const b = chunk[pos++]!;
          if (b === DASH) this.#state = S_AFTER_DASH;
          else if (b === CR) this.#state = S_PADDING_CR;
          else if (b === 0x20 || b === 0x09) {
            this.#padding = 1;
            this.#state = S_PADDING;
          } else return this.#fail('BAD_BOUNDARY_LINE');
          break;
        }
        case S_AFTER_DASH:
          if (chunk[pos++] !== DASH) return this.#fail('BAD_BOUNDARY_LINE');
          this.#state = S_EPILOGUE;
          this.#sink.onEnd();
          break;
        case S_PADDING: {
          const b = chunk[pos++]!;
          if (b === CR) this.#state = S_PADDING_CR;
          else if ((b !== 0x20 && b !== 0x09) || ++this.#padding > MAX_PADDING_BYTES) return this.#fail('BAD_BOUNDARY_LINE');
          break;
        }
        case S_PADDING_CR:
          if (chunk[pos++] !== LF) return this.#fail('BAD_BOUNDARY_LINE');
          this.#startHeaders();
          break;
        case S_HEADERS:
          pos = this.#scanHeaders(chunk, pos);
          break;
        case S_EPILOGUE:
        case S_ERROR:
          return;
      }
    }
  }

  /** The input is over: anything short of the close delimiter is an error. */
  end(): void {
    if (this.#state === S_EPILOGUE || this.#state === S_ERROR) return;
    this.#fail('UNEXPECTED_END');
  }

  // ---- body: search for the delimiter ----

  #scanBody(chunk: Buffer, pos: number): number {
    const needle = this.#needle;
    const nlen = needle.length;
    const len = chunk.length;
    if (this.#held > 0) {
      const held = this.#held;
      const want = nlen - held;
      const n = Math.min(want, len - pos);
      if (chunk.compare(needle, held, held + n, pos, pos + n) === 0) {
        if (n < want) {
          this.#held = held + n;
          return len;
        }
        this.#held = 0;
        this.#delimiter();
        return pos + n;
      }
      // Not a delimiter after all: the held bytes were data.
      this.#held = 0;
      this.#data(needle.subarray(0, held));
    }
    const at = chunk.indexOf(needle, pos);
    if (at !== -1) {
      if (at > pos) this.#data(chunk.subarray(pos, at));
      this.#delimiter();
      return at + nlen;
    }
    // No whole needle here; keep back a tail that could be the start of one.
    let keep = 0;
    const tailStart = Math.max(pos, len - nlen + 1);
    const cr = tailStart >= len ? -1 : tailStart + chunk.subarray(tailStart).lastIndexOf(CR);
    if (cr >= tailStart) {
      const n = len - cr;
      if (chunk.compare(needle, 0, n, cr, len) === 0) keep = n;
    }
    if (len - keep > pos) this.#data(chunk.subarray(pos, len - keep));
    this.#held = keep;
    return len;
  }

  #data(view: Buffer): void {
    // Preamble bytes belong to no part (RFC 2046 §5.1.1: "to be ignored").
    if (this.#state === S_BODY) this.#sink.onPartData(view);
  }

  #delimiter(): void {
    if (this.#inPart) {
      this.#inPart = false;
      this.#sink.onPartEnd();
    }
    if (this.#state !== S_ERROR) this.#state = S_AFTER_DELIMITER;
  }

  // ---- part headers ----

  #startHeaders(): void {
    // The block is collected with the CRLF that ended the boundary line in front, so that
    // "no headers" (an immediate empty line) and "headers then empty line" both end at CRLFCRLF.
    this.#header ??= Buffer.allocUnsafe(this.#maxHeaderBytes + 4);
    this.#header[0] = CR;
    this.#header[1] = LF;
    this.#headerLen = 2;
    this.#state = S_HEADERS;
  }

  #scanHeaders(chunk: Buffer, pos: number): number {
    const buf = this.#header!;
    const room = buf.length - this.#headerLen;
    const n = Math.min(room, chunk.length - pos);
    const from = Math.max(0, this.#headerLen - 3);
    chunk.copy(buf, this.#headerLen, pos, pos + n);
    this.#headerLen += n;
    const end = buf.subarray(0, this.#headerLen).indexOf(HEADER_END, from);
    if (end === -1) {
      if (this.#headerLen === buf.length) this.#fail('PART_HEADER_TOO_LARGE', `more than ${this.#maxHeaderBytes} bytes`);
      return pos + n;
    }
    const used = end + 4 - (this.#headerLen - n); // bytes of this chunk that belong to the block
    const headers = parseHeaderBlock(buf, 2, end);
    if (typeof headers === 'string') {
      this.#fail('BAD_PART_HEADER', headers);
      return chunk.length;
    }
    this.#state = S_BODY;
    this.#inPart = true;
    this.#sink.onPartBegin(headers);
    return pos + used;
  }

  #fail(code: MultipartErrorCode, detail?: string): void {
    if (this.#state === S_ERROR) return;
    this.#state = S_ERROR;
    this.#header = null;
    this.#sink.onError(new MultipartError(code, detail));
  }
}

/**
 * Parses field lines in buf[start, end) (each line CRLF-separated). MIME headers (RFC 5322 §2.2)
 * may be folded: a line starting with SP or HTAB continues the previous value; unfolding removes
 * only the CRLF. Returns the fields, or a reason string when a line is malformed.
 */
function parseHeaderBlock(buf: Buffer, start: number, end: number): PartHeaders | string {
  const fields: Array<[string, string]> = [];
  let pos = start;
  while (pos < end) {
    let eol = buf.indexOf(CR, pos);
    if (eol === -1 || eol > end) eol = end;
    // A CR not followed by LF, or a lone LF, would be a line break the sender and we disagree on.
    if (eol < end && buf[eol + 1] !== LF) return 'bare CR in a part header';
    const first = buf[pos]!;
    if (first === 0x20 || first === 0x09) {
      const last = fields[fields.length - 1];
      if (last === undefined) return 'continuation line before any header';
      for (let i = pos; i < eol; i++) if (FIELD_VALUE[buf[i]!] !== 1) return 'invalid character in a part header value';
      last[1] = (last[1] + buf.toString('latin1', pos, eol)).trimEnd();
    } else {
      let colon = pos;
      while (colon < eol && TCHAR[buf[colon]!] === 1) colon++;
      if (colon === pos || colon === eol || buf[colon] !== 0x3a) return 'a part header line is not "name: value"';
      let v = colon + 1;
      while (v < eol && (buf[v] === 0x20 || buf[v] === 0x09)) v++;
      for (let i = v; i < eol; i++) if (FIELD_VALUE[buf[i]!] !== 1) return 'invalid character in a part header value';
      let e = eol;
      while (e > v && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
      fields.push([buf.toString('latin1', pos, colon).toLowerCase(), buf.toString('latin1', v, e)]);
    }
    pos = eol + 2;
  }
  return fields;
}
