// The build (issue 21): `npm start` with nothing changed must not recompile (tsc --build with a
// tsbuildinfo decides that from timestamps), and an install from a clone builds dist/ (prepare), so
// that `npm install -g .` gives a working command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(REPO + 'package.json', 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string>; files: string[] };

test('npm start and npm test build incrementally; prepare builds on install', () => {
  assert.equal(pkg.scripts.prestart, 'tsc --build tsconfig.json');
  assert.equal(pkg.scripts.build, 'tsc --build tsconfig.json');
  assert.equal(pkg.scripts.pretest, 'npm run build');
  assert.equal(pkg.scripts.prepare, 'node scripts/prepare.mjs');
  assert.ok(pkg.files.includes('dist/src') && pkg.bin.httpcraft === 'dist/src/cli.js');
});

test('after a build, the build is up to date: a start with nothing changed compiles nothing', () => {
  // The tests run from dist/, built by `npm test` (or npm run build) just before: tsc --build must
  // find its tsbuildinfo and every output newer than its inputs. (A source edited since the last
  // build fails this test on purpose: run npm run build.)
  const out = execFileSync(process.execPath, [REPO + 'node_modules/typescript/bin/tsc', '--build', '--dry', '--verbose', 'tsconfig.json'], { cwd: REPO, encoding: 'utf8' });
  assert.match(out, /Project 'tsconfig\.json' is up to date/, out);
  assert.doesNotMatch(out, /would build project/, out);
});
