// Header values with parameters: Content-Type (RFC 9110 §8.3.1) and Content-Disposition as used by
// forms (RFC 7578 §4.2, RFC 6266 §4.1), including RFC 8187 extended values (filename*=UTF-8''…).
//
//   media-type = type "/" subtype parameters      parameters = *( OWS ";" OWS [ parameter ] )
//   parameter  = token "=" ( token / quoted-string )
//   disposition = disposition-type *( OWS ";" OWS disp-ext-parm )
//   ext-value  = charset "'" [ language ] "'" value-chars    (RFC 8187 §3.2.1)
//
// Header strings arrive as latin1 (one char per byte). Plain parameter values are then read as UTF-8,
// because that is what browsers put there (WHATWG HTML "multipart/form-data encoding algorithm").

import { HEX_VALUE, QDTEXT, TCHAR } from '../http1/chars.ts';

export interface ParsedParams {
  /** Lower-cased type ("form-data", "multipart/form-data"). */
  type: string;
  /** Parameters by lower-case name, values decoded. */
  params: Map<string, string>;
}

/** Why a value failed to parse; null on success. */
export type ParamResult = ParsedParams | { error: string };

// RFC 8187 §3.2.1 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
const ATTR_CHAR = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = TCHAR[b] === 1 && !"*'%".includes(String.fromCharCode(b)) ? 1 : 0;
  return t;
})();

const isWs = (c: number): boolean => c === 0x20 || c === 0x09;

function decodeUtf8Latin1(s: string): string {
  // Only pay for a Buffer when a byte above 0x7F is present.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8');
  return s;
}

/**
 * Parses `type [; name=value]*`. `typeHasSlash` selects media-type form (type/subtype) over a bare
 * token (disposition type). Duplicate parameters are an error (RFC 6266 §4.1: such fields are
 * invalid), since two names or two filenames leave no right answer.
 */
export function parseParameterized(value: string, typeHasSlash: boolean): ParamResult {
  const len = value.length;
  let i = 0;
  while (i < len && isWs(value.charCodeAt(i))) i++;
  const typeStart = i;
  while (i < len && TCHAR[value.charCodeAt(i)] === 1) i++;
  if (i === typeStart) return { error: 'missing type' };
  if (typeHasSlash) {
    if (value.charCodeAt(i) !== 0x2f) return { error: 'media type without "/"' };
    i++;
    const subStart = i;
    while (i < len && TCHAR[value.charCodeAt(i)] === 1) i++;
    if (i === subStart) return { error: 'media type without subtype' };
  }
  const type = value.slice(typeStart, i).toLowerCase();
  const params = new Map<string, string>();
  while (i < len) {
    while (i < len && isWs(value.charCodeAt(i))) i++;
    if (i === len) break;
    if (value.charCodeAt(i) !== 0x3b) return { error: `unexpected character at ${i}` };
    i++;
    while (i < len && isWs(value.charCodeAt(i))) i++;
    if (i === len || value.charCodeAt(i) === 0x3b) continue; // empty parameter (RFC 9110 §5.6.6)
    const nameStart = i;
    while (i < len && TCHAR[value.charCodeAt(i)] === 1) i++;
    if (i === nameStart || value.charCodeAt(i) !== 0x3d) return { error: 'parameter without "="' };
    const name = value.slice(nameStart, i).toLowerCase();
    i++;
    let decoded: string;
    if (name.endsWith('*')) {
      const end = scanToken(value, i);
      const ext = decodeExtValue(value.slice(i, end));
      if (ext === null) return { error: `malformed extended parameter ${name}` };
      decoded = ext;
      i = end;
    } else if (value.charCodeAt(i) === 0x22) {
      const q = readQuoted(value, i);
      if (q === null) return { error: `unterminated or invalid quoted ${name}` };
      decoded = decodeUtf8Latin1(q.text);
      i = q.end;
    } else {
      const end = scanToken(value, i);
      if (end === i) return { error: `empty value for ${name}` };
      decoded = decodeUtf8Latin1(value.slice(i, end));
      i = end;
    }
    if (params.has(name)) return { error: `duplicate parameter ${name}` };
    params.set(name, decoded);
  }
  return { type, params };
}

function scanToken(s: string, i: number): number {
  while (i < s.length && TCHAR[s.charCodeAt(i)] === 1) i++;
  return i;
}

/** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4). */
function readQuoted(s: string, start: number): { text: string; end: number } | null {
  let out = '';
  let i = start + 1;
  let run = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return { text: out + s.slice(run, i), end: i + 1 };
    if (c === 0x5c) {
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
      if (i + 1 >= s.length) return null;
      const n = s.charCodeAt(i + 1);
      if (!(n === 0x09 || (n >= 0x20 && n !== 0x7f && n <= 0xff))) return null;
      out += s.slice(run, i) + s[i + 1];
      i += 2;
      run = i;
      continue;
    }
    if (c > 0xff || QDTEXT[c] !== 1) return null;
    i++;
  }
  return null;
}

/** RFC 8187 §3.2.1: charset'lang'pct-encoded. UTF-8 and ISO-8859-1 must be supported; others if known. */
function decodeExtValue(raw: string): string | null {
  const q1 = raw.indexOf("'");
  const q2 = q1 === -1 ? -1 : raw.indexOf("'", q1 + 1);
  if (q1 <= 0 || q2 === -1) return null;
  const charset = raw.slice(0, q1).toLowerCase();
  const chars = raw.slice(q2 + 1);
  const bytes = Buffer.allocUnsafe(chars.length);
  let n = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    if (c === 0x25) {
      const hi = HEX_VALUE[chars.charCodeAt(i + 1)] ?? 255;
      const lo = HEX_VALUE[chars.charCodeAt(i + 2)] ?? 255;
      if (hi === 255 || lo === 255) return null;
      bytes[n++] = (hi << 4) | lo;
      i += 2;
    } else if (c < 256 && ATTR_CHAR[c] === 1) bytes[n++] = c;
    else return null;
  }
  return decodeCharset(bytes.subarray(0, n), charset);
}

/** Decodes bytes in a named charset; null when the charset is unknown. Invalid UTF-8 becomes U+FFFD. */
export function decodeCharset(bytes: Buffer, charset: string): string | null {
  switch (charset) {
    case 'utf-8':
    case 'utf8':
      return bytes.toString('utf8');
    case 'iso-8859-1':
    case 'latin1':
    case 'us-ascii':
    case 'ascii':
      return bytes.toString('latin1');
    default:
      try {
        return new TextDecoder(charset).decode(bytes);
      } catch {
        return null;
      }
  }
}

export interface FormDisposition {
  name: string;
  /** undefined when the part is not a file part; filename* wins over filename (RFC 6266 §4.3). */
  filename: string | undefined;
}

/** Reads the Content-Disposition of a form part (RFC 7578 §4.2): type form-data with a name. */
export function parseFormDisposition(value: string): FormDisposition | { error: string } {
  const parsed = parseParameterized(value, false);
  if ('error' in parsed) return parsed;
  if (parsed.type !== 'form-data') return { error: `disposition type ${parsed.type} is not form-data` };
  const name = parsed.params.get('name');
  if (name === undefined) return { error: 'form-data part without a name' };
  return { name, filename: parsed.params.get('filename*') ?? parsed.params.get('filename') };
}
