// RFC 9112 §7.1 chunked transfer coding: the extension grammar the decoder checks, and the encoder.

import { HTAB, QDTEXT, SP, TCHAR } from './chars.ts';

const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Validates chunk extensions in buf[start, end), the bytes after the chunk size.
 *   chunk-ext     = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 * Extensions carry no meaning for us; they are checked so that junk after a size is refused.
 */
export function validChunkExtension(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  const skipWs = (): void => {
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  };
  while (true) {
    skipWs();
    if (i === end) return true;
    if (buf[i] !== SEMI) return false;
    i++;
    skipWs();
    const nameStart = i;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === nameStart) return false;
    skipWs();
    if (i < end && buf[i] === EQUALS) {
      i++;
      skipWs();
      if (i < end && buf[i] === DQUOTE) {
        i++;
        let closed = false;
        while (i < end) {
          const b = buf[i]!;
          if (b === DQUOTE) {
            closed = true;
            i++;
            break;
          }
          if (b === BACKSLASH) {
            // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
            i++;
            if (i === end || !(buf[i] === HTAB || buf[i]! >= 0x20) || buf[i] === 0x7f) return false;
            i++;
            continue;
          }
          if (QDTEXT[b] !== 1) return false;
          i++;
        }
        if (!closed) return false;
      } else {
        const valueStart = i;
        while (i < end && TCHAR[buf[i]!] === 1) i++;
        if (i === valueStart) return false;
      }
    }
  }
}

const CRLF = '\r\n';

/** The size line that precedes a chunk of `size` bytes (size > 0). */
export function chunkHeader(size: number): string {
  return size.toString(16) + CRLF;
}

/** The zero-size last chunk and the empty trailer section that end a chunked body. */
export const LAST_CHUNK = '0\r\n\r\n';
export const CHUNK_END = CRLF;
