// Router lookups/s: httpcraft's Router.find against find-my-way (fastify's router) on the same
// GitHub-API-sized table (bench/github-routes.mjs, ~300 routes), in-process, no sockets. Two
// workloads: the static routes' paths, and the parametric routes' paths (parameters filled in).
// Both routers return the handler's route and the decoded params for each lookup. Rounds alternate
// (ours, theirs, ours, …) so a change in machine load hits both; the figure is the median round.
import FindMyWay from 'find-my-way';
import { ROUTES, samplePath } from './github-routes.mjs';

const { Router } = await import('../dist/src/app/router.js');

const ROUNDS = 7;

function build() {
  const ours = new Router();
  const theirs = FindMyWay();
  for (const { method, path } of ROUTES) {
    ours.add(method, path, () => undefined);
    theirs.on(method, path, () => undefined);
  }
  return { ours, theirs };
}

function workloads() {
  const isStatic = (p) => !p.includes(':') && !p.includes('*');
  const pick = (filter) => ROUTES.filter((r) => filter(r.path)).map((r) => ({ method: r.method, path: samplePath(r.path) }));
  return { static: pick(isStatic), parametric: pick((p) => !isStatic(p)) };
}

function measure(find, requests, ms) {
  let n = 0;
  let sink = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i];
      if (find(r.method, r.path) !== null) sink++;
    }
    n += requests.length;
  }
  if (sink !== n) throw new Error('a lookup found nothing');
  return n / (ms / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run({ duration = 10 } = {}) {
  const { ours, theirs } = build();
  const sets = workloads();
  // Both must agree on every lookup before they are timed.
  for (const r of [...sets.static, ...sets.parametric]) {
    const a = ours.find(r.method, r.path);
    const b = theirs.find(r.method, r.path);
    if (a === null || !('pattern' in a) || b === null) throw new Error(`no match for ${r.method} ${r.path}`);
    const bp = { ...b.params };
    if (JSON.stringify(a.params) !== JSON.stringify(bp)) throw new Error(`params differ for ${r.path}: ${JSON.stringify(a.params)} vs ${JSON.stringify(bp)}`);
  }
  const oursFind = (m, p) => ours.find(m, p);
  const theirsFind = (m, p) => theirs.find(m, p);
  const slice = Math.max(100, (duration * 1000) / (ROUNDS * 2 * 2));
  console.log(`\n## router: ${ROUTES.length} routes (${sets.static.length} static, ${sets.parametric.length} parametric lookups per pass), ${ROUNDS} alternating rounds of ${Math.round(slice)} ms`);
  for (const [name, requests] of Object.entries(sets)) {
    // warm-up
    measure(oursFind, requests, 200);
    measure(theirsFind, requests, 200);
    const a = [];
    const b = [];
    for (let i = 0; i < ROUNDS; i++) {
      a.push(measure(oursFind, requests, slice));
      b.push(measure(theirsFind, requests, slice));
    }
    const ma = median(a);
    const mb = median(b);
    console.log(`${name.padEnd(11)} httpcraft ${(ma / 1e6).toFixed(2)} M lookups/s   find-my-way ${(mb / 1e6).toFixed(2)} M lookups/s   ratio ${(ma / mb).toFixed(2)}×`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ duration: Number(process.env.BENCH_DURATION ?? 10) });
