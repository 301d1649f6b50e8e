// The one interface every balancing strategy implements: pick a backend for a request among those
// available, leaving out the ones already tried (a retry goes elsewhere). One file per strategy.

import type { Backend } from './backend.ts';

export interface BalanceSubject {
  /** The client's address (after trusted_proxies), the ip_hash key. */
  readonly clientAddress: string;
  readonly path: string;
  header(name: string): string | undefined;
}

export interface Balancer {
  /** A backend that is available and not in `tried`, or null when there is none. */
  pick(backends: readonly Backend[], subject: BalanceSubject, tried: ReadonlySet<Backend>, now: number): Backend | null;
}

/** The backends a pick may choose from. */
export function candidates(backends: readonly Backend[], tried: ReadonlySet<Backend>, now: number): Backend[] {
  const out: Backend[] = [];
  for (const b of backends) if (!tried.has(b) && b.available(now)) out.push(b);
  return out;
}
