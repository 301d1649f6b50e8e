// One shared clock for every WebSocket's deadlines (idle, heartbeat, close handshake): a sweep a few
// times a second instead of timers per socket, which 10,000 idle connections would pay for in
// memory and in timer churn on every message. The interval runs only while sockets are registered
// and never keeps the process alive by itself.

export const TICK_MS = 100;

const watchers = new Set<(now: number) => void>();
let interval: NodeJS.Timeout | null = null;

export function watch(check: (now: number) => void): void {
  watchers.add(check);
  if (interval === null) {
    interval = setInterval(sweep, TICK_MS);
    interval.unref();
  }
}

export function unwatch(check: (now: number) => void): void {
  watchers.delete(check);
  if (watchers.size === 0 && interval !== null) {
    clearInterval(interval);
    interval = null;
  }
}

function sweep(): void {
  const now = performance.now();
  for (const check of watchers) check(now);
}
