// HTTP semantics of an HTTP/2 request's field sections (RFC 9113 §8.1–§8.3): the decoded header list
// (flat [name, value, …] as the HPACK decoder returns it) becomes a RequestHead, or the reason it is
// malformed — which the session answers with a stream error PROTOCOL_ERROR (§8.1.1).

import { TCHAR, isToken } from '../http1/chars.ts';

export interface RequestHead {
  method: string;
  /** '' for CONNECT, which has no :scheme (§8.5). */
  scheme: string;
  /** :authority, else Host (§8.3.1): the one authority the shell sees; '' when neither was sent. */
  authority: string;
  /** '' for CONNECT. */
  path: string;
  /** :protocol (RFC 8441): never set while we do not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL. */
  protocol?: string;
  /** The regular fields, flat, names lower-case, pseudo-header fields removed. */
  fields: string[];
  endStream: boolean;
  /** The value of content-length, or -1 when none was sent (§8.1.1: DATA must add up to it). */
  contentLength: number;
}

export type Malformed = string;

// §8.2.2: connection-specific fields MUST NOT appear in HTTP/2.
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** §8.2.1: a name is a token in lower case; a pseudo-header is ':' then one. */
function badName(name: string, from: number): boolean {
  if (name.length <= from) return true;
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] !== 1 || (c >= 0x41 && c <= 0x5a)) return true;
  }
  return false;
}


/** §8.2.1: no NUL, CR or LF anywhere, and no leading or trailing whitespace. */
function badValue(v: string): boolean {
  const n = v.length;
  if (n === 0) return false;
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return true;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return true;
  }
  return false;
}

/** Checks the regular field at i; returns why it is malformed, or null. */
function badRegularField(name: string, value: string): Malformed | null {
  if (badName(name, 0)) return `invalid field name ${JSON.stringify(name)}`;
  if (badValue(value)) return `invalid value for ${name}`;
  if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
  // §8.2.2: TE may be present only with the value "trailers".
  if (name === 'te' && value !== 'trailers') return 'te other than "trailers"';
  return null;
}

/** RFC 9110 §8.6: digits; a list of identical values is one value. -2 when invalid. */
function parseContentLength(value: string, previous: number): number {
  let result = -1;
  for (const part of value.split(',')) {
    const p = part.trim();
    if (!/^[0-9]{1,15}$/.test(p)) return -2;
    const n = Number(p);
    if (result !== -1 && n !== result) return -2;
    result = n;
  }
  if (previous !== -1 && previous !== result) return -2;
  return result;
}

export function parseRequestHead(list: readonly string[], endStream: boolean): RequestHead | Malformed {
  let method: string | undefined;
  let scheme: string | undefined;
  let authority: string | undefined;
  let path: string | undefined;
  let host: string | undefined;
  let contentLength = -1;
  let regular = false;
  const fields: string[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = list[i]!;
    const value = list[i + 1]!;
    if (name.charCodeAt(0) === 0x3a) {
      // §8.3: pseudo-header fields come before every regular field, once each, and only these.
      if (regular) return `pseudo-header ${name} after a regular field`;
      if (badValue(value)) return `invalid value for ${name}`;
      switch (name) {
        case ':method':
          if (method !== undefined) return 'duplicate :method';
          if (!isToken(value)) return 'invalid :method';
          method = value;
          break;
        case ':scheme':
          if (scheme !== undefined) return 'duplicate :scheme';
          scheme = value;
          break;
        case ':authority':
          if (authority !== undefined) return 'duplicate :authority';
          authority = value;
          break;
        case ':path':
          if (path !== undefined) return 'duplicate :path';
          path = value;
          break;
        case ':protocol':
          // RFC 8441 §3: only after SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, which we never send.
          return ':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL';
        default:
          return `unknown pseudo-header ${name}`; // :status included: it is a response field (§8.3.1)
      }
      continue;
    }
    regular = true;
    const bad = badRegularField(name, value);
    if (bad !== null) return bad;
    if (name === 'host') {
      if (host !== undefined) return 'duplicate host';
      host = value;
    } else if (name === 'content-length') {
      contentLength = parseContentLength(value, contentLength);
      if (contentLength === -2) return 'invalid content-length';
    }
    fields.push(name, value);
  }
  if (method === undefined) return 'missing :method';
  // §8.3.1: if both are present they must identify the same authority.
  if (authority !== undefined && host !== undefined && authority !== host) return ':authority and host disagree';
  const theAuthority = authority ?? host ?? '';
  if (method === 'CONNECT') {
    // §8.5: :authority only; :scheme and :path MUST be omitted.
    if (scheme !== undefined || path !== undefined) return 'CONNECT with :scheme or :path';
    if (authority === undefined || authority === '') return 'CONNECT without :authority';
  } else {
    if (scheme === undefined || scheme === '') return 'missing :scheme';
    if (path === undefined || path === '') return 'missing :path'; // §8.3.1: MUST NOT be empty
    if (path === '*') {
      if (method !== 'OPTIONS') return ':path * on a method other than OPTIONS';
    } else if ((scheme === 'http' || scheme === 'https') && path.charCodeAt(0) !== 0x2f) {
      return ':path is not absolute';
    }
    if (scheme === 'http' || scheme === 'https') {
      if (theAuthority === '') return 'no :authority or host';
      if (theAuthority.includes('@')) return ':authority with userinfo';
    }
  }
  if (endStream && contentLength > 0) return 'content-length with an empty body';
  const head: RequestHead = { method, scheme: scheme ?? '', authority: theAuthority, path: path ?? '', fields, endStream, contentLength };
  return head;
}

/** §8.1: trailers carry no pseudo-header fields, and the field rules of §8.2 still hold. */
export function parseTrailers(list: readonly string[]): string[] | Malformed {
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = list[i]!;
    if (name.charCodeAt(0) === 0x3a) return `pseudo-header ${name} in trailers`;
    const bad = badRegularField(name, list[i + 1]!);
    if (bad !== null) return bad;
  }
  return list as string[];
}

/** §8.2.2: fields of ours that HTTP/2 forbids (an HTTP/1.1 response head's), dropped before encoding. */
export function isConnectionSpecific(lowerName: string): boolean {
  return CONNECTION_SPECIFIC.has(lowerName);
}

/** isConnectionSpecific (§8.2.2) for a name in any case; most names are ruled out by their length alone. */
export function isConnectionSpecificName(name: string): boolean {
  const n = name.length;
  if (n !== 7 && n !== 10 && n !== 16 && n !== 17) return false;
  return CONNECTION_SPECIFIC.has(name.toLowerCase());
}
