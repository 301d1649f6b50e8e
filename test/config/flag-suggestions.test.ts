// "Did you mean": only close matches are suggested, since an unrelated suggestion misleads more
// than none; and --cors is the flag people type for enable_cors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgv } from '../../src/config/argv.ts';
import { closest } from '../../src/config/errors.ts';

const errorOf = (argv: string[]): string => {
  const r = parseArgv(argv);
  assert.equal(r.errors.length, 1, JSON.stringify(argv));
  return r.errors[0]!.toString();
};

test('--cors and --no-cors set enable_cors', () => {
  for (const [flag, value] of [
    ['--cors', true],
    ['--no-cors', false],
    ['--enable-cors', true],
    ['--no-enable-cors', false],
  ] as const) {
    const r = parseArgv([flag]);
    assert.deepEqual(r.errors, [], flag);
    assert.deepEqual(
      r.entries.map((e) => [e.spec.key, e.value, e.source]),
      [['enable_cors', value, flag]],
    );
  }
});

test('a typo gets the flag it is one or two edits from', () => {
  assert.equal(errorOf(['--corz']), '--corz: unknown option; did you mean --cors? (see --help)');
  assert.equal(errorOf(['--directry-listing']), '--directry-listing: unknown option; did you mean --directory-listing? (see --help)');
  assert.equal(errorOf(['--prot', '80']), '--prot: unknown option; did you mean --port? (see --help)', 'a swap of two letters is one edit');
  assert.equal(errorOf(['--no-cor']), '--no-cor: unknown option; did you mean --no-cors? (see --help)');
  assert.equal(errorOf(['--Port', '80']), '--Port: unknown option; did you mean --port? (see --help)');
});

test('a short flag in the wrong case gets the short flag, never an unrelated long one', () => {
  assert.equal(errorOf(['-P', '80']), '-P: unknown option; did you mean -p (--port)? (see --help)');
  assert.equal(errorOf(['-C', 'x.json']), '-C: unknown option; did you mean -c (--config)? (see --help)');
  assert.equal(errorOf(['-D', 'www']), '-D: unknown option; did you mean -d (--document-root)? (see --help)');
  assert.equal(errorOf(['-x']), '-x: unknown option (see --help)');
  assert.equal(errorOf(['-Z']), '-Z: unknown option (see --help)');
});

test('nothing close: no suggestion rather than a misleading one', () => {
  assert.equal(errorOf(['--xyz']), '--xyz: unknown option (see --help)');
  assert.equal(errorOf(['--ab']), '--ab: unknown option (see --help)');
  assert.equal(errorOf(['--colour-scheme', 'dark']), '--colour-scheme: unknown option (see --help)');
});

test('closest: budget by length, case-only matches, unique prefixes', () => {
  const flags = ['port', 'fd', 'cors', 'cors-max-age', 'directory-listing', 'document-root', 'log-level', 'log-format'];
  assert.equal(closest('cors', ['port', 'fd']), undefined, 'two edits are too many for four letters');
  assert.equal(closest('P', flags), undefined, 'one letter is not a typo of a two-letter flag');
  assert.equal(closest('FD', flags), 'fd');
  assert.equal(closest('directory-list', flags), 'directory-listing', 'a unique prefix');
  assert.equal(closest('log-', flags), undefined, 'an ambiguous prefix suggests nothing');
  assert.equal(closest('docment-rot', flags), 'document-root');
  assert.equal(closest('log-levle', flags), 'log-level');
});
