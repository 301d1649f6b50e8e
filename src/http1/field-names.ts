// Common request field names as shared constant strings. Browsers and clients send the same dozen
// names in every request; matching their bytes against a short list is cheaper than making a new
// string for each, and leaves less garbage. Names keep the exact case they arrived in (rawHeaders
// are what the client sent), so each name is listed as browsers and curl spell it and in lower case
// (fetch/undici and HTTP/2-minded clients).

import { sameBytes } from './chars.ts';

const CANONICAL = [
  'Host', 'User-Agent', 'Accept', 'Accept-Encoding', 'Accept-Language', 'Connection', 'Cookie',
  'Referer', 'Origin', 'Content-Length', 'Content-Type', 'Cache-Control', 'Pragma', 'Range', 'If-Range',
  'If-None-Match', 'If-Modified-Since', 'If-Match', 'If-Unmodified-Since', 'Authorization', 'Expect',
  'Transfer-Encoding', 'Upgrade-Insecure-Requests', 'Sec-Fetch-Site', 'Sec-Fetch-Mode',
  'Sec-Fetch-Dest', 'Sec-Fetch-User', 'Sec-Ch-Ua', 'Sec-Ch-Ua-Mobile', 'Sec-Ch-Ua-Platform', 'Priority',
  'DNT', 'TE', 'Upgrade', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Requested-With',
];

// By length, the candidates of that length (a handful at most).
const BY_LENGTH: string[][] = [];
for (const name of new Set([...CANONICAL, ...CANONICAL.map((n) => n.toLowerCase())])) {
  (BY_LENGTH[name.length] ??= []).push(name);
}

/** The shared string for buf[start, end) when it is a common field name (exact bytes), else null. */
export function commonFieldName(buf: Buffer, start: number, end: number): string | null {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return null;
  const first = buf[start];
  for (const name of candidates) if (name.charCodeAt(0) === first && sameBytes(name, buf, start)) return name;
  return null;
}
