// The Date header's value for responses being written now. The string changes once a second, so
// instead of reading the clock for every response (as http1/date.ts must, having no timers), a
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
