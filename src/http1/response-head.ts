// Serializes a response head (RFC 9112 §4 status line, §5 field lines): into one string, so that it
// goes to the socket in a single write, or straight into a buffer as bytes (headPrefixBytes and
// putLatin1), the way a small response is assembled behind its body without any string for the head.

import { reasonPhrase } from './status.ts';

const STATUS_LINES = new Map<number, string>();

/** "HTTP/1.1 200 OK\r\n", memoised per status code. */
export function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    STATUS_LINES.set(status, line);
  }
  return line;
}

/**
 * The whole head: status line, Date (the IMF-fixdate given), Server (when non-empty), the given field
 * lines (already "Name: value\r\n" strings) and the blank line. We always answer as HTTP/1.1: RFC 9110 §6.2 lets a
 * server send its own highest minor version to a 1.0 client, which then reads it as 1.0.
 */
export function serializeHead(status: number, serverName: string, fieldLines: string, date: string): string {
  return statusLine(status) + commonLines(serverName, date) + fieldLines + '\r\n';
}

// "Date: …\r\nServer: …\r\n", the same for every response in a second: built once per second.
let common = '';
let commonDate = '';
let commonServer = '';

function commonLines(serverName: string, date: string): string {
  if (date !== commonDate || serverName !== commonServer) {
    common = `Date: ${date}\r\n${serverName.length > 0 ? `Server: ${serverName}\r\n` : ''}`;
    commonDate = date;
    commonServer = serverName;
  }
  return common;
}

// The status line with the Date and Server lines as bytes, per status, for the current date: the
// first ~80 bytes of nearly every head, copied rather than encoded.
const prefixes = new Map<number, Buffer>();
let prefixDate = '';
let prefixServer = '';

/** "HTTP/1.1 200 OK\r\nDate: …\r\nServer: …\r\n" as bytes, memoised per status for the given date. */
export function headPrefixBytes(status: number, serverName: string, date: string): Buffer {
  if (date !== prefixDate || serverName !== prefixServer) {
    prefixes.clear();
    prefixDate = date;
    prefixServer = serverName;
  }
  let bytes = prefixes.get(status);
  if (bytes === undefined) {
    bytes = Buffer.from(statusLine(status) + commonLines(serverName, date), 'latin1');
    prefixes.set(status, bytes);
  }
  return bytes;
}

// Up to this length a JS loop writes a string faster than a call into C++ (which also flattens a
// concatenated string into a new one first).
const SHORT_STRING = 48;
type Latin1Writer = { latin1Write(s: string, offset: number, length: number): number };

/**
 * Writes s as latin1 (one byte per character, as Buffer's 'latin1' encoding) into buf at `at`,
 * which has room for s.length bytes; returns the offset after it.
 */
export function putLatin1(buf: Buffer, at: number, s: string): number {
  const n = s.length;
  if (n > SHORT_STRING) return at + (buf as unknown as Latin1Writer).latin1Write(s, at, n);
  for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
  return at + n;
}

/** True when a header value could split the head (CR, LF or NUL, "invalid and dangerous" in a field
 * value, RFC 9110 §5.5): refused as a programming error. */
export function unsafeFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x00) return true;
  }
  return false;
}
