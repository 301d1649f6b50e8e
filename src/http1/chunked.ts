// RFC 9112 §7.1 chunked transfer coding: the extension grammar the decoder checks, and the encoder.

import { HEX_VALUE, HTAB, QDTEXT, SP, TCHAR } from './chars.ts';

const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Validates chunk extensions in buf[start, end), the bytes after the chunk size (RFC 9112 §7.1.1).
 *   chunk-ext     = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 * Extensions carry no meaning for us; they are checked so that junk after a size is refused.
 * BWS only comes before ";" and around "=": whitespace ending the line is refused, as in
 * "5 \r\n" (a size followed by spaces is one of the forms servers disagree on).
 */
export function validChunkExtension(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (true) {
    const wsStart = i;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    if (i === end) return i === wsStart && i > start;
    if (buf[i] !== SEMI) return false;
    i++;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    const nameStart = i;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === nameStart) return false;
    const afterName = i;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    if (i === end || buf[i] !== EQUALS) {
      i = afterName; // no value: the whitespace belongs to the next round (and is refused at the end)
      continue;
    }
    i++;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    if (i < end && buf[i] === DQUOTE) {
      i = quotedStringEnd(buf, i + 1, end);
      if (i === -1) return false;
    } else {
      const valueStart = i;
      while (i < end && TCHAR[buf[i]!] === 1) i++;
      if (i === valueStart) return false;
    }
  }
}

/** Chunk-size lines carry extensions we ignore; bound them so they cannot be used to stream forever. */
export const MAX_CHUNK_LINE_BYTES = 4096;

// A chunk size stays below 2^48 bytes (far past any body limit, exact in a double): a size this
// large before one more hex digit is refused.
const MAX_CHUNK_SIZE_BEFORE_DIGIT = 2 ** 44 - 1;

/**
 * A chunk-size line without its CRLF, buf[start, end) (RFC 9112 §7.1):
 *   chunk-size [ chunk-ext ]   with   chunk-size = 1*HEXDIG
 * Returns the size (0 for the last chunk), or why the line is refused. Shared by the request and
 * the response parser, so both read a chunked body alike.
 */
export function chunkSizeOf(buf: Uint8Array, start: number, end: number): number | 'BAD_CHUNK_SIZE' | 'BAD_CHUNK_EXTENSION' | 'CHUNK_TOO_LARGE' {
  let i = start;
  let size = 0;
  while (i < end) {
    const v = HEX_VALUE[buf[i]!]!;
    if (v === 255) break;
    // Bounded by value, not digit count: leading zeros are valid (1*HEXDIG) and cost nothing.
    if (size > MAX_CHUNK_SIZE_BEFORE_DIGIT) return 'CHUNK_TOO_LARGE';
    size = size * 16 + v;
    i++;
  }
  if (i === start) return 'BAD_CHUNK_SIZE';
  if (i < end) {
    const next = buf[i];
    if (next !== SEMI && next !== SP && next !== HTAB) return 'BAD_CHUNK_SIZE';
    if (!validChunkExtension(buf, i, end)) return 'BAD_CHUNK_EXTENSION';
  }
  return size;
}

/** The index after the closing DQUOTE of a quoted-string (RFC 9110 §5.6.4) whose content starts at i, or -1. */
function quotedStringEnd(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const b = buf[i]!;
    if (b === DQUOTE) return i + 1;
    if (b === BACKSLASH) {
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
      i++;
      if (i === end || !(buf[i] === HTAB || buf[i]! >= 0x20) || buf[i] === 0x7f) return -1;
    } else if (QDTEXT[b] !== 1) return -1;
    i++;
  }
  return -1;
}

const CRLF = '\r\n';

/** The size line that precedes a chunk of `size` bytes (size > 0). */
export function chunkHeader(size: number): string {
  return size.toString(16) + CRLF;
}

/** The zero-size last chunk and the empty trailer section that end a chunked body. */
export const LAST_CHUNK = '0\r\n\r\n';
export const CHUNK_END = CRLF;
