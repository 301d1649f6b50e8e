// The first run in an ordinary folder (issue 21): a config.json that belongs to another tool is
// ignored with a warning (an explicit -c stays strict), --no-config, PORT from the environment, and
// the current folder served when there is no ./htdocs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { foreignConfig, loadConfig, type Loaded } from '../../src/config/load.ts';
import { ConfigErrors } from '../../src/config/errors.ts';
import { tempDir } from '../support/config-helpers.ts';

async function folder(t: Parameters<typeof tempDir>[0], config?: string): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'htdocs'));
  if (config !== undefined) await writeFile(join(dir, 'config.json'), config);
  return dir;
}

function load(cwd: string, argv: string[] = [], env: Record<string, string> = {}): Loaded {
  return loadConfig({ argv, env, cwd });
}

function errors(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigErrors, String(error));
    return error.errors.map(String);
  }
  return assert.fail('expected ConfigErrors');
}

const PACKAGE_LIKE = JSON.stringify({ name: 'my-app', version: '1.0.0', scripts: { dev: 'vite' }, database: { url: 'postgres://x' } });

test('a ./config.json of another tool is ignored with a warning; the server starts with the defaults', async (t) => {
  const dir = await folder(t, PACKAGE_LIKE);
  const r = load(dir);
  assert.equal(r.configFile, null);
  assert.equal(r.ignoredConfigFile, join(dir, 'config.json'));
  assert.equal(r.config.port, 8000);
  assert.equal(r.sources.port, 'default');
  assert.deepEqual(r.warnings, [
    './config.json is not an httpcraft config (none of its keys is an httpcraft setting: "name", "version", "scripts", …), so it is ignored; "-c config.json" reads it anyway, --no-config skips it',
  ]);
});

test('named with -c (or HTTPCRAFT_CONFIG) the same file is read strictly', async (t) => {
  const dir = await folder(t, PACKAGE_LIKE);
  const e = errors(() => load(dir, ['-c', 'config.json']));
  assert.deepEqual(e, ['config.json:$.name: unknown key', 'config.json:$.version: unknown key', 'config.json:$.scripts: unknown key', 'config.json:$.database: unknown key']);
  assert.equal(errors(() => load(dir, [], { HTTPCRAFT_CONFIG: 'config.json' })).length, 4);
});

test('the rule: a $schema decides; otherwise at least half the keys must be ours (near misses count)', () => {
  assert.equal(foreignConfig({ $schema: './config.schema.json', colour: 1 }), null, 'our schema: ours, typos and all');
  assert.equal(foreignConfig({ $schema: 'https://example.com/httpcraft/config.json' }), null);
  assert.equal(foreignConfig({ $schema: 'https://json.schemastore.org/nodemon.json', port: 1 }), 'its $schema is "https://json.schemastore.org/nodemon.json"');
  assert.equal(foreignConfig({}), null, 'an empty object is harmless');
  assert.equal(foreignConfig({ port: 3000, host: 'db' }), null);
  assert.equal(foreignConfig({ port: 3000, directory_listin: true }), null, 'a typo of ours is ours, to be reported');
  assert.equal(foreignConfig({ port: 3000, database: 'x', secret: 'y' }), 'only 1 of its 3 keys is an httpcraft setting');
  assert.equal(foreignConfig([1, 2]), 'it holds an array, not an object of settings');
  assert.equal(foreignConfig({ _comment: 'notes', '// x': 1 }), null, 'notes are not counted');
});

test('a ./config.json of ours with a typo still stops the server, naming the key', async (t) => {
  const dir = await folder(t, '{"port": 8100, "directory_listin": true}');
  assert.deepEqual(errors(() => load(dir)), ['config.json:$.directory_listin: unknown key; did you mean "directory_listing"?']);
  const ours = await folder(t, '{"$schema": "./config.schema.json", "colour_scheme": "dark"}');
  assert.deepEqual(errors(() => load(ours)), ['config.json:$.colour_scheme: unknown key']);
});

test('malformed JSON in ./config.json is still an error (ours or not cannot be told)', async (t) => {
  const dir = await folder(t, '{ "port": 80,');
  assert.match(errors(() => load(dir))[0]!, /^config\.json:1:\d+: malformed JSON/);
});

test('--no-config reads no file: not ./config.json, not HTTPCRAFT_CONFIG; with -c it is a usage error', async (t) => {
  const dir = await folder(t, '{ broken');
  const r = load(dir, ['--no-config'], { HTTPCRAFT_CONFIG: 'config.json' });
  assert.equal(r.configFile, null);
  assert.equal(r.ignoredConfigFile, null);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(errors(() => load(dir, ['--no-config', '-c', 'config.json'])), ['--no-config: --no-config and --config both given; keep one']);
  assert.deepEqual(errors(() => load(dir, ['--no-config=yes'])), ['--no-config: --no-config takes no value']);
});

test('PORT from the environment: used when no port is given; HTTPCRAFT_PORT and -p win; it beats the config file', async (t) => {
  const dir = await folder(t, '{"port": 8100}');
  const r = load(dir, [], { PORT: '3000' });
  assert.deepEqual([r.config.port, r.sources.port], [3000, 'PORT']);
  const both = load(dir, [], { PORT: '3000', HTTPCRAFT_PORT: '4000' });
  assert.deepEqual([both.config.port, both.sources.port], [4000, 'HTTPCRAFT_PORT']);
  const flag = load(dir, ['-p', '5000'], { PORT: '3000' });
  assert.deepEqual([flag.config.port, flag.sources.port], [5000, '-p']);
  assert.deepEqual([load(dir, [], { PORT: '' }).config.port, load(dir).sources.port], [8100, 'config.json:$.port']);
});

test('a bad PORT is a config error naming PORT', async (t) => {
  const dir = await folder(t);
  assert.deepEqual(errors(() => load(dir, [], { PORT: 'eighty' })), ['PORT: "eighty" is not valid for port: expected a port number from 0 to 65535']);
  assert.deepEqual(errors(() => load(dir, [], { PORT: '70000' })), ['PORT: "70000" is not valid for port: out of range; expected a port number from 0 to 65535']);
  // Not looked at when HTTPCRAFT_PORT or -p gives the port.
  assert.equal(load(dir, ['-p', '9000'], { PORT: 'eighty' }).config.port, 9000);
});

test('no root given and no ./htdocs: the current folder is served, and said so', async (t) => {
  const dir = await tempDir(t);
  const r = load(dir);
  assert.equal(r.config.document_root, await realpath(dir));
  assert.equal(r.rootIsCwd, true);
  assert.equal(r.sources.document_root, 'default: no ./htdocs, so the current folder');
  // With ./htdocs, or a root set anywhere, nothing changes (a missing root given is an error).
  await mkdir(join(dir, 'htdocs'));
  assert.deepEqual([load(dir).config.document_root, load(dir).rootIsCwd], [await realpath(join(dir, 'htdocs')), false]);
  const other = await tempDir(t);
  assert.deepEqual(errors(() => load(other, ['-d', 'htdocs'])), [`-d: document root "${join(other, 'htdocs')}" does not exist`]);
  assert.equal(errors(() => load(other, [], { HTTPCRAFT_DOCUMENT_ROOT: 'htdocs' })).length, 1);
  await writeFile(join(other, 'config.json'), '{"document_root": "htdocs"}');
  assert.equal(errors(() => load(other)).length, 1, 'set in the config file: must exist');
});
