// The Date header's value for responses being written now (every head the server writes takes it
// from here). The string changes once a second, so instead of reading the clock per response, a
// timer drops it at the next second boundary; the timer is unref'd and only runs while responses
// are being written.

import { httpDate } from '../http1/date.ts';

let current = '';

export function currentHttpDate(): string {
  if (current === '') {
    const now = Date.now();
    current = httpDate(now);
    setTimeout(() => {
      current = '';
    }, 1000 - (now % 1000)).unref();
  }
  return current;
}
