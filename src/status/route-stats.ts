// Per-route figures for applications (--app): requests by status class and a duration histogram,
// keyed by the route's pattern ("/api/notes/:id"), never by the raw path, so the number of series
// is bounded by the routes the app registered, whatever paths clients send. Fed from the router's
// req.route in StatusRecorder.record; a request no pattern route matched costs one null check.

import { DURATION_BOUNDS_SECONDS } from './latency.ts';

/** Most distinct patterns tracked; an app registering more has the rest counted as "(other)". */
export const MAX_ROUTES = 1000;
export const OTHER_ROUTE = '(other)';

/** Per-bucket counts (not cumulative, DURATION_BOUNDS_SECONDS plus +Inf), their sum and count: snapshot.ts's DurationRow. */
export interface RouteDuration {
  counts: number[];
  sum: number;
  count: number;
}

export interface RouteRow {
  route: string;
  count: number;
  /** Per status class, 1xx … 5xx. */
  byClass: [number, number, number, number, number];
  duration: RouteDuration;
}

class RouteCounter {
  readonly byClass = new Float64Array(5);
  readonly counts = new Float64Array(DURATION_BOUNDS_SECONDS.length + 1);
  sum = 0;
  count = 0;
}

export class RouteStats {
  readonly #routes = new Map<string, RouteCounter>();

  record(route: string, classIndex: number, seconds: number): void {
    let c = this.#routes.get(route);
    if (c === undefined) {
      const key = this.#routes.size < MAX_ROUTES ? route : OTHER_ROUTE;
      c = this.#routes.get(key);
      if (c === undefined) this.#routes.set(key, (c = new RouteCounter()));
    }
    c.count++;
    c.byClass[classIndex]!++;
    c.sum += seconds;
    const bounds = DURATION_BOUNDS_SECONDS;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    c.counts[i]!++;
  }

  /** Every route seen, busiest first. */
  rows(): RouteRow[] {
    const out: RouteRow[] = [];
    for (const [route, c] of this.#routes) {
      out.push({ route, count: c.count, byClass: [...c.byClass] as RouteRow['byClass'], duration: { counts: [...c.counts], sum: c.sum, count: c.count } });
    }
    return sortRoutes(out);
  }
}

export function sortRoutes(rows: RouteRow[]): RouteRow[] {
  return rows.sort((a, b) => b.count - a.count || (a.route < b.route ? -1 : 1));
}

/** The rows of several workers added up per route. */
export function mergeRouteRows(lists: readonly (readonly RouteRow[] | undefined)[]): RouteRow[] {
  const map = new Map<string, RouteRow>();
  for (const list of lists) {
    for (const r of list ?? []) {
      const into = map.get(r.route);
      if (into === undefined) {
        map.set(r.route, { route: r.route, count: r.count, byClass: [...r.byClass], duration: { counts: [...r.duration.counts], sum: r.duration.sum, count: r.duration.count } });
        continue;
      }
      into.count += r.count;
      r.byClass.forEach((n, i) => (into.byClass[i] = (into.byClass[i] ?? 0) + n));
      r.duration.counts.forEach((n, i) => (into.duration.counts[i] = (into.duration.counts[i] ?? 0) + n));
      into.duration.sum += r.duration.sum;
      into.duration.count += r.duration.count;
    }
  }
  return sortRoutes([...map.values()]);
}
