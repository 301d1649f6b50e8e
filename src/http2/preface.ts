// The client connection preface (RFC 9113 §3.4): 24 fixed bytes, then a SETTINGS frame. The bytes
// were chosen to read as an HTTP/1.x request line ("PRI * HTTP/2.0") so that an HTTP/1.1 server
// refuses them; in turn a server listening for both protocols on one port (h2c with prior
// knowledge, §3.3) can tell an HTTP/1.x request from a broken preface in its first bytes.

import { CR, LF, TCHAR } from '../http1/chars.ts';

export const CLIENT_PREFACE: Buffer = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const CLIENT_PREFACE_BYTES = CLIENT_PREFACE.length;

// Up to here the preface is a valid HTTP/1.x request-line prefix; once "HTTP/2.0" is complete, a
// mismatch can only be an HTTP/2 client gone wrong.
const REQUEST_LINE_PREFIX_BYTES = 'PRI * HTTP/2.0'.length;

/**
 * How a mismatch at byte `mismatchAt` of the input (`firstByte` being its byte 0) should be read:
 * true when the input can still be the start of an HTTP/1.x request (a method token, or the empty
 * lines RFC 9112 §2.2 lets a request start with), for the HTTP/1.1 parser to take over.
 */
export function looksLikeHttp1(firstByte: number, mismatchAt: number): boolean {
  if (mismatchAt >= REQUEST_LINE_PREFIX_BYTES) return false;
  return mismatchAt > 0 || TCHAR[firstByte] === 1 || firstByte === CR || firstByte === LF;
}

export type PrefaceMatch = 'preface' | 'partial' | 'http1' | 'invalid';

/**
 * Classifies the first bytes a client sent (§3.4): the whole preface, a prefix of it (wait for more), an
 * HTTP/1.x request, or neither. For an IO shell choosing between the HTTP/1.1 and HTTP/2 parsers.
 */
export function classifyPreface(bytes: Buffer): PrefaceMatch {
  const n = Math.min(bytes.length, CLIENT_PREFACE_BYTES);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== CLIENT_PREFACE[i]) return looksLikeHttp1(bytes[0]!, i) ? 'http1' : 'invalid';
  }
  return n === CLIENT_PREFACE_BYTES ? 'preface' : 'partial';
}
