// The request-target forms (RFC 9112 §3.2) and the Host value grammar (RFC 9110 §7.2), checked on
// the latin1 strings the parser has already made (every char code is below 256).

import { HOST_CHAR, isAlpha, isDigit } from './chars.ts';

export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

const SLASH = 0x2f;
const COLON = 0x3a;
const AT = 0x40;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The form of a request-target, or null when it has none this method may use (RFC 9112 §3.2). */
export function targetForm(method: string, target: string): TargetForm | null {
  // RFC 9112 §3.2.3: authority-form is for CONNECT only, and CONNECT takes nothing else.
  if (method === 'CONNECT') return isAuthorityForm(target) ? 'authority' : null;
  if (target.charCodeAt(0) === SLASH) return 'origin';
  // RFC 9112 §3.2.4: asterisk-form is for a server-wide OPTIONS only.
  if (target === '*') return method === 'OPTIONS' ? 'asterisk' : null;
  // RFC 9112 §3.2.2 absolute-form: absolute-URI = scheme ":" hier-part [ "?" query ]
  //   scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const colon = target.indexOf(':');
  if (colon <= 0) return null;
  for (let i = 0; i < colon; i++) {
    const ch = target.charCodeAt(i);
    if (!isAlpha(ch) && (i === 0 || !(isDigit(ch) || ch === 0x2b || ch === 0x2d || ch === 0x2e))) return null;
  }
  return 'absolute';
}

/**
 * Where the uri-host at the start of s ends, or -1 when it is not one (RFC 3986 §3.2.2):
 *   uri-host = IP-literal / IPv4address / reg-name ; IP-literal = "[" ( IPv6address / IPvFuture ) "]"
 * An empty reg-name is refused: a Host or CONNECT target naming no host is of no use to anyone.
 */
function hostEnd(s: string): number {
  if (s.charCodeAt(0) === OPEN_BRACKET) {
    const close = s.indexOf(']');
    if (close < 2) return -1;
    for (let i = 1; i < close; i++) {
      const c = s.charCodeAt(i);
      if (HOST_CHAR[c] !== 1 || c === OPEN_BRACKET || c === AT) return -1;
    }
    return close + 1;
  }
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (HOST_CHAR[c] !== 1 || c === COLON || c === OPEN_BRACKET || c === CLOSE_BRACKET || c === AT) break;
    i++;
  }
  return i === 0 ? -1 : i;
}

/** True when s[from..] is ":" followed by digits (at least minDigits, at most 5): RFC 3986 §3.2.3
 * port = *DIGIT. */
function isPort(s: string, from: number, minDigits: number): boolean {
  if (s.charCodeAt(from) !== COLON) return false;
  const digits = s.length - from - 1;
  if (digits < minDigits || digits > 5) return false;
  for (let i = from + 1; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/**
 * RFC 9110 §7.2: Host = uri-host [ ":" port ], port = *DIGIT (RFC 3986 §3.2.3). An empty value is
 * valid (the target has no authority); anything else malformed gets 400 (RFC 9112 §3.2).
 */
export function isValidHost(host: string): boolean {
  if (host.length === 0) return true;
  const end = hostEnd(host);
  if (end === -1) return false;
  return end === host.length || isPort(host, end, 0);
}

/** RFC 9112 §3.2.3: authority-form = uri-host ":" port, with a port: a tunnel needs both. */
function isAuthorityForm(target: string): boolean {
  const end = hostEnd(target);
  return end !== -1 && isPort(target, end, 1);
}
