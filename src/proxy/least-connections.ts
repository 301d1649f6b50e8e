// Least connections, weighted: the candidate with the fewest exchanges in flight per unit of weight;
// ties go round robin (a rotating start), so an idle pool is not all sent to the first backend.

import type { Backend } from './backend.ts';
import { candidates, type Balancer } from './balancer.ts';

export class LeastConnections implements Balancer {
  #next = 0;

  pick(backends: readonly Backend[], _subject: unknown, tried: ReadonlySet<Backend>, now: number): Backend | null {
    const list = candidates(backends, tried, now);
    if (list.length === 0) return null;
    const start = this.#next++ % list.length;
    let best = list[start]!;
    for (let k = 1; k < list.length; k++) {
      const b = list[(start + k) % list.length]!;
      if (b.active * best.weight < best.active * b.weight) best = b;
    }
    return best;
  }
}
