// RFC 9110 §5.6.7 IMF-fixdate for the Date header, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". Pure
// formatting; the once-a-second cache of the current value lives in server/date-header.ts (this
// layer has no clocks or timers).

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
