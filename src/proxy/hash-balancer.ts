// Consistent hashing on a key (ip_hash: the client address; or a header, a cookie, the path) by
// rendezvous hashing (highest random weight): every backend scores the key, the best available one
// wins. When a backend leaves, only the keys it held move (each to its own runner-up); the others
// keep their backend. Weighted by the logarithmic method (score = -weight / ln(u), u in (0, 1)), so
// a backend of weight 2 holds about twice the keys. A request without the key goes round robin.

import type { Backend } from './backend.ts';
import { candidates, type BalanceSubject, type Balancer } from './balancer.ts';
import { RoundRobin } from './round-robin.ts';

export type HashKey = { kind: 'ip' } | { kind: 'path' } | { kind: 'header'; name: string } | { kind: 'cookie'; name: string };

/** 32-bit FNV-1a with a final avalanche (murmur3's fmix32): small changes in the key spread everywhere. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function keyOf(key: HashKey, subject: BalanceSubject): string | undefined {
  switch (key.kind) {
    case 'ip':
      return subject.clientAddress;
    case 'path':
      return subject.path;
    case 'header':
      return subject.header(key.name);
    case 'cookie':
      return cookieValue(subject.header('cookie'), key.name);
  }
}

export class HashBalancer implements Balancer {
  readonly #key: HashKey;
  readonly #fallback = new RoundRobin();

  constructor(key: HashKey) {
    this.#key = key;
  }

  pick(backends: readonly Backend[], subject: BalanceSubject, tried: ReadonlySet<Backend>, now: number): Backend | null {
    const key = keyOf(this.#key, subject);
    if (key === undefined || key === '') return this.#fallback.pick(backends, subject, tried, now);
    let best: Backend | null = null;
    let bestScore = -Infinity;
    for (const b of candidates(backends, tried, now)) {
      const u = (hash32(`${key}\u0000${b.target.url}`) + 0.5) / 4294967296;
      const score = -b.weight / Math.log(u);
      if (score > bestScore) {
        bestScore = score;
        best = b;
      }
    }
    return best;
  }
}
