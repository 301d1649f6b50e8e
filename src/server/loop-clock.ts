// The monotonic clock, read once per turn of the event loop. Under load one turn hands us the reads of
// dozens of connections, and a clock read costs as much as parsing a short header line; the time
// the turn began is also when all of those bytes were already here. libuv keeps its timers on the
// same kind of per-turn time (uv_now). The value is dropped in the check phase that ends the turn.

let cached = -1;

const drop = (): void => {
  cached = -1;
};

/** performance.now() as of this turn of the event loop. */
export function loopNow(): number {
  if (cached < 0) {
    cached = performance.now();
    setImmediate(drop);
  }
  return cached;
}
