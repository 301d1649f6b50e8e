// "Replay with curl": one exchange's request as a curl command a learner can paste into a shell.
// The request fields become -H options, except those curl must write itself: Host (from the URL),
// Content-Length, Transfer-Encoding and Connection (framing and hop-by-hop, RFC 9110 §7.6.1 and
// RFC 9112 §6), and HTTP/2 pseudo-header fields (RFC 9113 §8.3, curl derives them from the URL).
// A body is not in the record, so it is not replayed: the line says so in a shell comment.

import type { TraceRecord } from './exchange-trace.ts';

/** Fields curl writes itself from its own options and the URL. */
const LEFT_OUT = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/**
 * A word the shell passes to curl as these exact characters. Printable ASCII goes in single quotes
 * (inside which nothing is special but the quote itself); anything else (a latin1 byte from the
 * wire, a control character) in ANSI-C quoting ($'\xHH'), understood by bash, zsh and ksh.
 */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  if (/^[\x20-\x7e]*$/.test(text)) return `'${text.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x27 || code === 0x5c) out += `\\${text[i]}`;
    else if (code >= 0x20 && code < 0x7f) out += text[i];
    else out += `\\x${(code & 0xff).toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

/** The URL curl should ask for: the absolute-form target as it is, or scheme, Host and target. */
function urlOf(r: TraceRecord): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(r.target)) return r.target;
  const origin = `${r.secure ? 'https' : 'http'}://${r.host === '' ? 'localhost' : r.host}`;
  return r.target === '*' ? `${origin}/` : `${origin}${r.target}`;
}

/** The curl command that sends this request again (without its body, which the record does not keep). */
export function curlLine(r: TraceRecord): string {
  const words = ['curl'];
  if (r.protocol === 'h2') words.push('--http2');
  if (r.method === 'HEAD') words.push('--head');
  else if (r.method !== 'GET' && r.method !== '') words.push('-X', shellQuote(r.method));
  const url = urlOf(r);
  // curl would expand [1-3] and {a,b} in a URL, and resolve /./ and /../ before sending it.
  if (/[[\]{}]/.test(url)) words.push('--globoff');
  if (/\/\.\.?(\/|$|\?)/.test(r.target)) words.push('--path-as-is');
  // "OPTIONS *" (RFC 9112 §3.2.4): the asterisk-form target is not a URL path.
  if (r.target === '*') words.push('--request-target', shellQuote('*'));
  const fields = r.requestFields;
  let declaredBody = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    const lower = name.toLowerCase();
    // A body the handler never read is not counted in requestBodyBytes, but its fields announce it.
    if ((lower === 'content-length' && value.trim() !== '0') || lower === 'transfer-encoding') declaredBody = true;
    if (name.startsWith(':') || LEFT_OUT.has(lower)) continue;
    // curl reads "Name:" as "remove this header"; "Name;" is how it sends one with an empty value.
    words.push('-H', shellQuote(value === '' ? `${name};` : `${name}: ${value}`));
  }
  words.push(shellQuote(url));
  const line = words.join(' ');
  if (r.requestBodyBytes > 0) return `${line}  # the request had a ${r.requestBodyBytes}-byte body, not replayed (add --data-binary @file)`;
  if (declaredBody) return `${line}  # the request had a body, not replayed (add --data-binary @file)`;
  return line;
}
