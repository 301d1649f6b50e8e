// The README and docs option tables against the key table, and the sample config.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { END_MARKER, START_MARKER, optionsMarkdown, replaceOptions } from '../../src/config/docs-table.ts';
import { KEYS, envNames, type KeySpec } from '../../src/config/keys.ts';
import { loadConfig } from '../../src/config/load.ts';
import { configJsonSchema } from '../../src/config/json-schema.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function between(text: string): string {
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER);
  assert.ok(start !== -1 && end > start, 'option markers present');
  return text.slice(start + START_MARKER.length, end);
}

for (const file of ['README.md', 'docs/configuration.md']) {
  test(`${file}: the option table is the one the key table generates (npm run docs:config)`, () => {
    const text = readFileSync(REPO + file, 'utf8');
    assert.equal(between(text), '\n' + optionsMarkdown(), `${file} is out of date with src/config/keys.ts; run npm run docs:config`);
    assert.equal(replaceOptions(text), text);
  });
}

test('the README table has one row per key, naming its env var and default', () => {
  const table = between(readFileSync(REPO + 'README.md', 'utf8'));
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  assert.equal(rows.length, KEYS.length);
  for (const spec of KEYS as readonly KeySpec[]) {
    const row = rows.find((r) => r.startsWith(`| \`${spec.key}\``));
    assert.ok(row !== undefined, spec.key);
    for (const env of envNames(spec)) assert.ok(row.includes(env), `${spec.key}: ${env}`);
  }
});

test('the check detects a stale table', () => {
  const text = readFileSync(REPO + 'README.md', 'utf8');
  const stale = text.replace('| `port` |', '| `prot` |');
  assert.notEqual(replaceOptions(stale), stale);
});

test('the sample config.json is valid and serves htdocs/ on port 8000', () => {
  const r = loadConfig({ argv: [], env: {}, cwd: REPO });
  assert.equal(r.configFile, REPO + 'config.json');
  assert.equal(r.config.port, 8000);
  assert.equal(r.config.document_root, REPO + 'htdocs');
  assert.equal(r.config.directory_listing, true);
  assert.deepEqual(r.warnings, []);
});

test('config.schema.json is the one the key table generates, and covers the sample config', () => {
  const committed = readFileSync(REPO + 'config.schema.json', 'utf8');
  assert.equal(committed, JSON.stringify(configJsonSchema(), null, 2) + '\n', 'run npm run docs:config');
  const schema = JSON.parse(committed) as { properties: Record<string, { default?: unknown; deprecated?: boolean }> };
  for (const spec of KEYS as readonly KeySpec[]) assert.ok(schema.properties[spec.key] !== undefined, spec.key);
  assert.equal(schema.properties.max_threads?.deprecated, true);
  const sample = JSON.parse(readFileSync(REPO + 'config.json', 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(sample)) assert.ok(schema.properties[key] !== undefined, key);
});
