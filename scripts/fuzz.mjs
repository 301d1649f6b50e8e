#!/usr/bin/env node
// `npm run fuzz [-- --target NAME[,NAME]] [--seconds N] [--seed N] [--list]`: runs fuzz targets
// (fuzz/targets/) for a time budget each (default: every target, 30 s each). A failing input is shrunk,
// saved under fuzz/crashes/ and printed; the exit status is 1 when any target failed.
// Runs the compiled targets (npm run fuzz builds first); --expose-gc makes the heap figure exact.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    seed: { type: 'string' },
    list: { type: 'boolean', default: false },
    // Writes N grammar inputs (seed 1) per target into fuzz/corpus/NAME/grammar-*.bin (how the seed
    // corpora were made; hand-made seeds and found crashes sit beside them under other names).
    'make-corpus': { type: 'string' },
  },
});
const { TARGETS } = await import('../dist/fuzz/targets/index.js');
const { runTarget, saveCrash } = await import('../dist/fuzz/engine.js');

if (values.list) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(20)} ${t.about}`);
  process.exit(0);
}
if (values['make-corpus'] !== undefined) {
  const fc = (await import('fast-check')).default;
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { corpusDirOf } = await import('../dist/fuzz/engine.js');
  for (const t of TARGETS) {
    const dir = corpusDirOf(t.name);
    mkdirSync(dir, { recursive: true });
    fc.sample(t.grammar, { numRuns: Number(values['make-corpus']), seed: 1 }).forEach((input, i) => writeFileSync(join(dir, `grammar-${String(i).padStart(2, '0')}.bin`), input));
  }
  process.exit(0);
}
const names = values.target ? values.target.split(',') : TARGETS.map((t) => t.name);
const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  console.error(`--seconds must be a positive number, got ${values.seconds}`);
  process.exit(2);
}
// Every byte outside printable ASCII as an escape, so that a NBSP or a lone CR shows for what it is.
const escaped = (buf) => '"' + [...buf].map((b) => (b === 0x5c ? '\\\\' : b === 0x22 ? '\\"' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b === 0x0d ? '\\r' : b === 0x0a ? '\\n' : `\\x${b.toString(16).padStart(2, '0')}`)).join('') + '"';
let failed = 0;
for (const name of names) {
  const target = TARGETS.find((t) => t.name === name);
  const r = await runTarget(target, { seconds, ...(values.seed === undefined ? {} : { seed: Number(values.seed) }) });
  const rate = Math.round(r.runs / (r.elapsedMs / 1000));
  const heap = (r.heapGrowthBytes / 1048576).toFixed(1);
  console.log(`${name.padEnd(20)} ${r.failure ? 'FAIL' : 'ok  '} ${r.runs} inputs in ${(r.elapsedMs / 1000).toFixed(1)} s (${rate}/s), corpus ${r.corpusSize}, seed ${r.seed}, heap ${heap} MB`);
  if (r.failure) {
    failed++;
    const path = saveCrash(name, r.failure.input);
    console.log(`  input (${r.failure.input.length} bytes) saved to ${path}`);
    console.log(`  ${escaped(r.failure.input).slice(0, 400)}`);
    console.log(`  replay: npm run fuzz -- --target ${name} --seed ${r.seed}${r.failure.path ? ` (fast-check path ${r.failure.path})` : ''}`);
    console.log(r.failure.error.split('\n').slice(0, 12).map((l) => `  ${l}`).join('\n'));
  }
}
process.exit(failed > 0 ? 1 : 0);
