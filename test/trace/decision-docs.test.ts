// docs/decisions.md against the catalogue: the table is the one src/trace/decisions.ts generates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { END_MARKER, START_MARKER, decisionsMarkdown, replaceDecisions } from '../../src/trace/decision-docs.ts';
import { DECISIONS } from '../../src/trace/decisions.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const page = readFileSync(REPO + 'docs/decisions.md', 'utf8');

test('docs/decisions.md: the table is the one the catalogue generates (npm run docs:decisions)', () => {
  const start = page.indexOf(START_MARKER);
  const end = page.indexOf(END_MARKER);
  assert.ok(start !== -1 && end > start, 'decision markers present');
  assert.equal(page.slice(start + START_MARKER.length, end), '\n' + decisionsMarkdown(), 'docs/decisions.md is out of date with src/trace/decisions.ts; run npm run docs:decisions');
  assert.equal(replaceDecisions(page), page);
});

test('the table has one row per decision, each with a sentence and a source', () => {
  const rows = decisionsMarkdown().split('\n').filter((l) => l.startsWith('| `'));
  assert.equal(rows.length, Object.keys(DECISIONS).length);
  for (const code of Object.keys(DECISIONS)) {
    const row = rows.find((r) => r.startsWith(`| \`${code}\` |`));
    assert.ok(row !== undefined, code);
    const [, , sentence, source] = row.split(/(?<!\\)\|/).map((c) => c.trim());
    assert.ok(sentence !== undefined && sentence.length > 10, `${code}: sentence`);
    assert.ok(source !== undefined && source.length > 3, `${code}: source`);
  }
});

test('the check detects a stale table', () => {
  const stale = page.replace('| `chunked` |', '| `chunkd` |');
  assert.notEqual(replaceDecisions(stale), stale);
});
