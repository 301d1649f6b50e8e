// Every fuzz target (fuzz/targets/) runs in CI for a short, replayable stretch: its seed corpus
// (fuzz/corpus/NAME/, which holds every input fuzzing ever found failing) and then `ciRuns` inputs
// from a fixed seed. `npm run fuzz` runs the same targets for a time budget with fresh seeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS } from '../../fuzz/targets/index.ts';
import { applyEdits, corpusDirOf, loadCorpus, runTarget, type FuzzTarget } from '../../fuzz/engine.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

for (const target of TARGETS) {
  test(`fuzz target ${target.name}: seed corpus and ${target.ciRuns} generated inputs keep every invariant`, async () => {
    const corpus = loadCorpus(corpusDirOf(target.name));
    assert.ok(corpus.length >= 5, `fuzz/corpus/${target.name}/ holds seeds`);
    const r = await runTarget(target, { seed: SEED });
    if (r.failure !== null) assert.fail(`input ${JSON.stringify(r.failure.input.toString('latin1'))}\n${r.failure.error}`);
    assert.equal(r.runs, corpus.length + target.ciRuns);
  });
}

test('every target has a unique name, a corpus folder and an explanation', () => {
  const names = TARGETS.map((t) => t.name);
  assert.equal(new Set(names).size, names.length);
  for (const t of TARGETS) assert.ok(t.about.length > 10 && t.ciRuns > 0);
});

test('the engine finds a planted bug and reports the failing input', async () => {
  // A target whose invariant breaks on inputs holding "\r\n\r\n" after a NUL: the engine must find it.
  const planted: FuzzTarget = { name: 'planted', about: 'a planted bug', grammar: TARGETS[0]!.grammar, ciRuns: 3000, check: (input: Buffer) => assert.ok(!/\0.*\r\n\r\n/s.test(input.toString('latin1')), 'planted') };
  const r = await runTarget(planted, { seed: 7, corpusDir: '/nonexistent' });
  assert.ok(r.failure !== null, 'the planted bug was not found');
  assert.match(r.failure.error, /planted/);
});

test('mutations stay within the input and are deterministic', () => {
  const input = Buffer.from('GET / HTTP/1.1\r\n\r\n');
  const edits = [{ op: 'cut' as const, at: 100, n: 3 }, { op: 'flip' as const, at: 2, bit: 0 }, { op: 'insert' as const, at: 5, bytes: Uint8Array.of(0) }];
  assert.deepEqual(applyEdits(input, edits), applyEdits(input, edits));
  assert.equal(input.toString(), 'GET / HTTP/1.1\r\n\r\n', 'the input itself is never changed');
});
