// What the head says about the message around it: body length (RFC 9112 §6.3), persistence
// (RFC 9112 §9.3), the Expect and Host values. One pass over the fields; names are lower-cased only
// when their length matches a name we look for and they are not spelled the two usual ways.

import type { ParseErrorCode } from './errors.ts';

export interface Framing {
  contentLength: number;
  chunked: boolean;
  keepAlive: boolean;
  expect: string;
  host: string;
  hostCount: number;
}

// 2^53 has 16 digits: more digits than this cannot be a length we would accept anyway.
const MAX_CONTENT_LENGTH_DIGITS = 15;

export function decideFraming(fields: readonly string[], versionMinor: number, maxBodyBytes: number): Framing | ParseErrorCode {
  let lengthDigits = '';
  let hasContentLength = false;
  let codings: string[] | null = null;
  let close = false;
  let keepAliveToken = false;
  let expect = '';
  let host = '';
  let hostCount = 0;

  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    switch (name.length) {
      case 4:
        if (name === 'Host' || name === 'host' || name.toLowerCase() === 'host') {
          hostCount++;
          host = value;
        }
        break;
      case 6:
        if (name === 'Expect' || name === 'expect' || name.toLowerCase() === 'expect') expect = value.toLowerCase();
        break;
      case 10:
        if (name === 'Connection' || name === 'connection' || name.toLowerCase() === 'connection') {
          // The one-token values clients send, without the split (RFC 9112 §9.3: "close", "keep-alive").
          if (value === 'close' || value === 'Close') close = true;
          else if (value === 'keep-alive' || value === 'Keep-Alive') keepAliveToken = true;
          else {
            for (const token of listElements(value)) {
              if (token === 'close') close = true;
              else if (token === 'keep-alive') keepAliveToken = true;
            }
          }
        }
        break;
      case 14:
        if (name === 'Content-Length' || name === 'content-length' || name.toLowerCase() === 'content-length') {
          // RFC 9110 §8.6: a list of identical values may be taken as one; anything else is an error.
          for (const element of value.split(',')) {
            const digits = significantDigits(element.trim());
            if (digits === null) return 'BAD_CONTENT_LENGTH';
            // Compared as digit strings, so two differing values too large for a number still differ.
            if (hasContentLength && digits !== lengthDigits) return 'CONFLICTING_CONTENT_LENGTH';
            lengthDigits = digits;
            hasContentLength = true;
          }
        }
        break;
      case 17:
        if (name === 'Transfer-Encoding' || name === 'transfer-encoding' || name.toLowerCase() === 'transfer-encoding') {
          codings ??= [];
          // Codings are compared with their parameters: "chunked;q=1" is not chunked (chunked has
          // no parameters, RFC 9112 §7.1), so it is refused like any coding that is not chunked.
          for (const coding of listElements(value)) codings.push(coding);
        }
        break;
      default:
        break;
    }
  }

  let chunked = false;
  if (codings !== null) {
    // RFC 9112 §6.1-6.3: TE with CL is a smuggling attempt; TE must end in exactly one chunked.
    if (hasContentLength) return 'TE_AND_CL';
    if (versionMinor === 0) return 'TE_IN_HTTP10';
    if (codings.length === 0 || codings[codings.length - 1] !== 'chunked') return 'CHUNKED_NOT_FINAL';
    if (codings.indexOf('chunked') !== codings.length - 1) return 'DUPLICATE_CHUNKED';
    if (codings.length > 1) return 'UNSUPPORTED_TRANSFER_CODING';
    chunked = true;
  }
  // Past 15 digits the value cannot be exact in a double, nor a body we would take.
  const contentLength = !hasContentLength ? 0 : lengthDigits.length > MAX_CONTENT_LENGTH_DIGITS ? Infinity : Number(lengthDigits);
  if (contentLength > maxBodyBytes || contentLength === Infinity) return 'BODY_TOO_LARGE';

  const keepAlive = versionMinor === 1 ? !close : keepAliveToken && !close;
  return { contentLength, chunked, keepAlive, expect, host, hostCount };
}

// RFC 9110 §8.6: Content-Length = 1*DIGIT. Returns the digits without leading zeros ("0" for zero),
// or null when s is not 1*DIGIT.
function significantDigits(s: string): string | null {
  if (s.length === 0) return null;
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
    if (first === -1 && c !== 0x30) first = i;
  }
  return first === -1 ? '0' : first === 0 ? s : s.slice(first);
}

/** RFC 9110 §5.6.1 list elements, lower-cased, empty elements dropped. */
function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t.length > 0) out.push(t);
  }
  return out;
}
