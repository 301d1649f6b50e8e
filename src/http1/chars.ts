// Byte-class lookup tables for the HTTP/1.1 grammar. One 256-entry table per class: a parser tests a
// byte with a single indexed load instead of a regex or a chain of comparisons.

function table(accept: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accept(b) ? 1 : 0;
  return t;
}

export const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39; // RFC 5234 §B.1 DIGIT
export const isAlpha = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a); // RFC 5234 §B.1 ALPHA

// RFC 9110 §5.6.2
//   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
//         / DIGIT / ALPHA
export const TCHAR = table((b) => isDigit(b) || isAlpha(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)));

/** True for a non-empty token (RFC 9110 §5.6.2): a method, a field name, an Upgrade protocol name. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] !== 1) return false;
  }
  return true;
}

// RFC 9110 §5.5
//   field-value = *field-content ; field-vchar = VCHAR / obs-text ; SP and HTAB allowed inside.
// Everything else (NUL, CR, LF, other controls, DEL) is refused.
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

// RFC 9112 §3.2 / RFC 3986: a request-target is visible ASCII. We accept any VCHAR (browsers leave
// `|`, `^`, `{`, `}` unescaped in queries) and refuse controls, SP, DEL and non-ASCII bytes, which
// a conforming client always percent-encodes (RFC 3986 §2.1).
export const TARGET_CHAR = table((b) => b >= 0x21 && b <= 0x7e);

// RFC 9110 §7.2 / RFC 3986 §3.2.2: the characters a Host value may hold
//   uri-host [ ":" port ], uri-host = IP-literal / IPv4address / reg-name
export const HOST_CHAR = table(
  (b) => isDigit(b) || isAlpha(b) || "-._~%!$&'()*+,;=:[]".includes(String.fromCharCode(b)),
);

// RFC 9110 §5.6.4 quoted-string: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
export const QDTEXT = table((b) => b === 0x09 || b === 0x20 || b === 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80);

// HEXDIG value, or 255 for a non-hex byte (RFC 5234 B.1).
export const HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** True when the latin1 string s is exactly the bytes buf[start, start + s.length) (the caller
 * knows that many bytes are there). */
export function sameBytes(s: string, buf: Uint8Array, start: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

/** True when every byte of buf[start, end) is in the table. */
export function allIn(tableOf: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (tableOf[buf[i]!] !== 1) return false;
  return true;
}
