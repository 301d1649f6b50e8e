// Access and event line formats. Pure functions over plain values so every format is checked
// byte-for-byte against example lines.
//
// common   = Apache `%h %l %u %t "%r" %>s %b`
// combined = common + ` "%{Referer}i" "%{User-Agent}i"` (also nginx's default `combined`)
// json     = one object per line, with the response time in milliseconds.
//
// Escaping follows Apache's ap_escape_logitem: `"` and `\` get a backslash, and bytes outside
// printable ASCII become \xhh, so a client cannot forge a line or a field.

import { clientAddressOf } from '../access/client-address.ts';

export type AccessFormat = 'common' | 'combined' | 'json';

export interface AccessEntry {
  remoteAddress: string;
  /** Authenticated user, '-' when none. */
  user: string;
  /** When the request started (ms since the epoch). */
  time: number;
  method: string;
  target: string;
  httpVersion: string;
  status: number;
  /** Body bytes sent (Apache %b). */
  bytes: number;
  referer: string | undefined;
  userAgent: string | undefined;
  durationMs: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HEX = '0123456789abcdef';

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** Apache %t without brackets: `10/Oct/2000:13:55:36 -0700`, local time unless an offset is given. */
export function apacheTime(ms: number, offsetMinutes?: number): string {
  // Most lines in a busy second share their timestamp: format it once per second (local time).
  if (offsetMinutes === undefined) {
    const second = Math.floor(ms / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedTime = formatApacheTime(ms, -new Date(ms).getTimezoneOffset());
    }
    return cachedTime;
  }
  return formatApacheTime(ms, offsetMinutes);
}

let cachedSecond = -1;
let cachedTime = '';

function formatApacheTime(ms: number, offsetMinutes: number): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
}

/** Escapes a request-derived string for a quoted log field (see the header comment). */
export function escapeLogItem(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  let out = '';
  for (const byte of Buffer.from(s, 'latin1')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte < 0x20 || byte > 0x7e) out += '\\x' + HEX[byte >> 4] + HEX[byte & 15];
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** `::ffff:127.0.0.1` (a v4 client on a dual-stack socket) is logged as the v4 address it is. */
export function clientAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function commonLine(e: AccessEntry, offsetMinutes?: number): string {
  const requestLine = escapeLogItem(`${e.method} ${e.target} HTTP/${e.httpVersion}`);
  const bytes = e.bytes === 0 ? '-' : String(e.bytes);
  return `${clientAddress(e.remoteAddress) || '-'} - ${e.user === '' ? '-' : escapeLogItem(e.user)} [${apacheTime(e.time, offsetMinutes)}] "${requestLine}" ${e.status} ${bytes}`;
}

export function combinedLine(e: AccessEntry, offsetMinutes?: number): string {
  const referer = e.referer === undefined ? '-' : escapeLogItem(e.referer);
  const agent = e.userAgent === undefined ? '-' : escapeLogItem(e.userAgent);
  return `${commonLine(e, offsetMinutes)} "${referer}" "${agent}"`;
}

export function jsonAccessLine(e: AccessEntry): string {
  return JSON.stringify({
    time: new Date(e.time).toISOString(),
    type: 'access',
    remote_addr: clientAddress(e.remoteAddress),
    user: e.user === '-' ? null : e.user,
    method: e.method,
    target: e.target,
    protocol: `HTTP/${e.httpVersion}`,
    status: e.status,
    bytes: e.bytes,
    duration_ms: e.durationMs,
    referer: e.referer ?? null,
    user_agent: e.userAgent ?? null,
  });
}

export function accessLine(format: AccessFormat, e: AccessEntry): string {
  return format === 'json' ? jsonAccessLine(e) : format === 'combined' ? combinedLine(e) : commonLine(e);
}

/** A server event (not a request) in text form: `2026-11-25T11:31:44.123Z WARNING message`. */
export function textEventLine(time: number, level: string, message: string): string {
  return `${new Date(time).toISOString()} ${level.padEnd(7)} ${message}`;
}

export function jsonEventLine(time: number, level: string, message: string, error?: unknown): string {
  const record: Record<string, unknown> = { time: new Date(time).toISOString(), type: 'event', level, message };
  if (error instanceof Error) record.error = { name: error.name, message: error.message, stack: error.stack };
  else if (error !== undefined) record.error = { message: String(error) };
  return JSON.stringify(record);
}

/** The structural slice of Request/Response an access entry needs. */
export interface RequestLike {
  remoteAddress: string;
  method: string;
  target: string;
  httpVersion: string;
  startTime: number;
  header(name: string): string | undefined;
  /** One value of req.locals (the user an auth middleware stored), without creating them. */
  local(name: string): unknown;
}
export interface ResponseLike {
  status: number;
  bodyBytes: number;
}

/**
 * The entry for a finished request. Referer and User-Agent are only looked up when the format
 * shows them: the first header lookup builds the request's header map, which `common` can skip.
 */
export function accessEntry(req: RequestLike, res: ResponseLike, now = Date.now(), withHeaders = true): AccessEntry {
  const user = req.local('user');
  return {
    remoteAddress: clientAddressOf(req),
    user: typeof user === 'string' && user !== '' ? user : '-',
    time: req.startTime,
    method: req.method,
    target: req.target,
    httpVersion: req.httpVersion,
    status: res.status,
    bytes: res.bodyBytes,
    referer: withHeaders ? req.header('referer') : undefined,
    userAgent: withHeaders ? req.header('user-agent') : undefined,
    durationMs: Math.max(0, now - req.startTime),
  };
}
