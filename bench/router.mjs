// Router lookups/s: httpcraft's Router.find against find-my-way (fastify's router) on the same
// GitHub-API-sized table (bench/github-routes.mjs, ~300 routes), in-process, no sockets. Two
// workloads: the static routes' paths, and the parametric routes' paths (parameters filled in).
// Both routers return the handler's route and the decoded params for each lookup. Rounds alternate
// (ours, theirs, ours, …) so a change in machine load hits both; the ratio is the median of the
// per-round ratios.
// `node bench/router.mjs --instructions` counts instructions instead (valgrind's callgrind, V8 in
// --predictable mode): each router does N and then 2N lookups of each workload in a child process,
// and the difference is the cost of N lookups, without start-up and table building. Load-independent.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    // Each round's two figures were taken back to back: their ratio is what load changes least.
    const ratios = a.map((x, i) => x / b[i]);
    const lo = Math.min(...ratios);
    const hi = Math.max(...ratios);
    console.log(`${name.padEnd(11)} httpcraft ${(ma / 1e6).toFixed(2)} M lookups/s   find-my-way ${(mb / 1e6).toFixed(2)} M lookups/s   ratio ${median(ratios).toFixed(2)}× (per-round median; rounds ${lo.toFixed(2)}–${hi.toFixed(2)}×)`);
  }
}

/** In a child under callgrind: build both tables, then `passes` passes of one router over one workload. */
function countOnly(which, set, passes) {
  const { ours, theirs } = build();
  const requests = workloads()[set];
  const find = which === 'ours' ? (m, p) => ours.find(m, p) : (m, p) => theirs.find(m, p);
  let sink = 0;
  for (let n = 0; n < passes; n++) for (const r of requests) if (find(r.method, r.path) !== null) sink++;
  if (sink !== passes * requests.length) throw new Error('a lookup found nothing');
}

function instructions(passes) {
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-router-ir-'));
  const counts = (which, set, p) => {
    const out = join(dir, `cg.${which}.${set}.${p}`);
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, '--predictable', fileURLToPath(import.meta.url), `--count=${which},${set},${p}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`callgrind run failed: ${r.stderr.slice(-500)}`);
    return Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(out, 'latin1'))[1]);
  };
  const sets = workloads();
  console.log(`\n## router instructions: ${passes} extra passes over each workload (callgrind, --predictable)`);
  for (const set of ['static', 'parametric']) {
    const lookups = passes * sets[set].length;
    const per = {};
    for (const which of ['ours', 'theirs']) per[which] = (counts(which, set, 2 * passes) - counts(which, set, passes)) / lookups;
    console.log(`${set.padEnd(11)} httpcraft ${per.ours.toFixed(0)} instructions/lookup   find-my-way ${per.theirs.toFixed(0)}   ratio ${(per.theirs / per.ours).toFixed(2)}× fewer`);
  }
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = process.argv.find((a) => a.startsWith('--count='));
  if (count !== undefined) {
    const [which, set, passes] = count.slice(8).split(',');
    countOnly(which, set, Number(passes));
  } else if (process.argv.includes('--instructions')) instructions(Number(process.env.ROUTER_PASSES ?? 2000));
  else await run({ duration: Number(process.env.BENCH_DURATION ?? 10) });
}
