// application/x-www-form-urlencoded, parsed as the WHATWG URL Standard §5.1 says browsers produce
// it: "&"-separated pairs, the first "=" splits name from value, "+" is a space, %XX is a byte,
// a "%" not followed by two hex digits stays as is, and the bytes are read as UTF-8 (errors become
// U+FFFD). Streaming and sans-IO: push(chunk) in any chunking; only the pair in progress is held.

import { HEX_VALUE } from '../http1/chars.ts';

export interface UrlencodedLimits {
  /** Most pairs accepted (max_form_parts). */
  maxPairs: number;
  /** Largest decoded value, in bytes (max_field_size). */
  maxFieldBytes: number;
}

export type UrlencodedLimit = 'max_form_parts' | 'max_field_size';

export interface UrlencodedSink {
  onField(name: string, value: string): void;
  /** A limit was exceeded; the parser takes no more input. */
  onLimit(limit: UrlencodedLimit): void;
}

const AMP = 0x26;
// A pair's name is rarely long; this bound only keeps an endless name from growing without limit.
const MAX_NAME_BYTES = 1024;

export class UrlencodedParser {
  readonly #sink: UrlencodedSink;
  readonly #limits: UrlencodedLimits;
  readonly #maxRawBytes: number;
  #parts: Buffer[] = [];
  #partBytes = 0;
  #pairs = 0;
  #stopped = false;

  constructor(sink: UrlencodedSink, limits: UrlencodedLimits) {
    this.#sink = sink;
    this.#limits = limits;
    // Each decoded byte costs at most three raw bytes ("%XX").
    this.#maxRawBytes = 3 * limits.maxFieldBytes + MAX_NAME_BYTES;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.#stopped) {
      const amp = chunk.indexOf(AMP, pos);
      const end = amp === -1 ? chunk.length : amp;
      if (end > pos) {
        this.#partBytes += end - pos;
        if (this.#partBytes > this.#maxRawBytes) return this.#limit('max_field_size');
        this.#parts.push(chunk.subarray(pos, end));
      }
      if (amp === -1) return;
      this.#finishPair();
      pos = amp + 1;
    }
  }

  end(): void {
    if (!this.#stopped) this.#finishPair();
    this.#stopped = true;
  }

  #finishPair(): void {
    const raw = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#partBytes);
    this.#parts = [];
    this.#partBytes = 0;
    if (raw.length === 0) return; // "a=1&&b=2": empty sequences are skipped
    if (++this.#pairs > this.#limits.maxPairs) return this.#limit('max_form_parts');
    const eq = raw.indexOf(0x3d);
    const name = percentDecode(eq === -1 ? raw : raw.subarray(0, eq));
    const value = eq === -1 ? Buffer.alloc(0) : percentDecode(raw.subarray(eq + 1));
    if (value.length > this.#limits.maxFieldBytes) return this.#limit('max_field_size');
    this.#sink.onField(name.toString('utf8'), value.toString('utf8'));
  }

  #limit(limit: UrlencodedLimit): void {
    this.#stopped = true;
    this.#parts = [];
    this.#sink.onLimit(limit);
  }
}

/** "+" → space and %XX → byte, into a new buffer (the input is never modified). */
export function percentDecode(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === 0x2b) out[n++] = 0x20;
    else if (c === 0x25 && i + 2 < input.length && HEX_VALUE[input[i + 1]!]! !== 255 && HEX_VALUE[input[i + 2]!]! !== 255) {
      out[n++] = (HEX_VALUE[input[i + 1]!]! << 4) | HEX_VALUE[input[i + 2]!]!;
      i += 2;
    } else out[n++] = c;
  }
  return out.subarray(0, n);
}

/** Parses a whole urlencoded string (a query string, a small body); no limits. */
export function parseUrlencoded(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const parser = new UrlencodedParser(
    { onField: (n, v) => out.push([n, v]), onLimit: () => undefined },
    { maxPairs: Number.POSITIVE_INFINITY, maxFieldBytes: Number.POSITIVE_INFINITY },
  );
  parser.push(Buffer.from(text, 'utf8'));
  parser.end();
  return out;
}
