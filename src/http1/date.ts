// RFC 9110 §5.6.7 IMF-fixdate for the Date header, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
// Formatting a date costs more than writing the rest of a small response head, so the string is
// recomputed at most once per second.

let cached = '';
let validUntil = 0;

export function httpDate(now: number = Date.now()): string {
  if (now >= validUntil || now < validUntil - 1000) {
    cached = new Date(now).toUTCString();
    validUntil = now - (now % 1000) + 1000;
  }
  return cached;
}
