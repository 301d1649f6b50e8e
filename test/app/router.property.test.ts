// Property: on random route tables, the tree's lookup equals a brute-force matcher that tries every
// route against the path and keeps the most specific (segment by segment: static, then constrained
// parameters in the order their constraint first appeared at that place, then plain, then wildcard),
// and a route is refused as a conflict exactly when an accepted one has the same shape and method.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Router } from '../../src/app/router.ts';

type Seg = { kind: 'static'; text: string } | { kind: 'param'; re: string | null } | { kind: 'wildcard' };
const STATICS = ['a', 'b', 'c', ''];
const CONSTRAINTS = ['\\d+', '[a-c]+'];
const PATH_SEGMENTS = ['a', 'b', 'c', '1', '12', 'ab', 'x', ''];

const segArb: fc.Arbitrary<Seg> = fc.oneof(
  fc.constantFrom(...STATICS).map((text): Seg => ({ kind: 'static', text })),
  fc.constant<Seg>({ kind: 'param', re: null }),
  fc.constantFrom(...CONSTRAINTS).map((re): Seg => ({ kind: 'param', re })),
);
const routeArb = fc.record({
  segs: fc.array(segArb, { minLength: 1, maxLength: 4 }),
  wildcard: fc.boolean(),
  method: fc.constantFrom('GET', 'POST'),
});
const pathArb = fc.array(fc.constantFrom(...PATH_SEGMENTS), { minLength: 1, maxLength: 6 }).map((s) => '/' + s.join('/'));

function toPattern(segs: readonly Seg[]): string {
  let n = 0;
  return '/' + segs.map((s) => (s.kind === 'static' ? s.text : s.kind === 'wildcard' ? '*' : `:p${n++}${s.re === null ? '' : `(${s.re})`}`)).join('/');
}
const shapeKey = (segs: readonly Seg[]): string => JSON.stringify(segs);

interface Accepted {
  segs: Seg[];
  method: string;
  pattern: string;
}

function brute(table: readonly Accepted[], method: string, path: string): { pattern: string; params: Record<string, string> } | null {
  const parts = path.slice(1).split('/');
  // Order of first appearance of a constraint at a place (same shape before it): the tree's order.
  const localOrder = (r: Accepted, i: number, re: string): number => {
    const prefix = shapeKey(r.segs.slice(0, i));
    const seen: string[] = [];
    for (const o of table) {
      if (o.segs.length <= i || shapeKey(o.segs.slice(0, i)) !== prefix) continue;
      const s = o.segs[i]!;
      if (s.kind === 'param' && s.re !== null && !seen.includes(s.re)) seen.push(s.re);
    }
    return seen.indexOf(re);
  };
  let best: { rank: number[]; pattern: string; params: Record<string, string> } | null = null;
  for (const r of table) {
    if (r.method !== method) continue;
    const rank: number[] = [];
    const values: string[] = [];
    let ok = true;
    for (let i = 0; i < r.segs.length && ok; i++) {
      const s = r.segs[i]!;
      if (s.kind === 'wildcard') {
        if (parts.length <= i) ok = false;
        else {
          values.push(parts.slice(i).join('/'));
          rank.push(3);
        }
        break;
      }
      const p = parts[i];
      if (p === undefined) ok = false;
      else if (s.kind === 'static') {
        ok = p === s.text;
        rank.push(0);
      } else if (s.re === null) {
        ok = p !== '';
        values.push(p);
        rank.push(2);
      } else {
        ok = p !== '' && new RegExp(`^(?:${s.re})$`, 'u').test(p);
        values.push(p);
        rank.push(1 + localOrder(r, i, s.re) / 100);
      }
    }
    if (!ok) continue;
    if (r.segs.at(-1)?.kind !== 'wildcard' && parts.length !== r.segs.length) continue;
    const better = best === null || rank.some((v, i) => rank.slice(0, i).every((w, j) => w === best!.rank[j]) && v < best!.rank[i]!);
    if (better) {
      const params: Record<string, string> = {};
      let n = 0;
      r.segs.forEach((s) => {
        if (s.kind === 'param') params[`p${n}`] = values[n++]!;
      });
      if (r.segs.at(-1)?.kind === 'wildcard') params['*'] = values[n]!;
      best = { rank, pattern: r.pattern, params };
    }
  }
  return best === null ? null : { pattern: best.pattern, params: best.params };
}

test('lookup equals the brute-force matcher; conflicts are exactly equal shapes (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(fc.array(routeArb, { minLength: 1, maxLength: 25 }), fc.array(pathArb, { minLength: 1, maxLength: 30 }), (routes, paths) => {
      const router = new Router();
      const table: Accepted[] = [];
      for (const r of routes) {
        const segs: Seg[] = r.wildcard ? [...r.segs, { kind: 'wildcard' }] : r.segs;
        const pattern = toPattern(segs);
        const clash = table.some((o) => o.method === r.method && shapeKey(o.segs) === shapeKey(segs));
        let refused = false;
        try {
          router.add(r.method, pattern, () => undefined);
        } catch {
          refused = true;
        }
        assert.equal(refused, clash, `${r.method} ${pattern}: refused=${refused}, expected ${clash}`);
        if (!refused) table.push({ segs, method: r.method, pattern });
      }
      for (const path of paths) {
        for (const method of ['GET', 'POST']) {
          const found = router.find(method, path);
          const expected = brute(table, method, path);
          const got = found !== null && 'pattern' in found ? found : null;
          assert.deepEqual(got, expected, `${method} ${path}`);
        }
      }
    }),
    { numRuns: 400, seed: 1616 },
  );
});
