// The `common` and `combined` access lines encoded straight into a byte buffer: the same bytes as
// Buffer.from(commonLine(e)) / Buffer.from(combinedLine(e)) (a property test holds them equal), but
// with no intermediate strings. Escaping, formatting and encoding happen in one pass over each field,
// so a line costs no garbage at all; under load the strings of the string path were most of what the
// access log cost (formats.ts stays the reference and serves the console and the JSON format).

import { apacheTime, clientAddress, type AccessEntry } from './formats.ts';

const HEX = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66];
const DASH = 0x2d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

export type TextAccessFormat = 'common' | 'combined';

/** An upper bound on the encoded size of e's line (without the newline). */
export function maxAccessLineBytes(format: TextAccessFormat, e: AccessEntry): number {
  // An escaped character takes at most 4 bytes (\xhh); the fixed parts (time, status, size,
  // punctuation) stay under 96.
  let chars = e.remoteAddress.length + e.user.length + e.method.length + e.target.length + e.httpVersion.length;
  if (format === 'combined') chars += (e.referer?.length ?? 1) + (e.userAgent?.length ?? 1);
  return chars * 4 + 96;
}

/** Writes s as is (ASCII fields our code produced: addresses, the time). */
function raw(buf: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
  return at;
}

/** Writes s the way escapeLogItem does, byte by byte of its latin1 view (each UTF-16 unit's low
 * byte; request fields are latin1 already): `"` and `\` get a backslash, bytes outside printable
 * ASCII become \xhh. */
function escaped(buf: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i) & 0xff;
    if (b >= 0x20 && b <= 0x7e && b !== QUOTE && b !== BACKSLASH) buf[at++] = b;
    else if (b === QUOTE || b === BACKSLASH) {
      buf[at++] = BACKSLASH;
      buf[at++] = b;
    } else {
      buf[at++] = BACKSLASH;
      buf[at++] = 0x78; // x
      buf[at++] = HEX[b >> 4]!;
      buf[at++] = HEX[b & 15]!;
    }
  }
  return at;
}

function digits(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 0x30 + n;
    return at + 1;
  }
  let width = 1;
  for (let p = 10; p <= n; p *= 10) width++;
  const end = at + width;
  for (let i = end - 1; i >= at; i--) {
    buf[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

// `address - user [time] "`, the start of every line: the same bytes for every request of one
// client in one second. The last one is kept and copied whole while address, user and time's
// string stay the same (identity or equal content; the time string changes once a second).
let prefixAddress = '';
let prefixUser = '';
let prefixTime = '';
let prefix: Buffer = Buffer.alloc(0);

function linePrefix(e: AccessEntry): Buffer {
  const time = apacheTime(e.time);
  if (e.remoteAddress !== prefixAddress || e.user !== prefixUser || time !== prefixTime) {
    const bytes = Buffer.allocUnsafe(e.remoteAddress.length + e.user.length * 4 + time.length + 10);
    let at = 0;
    const address = clientAddress(e.remoteAddress);
    if (address === '') bytes[at++] = DASH;
    else at = raw(bytes, at, address);
    at = raw(bytes, at, ' - ');
    if (e.user === '') bytes[at++] = DASH;
    else at = escaped(bytes, at, e.user);
    at = raw(bytes, at, ' [');
    at = raw(bytes, at, time);
    at = raw(bytes, at, '] "');
    prefix = bytes.subarray(0, at);
    prefixAddress = e.remoteAddress;
    prefixUser = e.user;
    prefixTime = time;
  }
  return prefix;
}

/** Encodes the common line at buf[at…]; returns the offset after it. Room was checked by the caller. */
export function encodeCommonLine(e: AccessEntry, buf: Buffer, at: number): number {
  const start = linePrefix(e);
  buf.set(start, at);
  at += start.length;
  at = escaped(buf, at, e.method);
  buf[at++] = SPACE;
  at = escaped(buf, at, e.target);
  at = raw(buf, at, ' HTTP/');
  at = escaped(buf, at, e.httpVersion);
  buf[at++] = QUOTE;
  buf[at++] = SPACE;
  at = digits(buf, at, e.status);
  buf[at++] = SPACE;
  if (e.bytes === 0) buf[at++] = DASH;
  else at = digits(buf, at, e.bytes);
  return at;
}

export function encodeCombinedLine(e: AccessEntry, buf: Buffer, at: number): number {
  at = encodeCommonLine(e, buf, at);
  at = raw(buf, at, ' "');
  if (e.referer === undefined) buf[at++] = DASH;
  else at = escaped(buf, at, e.referer);
  at = raw(buf, at, '" "');
  if (e.userAgent === undefined) buf[at++] = DASH;
  else at = escaped(buf, at, e.userAgent);
  buf[at++] = QUOTE;
  return at;
}
