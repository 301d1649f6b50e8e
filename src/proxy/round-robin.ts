// Weighted round robin, the smooth variant nginx uses: each pick adds every candidate's weight to its
// running weight, takes the largest and subtracts the total from it. Weights 5,1,1 give
// a a b a c a a rather than a a a a a b c: a heavy backend never gets a long burst.

import type { Backend } from './backend.ts';
import { candidates, type Balancer } from './balancer.ts';

export class RoundRobin implements Balancer {
  pick(backends: readonly Backend[], _subject: unknown, tried: ReadonlySet<Backend>, now: number): Backend | null {
    const list = candidates(backends, tried, now);
    let best: Backend | null = null;
    let total = 0;
    for (const b of list) {
      b.currentWeight += b.weight;
      total += b.weight;
      if (best === null || b.currentWeight > best.currentWeight) best = b;
    }
    if (best !== null) best.currentWeight -= total;
    return best;
  }
}
