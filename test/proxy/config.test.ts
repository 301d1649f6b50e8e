// The proxy and site-rule keys as a user writes them: --proxy PATH=URL (repeatable), JSON in a flag,
// the config file; errors that name the key, the source and the exact place.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigErrors } from '../../src/config/errors.ts';
import { ROUTE_DEFAULTS } from '../../src/proxy/route-config.ts';
import { tempDir } from '../support/config-helpers.ts';

const load = (argv: string[], cwd = process.cwd()) => loadConfig({ argv: ['--no-config', ...argv], env: {}, cwd, skipFilesystemChecks: true });

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigErrors) return error.errors.map((e) => e.toString());
    throw error;
  }
  assert.fail('expected a config error');
}

test('--proxy PATH=URL makes a route with the defaults; given twice, two routes', () => {
  const { config, sources } = load(['--proxy', '/api=http://127.0.0.1:3000', '--proxy', '/ws=http://127.0.0.1:4000,https://backend.example']);
  assert.deepEqual(config.proxy, [
    { path: '/api', to: [{ url: 'http://127.0.0.1:3000', weight: 1 }], ...ROUTE_DEFAULTS },
    { path: '/ws', to: [{ url: 'http://127.0.0.1:4000', weight: 1 }, { url: 'https://backend.example', weight: 1 }], ...ROUTE_DEFAULTS },
  ]);
  assert.equal(sources.proxy, '--proxy');
});

test('--proxy takes the JSON of a route too', () => {
  const { config } = load(['--proxy', '{"path":"/api/","to":"http://127.0.0.1:3000","strip_prefix":true}']);
  assert.equal(config.proxy[0]!.strip_prefix, true);
});

test('bad --proxy values name the flag and the reason', () => {
  const [a] = errorsOf(() => load(['--proxy', '/api']));
  assert.match(a!, /--proxy.*PATH=URL/);
  const [b] = errorsOf(() => load(['--proxy', '/api=ftp://x']));
  assert.match(b!, /only http:\/\/ and https:\/\//);
  const [c] = errorsOf(() => load(['--proxy', '/api=http://127.0.0.1:3000/base']));
  assert.match(c!, /no path or query\); use strip_prefix/);
});

test('config file errors point at the exact place', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'c.json');
  await writeFile(file, JSON.stringify({ proxy: [{ path: '/api/', to: ['http://127.0.0.1:1', { url: 'http://127.0.0.1:2', weight: 0 }] }] }));
  const [a] = errorsOf(() => loadConfig({ argv: ['-c', file], env: {}, cwd: dir, skipFilesystemChecks: true }));
  assert.match(a!, /\$\.proxy\[0\]\.to\[1\]\.weight/);
  await writeFile(file, JSON.stringify({ proxy: [{ path: '/api/', to: ['http://127.0.0.1:1'], strategy: 'hash' }] }));
  const [b] = errorsOf(() => loadConfig({ argv: ['-c', file], env: {}, cwd: dir, skipFilesystemChecks: true }));
  assert.match(b!, /\$\.proxy\[0\]\.hash_key.*needs hash_key/);
  await writeFile(file, JSON.stringify({ proxy: [{ path: '/api/', to: ['http://127.0.0.1:1'], retry: 2 }] }));
  const [c] = errorsOf(() => loadConfig({ argv: ['-c', file], env: {}, cwd: dir, skipFilesystemChecks: true }));
  assert.match(c!, /\$\.proxy\[0\]\.retry.*unknown field "retry"/);
  await writeFile(file, JSON.stringify({ redirects: [{ from: '/old/*', to: '/new/:slug' }] }));
  const [d] = errorsOf(() => loadConfig({ argv: ['-c', file], env: {}, cwd: dir, skipFilesystemChecks: true }));
  assert.match(d!, /\$\.redirects\[0\]\.to.*:slug/);
});

test('--spa and --clean-urls', () => {
  const { config } = load(['--spa', 'index.html', '--clean-urls']);
  assert.equal(config.fallback, 'index.html');
  assert.equal(config.clean_urls, true);
});

test('proxy[].ca resolves from the config file\'s folder, from the working directory for --proxy and HTTPCRAFT_PROXY', async (t) => {
  const dir = await tempDir(t);
  const conf = join(dir, 'conf');
  const elsewhere = join(dir, 'elsewhere');
  await mkdir(conf);
  await mkdir(elsewhere);
  const file = join(conf, 'c.json');
  await writeFile(file, JSON.stringify({ proxy: [{ path: '/a/', to: 'https://127.0.0.1:1', ca: 'ca.pem' }, { path: '/b/', to: 'https://127.0.0.1:2', ca: '/etc/ssl/abs.pem' }, { path: '/c/', to: 'https://127.0.0.1:3' }] }));
  const fromFile = loadConfig({ argv: ['-c', file], env: {}, cwd: elsewhere, skipFilesystemChecks: true }).config.proxy;
  assert.deepEqual(fromFile.map((r) => r.ca), [join(conf, 'ca.pem'), '/etc/ssl/abs.pem', null]);
  const route = '{"path":"/api/","to":"https://127.0.0.1:1","ca":"certs/ca.pem"}';
  assert.equal(load(['--proxy', route], elsewhere).config.proxy[0]!.ca, join(elsewhere, 'certs', 'ca.pem'));
  const env = loadConfig({ argv: ['--no-config'], env: { HTTPCRAFT_PROXY: route }, cwd: elsewhere, skipFilesystemChecks: true }).config.proxy;
  assert.equal(env[0]!.ca, join(elsewhere, 'certs', 'ca.pem'));
});

test('a missing proxy[].ca is a start-up config error naming proxy[1].ca, the resolved path and the config file', async (t) => {
  const dir = await tempDir(t);
  const conf = join(dir, 'conf');
  await mkdir(conf);
  await writeFile(join(conf, 'ca.pem'), 'not checked here: only that it can be read');
  await mkdir(join(conf, 'folder.pem'));
  const file = join(conf, 'c.json');
  await writeFile(file, JSON.stringify({ proxy: [{ path: '/a/', to: 'https://127.0.0.1:1', ca: 'ca.pem' }, { path: '/b/', to: 'https://127.0.0.1:2', ca: 'missing.pem' }, { path: '/c/', to: 'https://127.0.0.1:3', ca: 'folder.pem' }] }));
  const errors = errorsOf(() => loadConfig({ argv: ['-c', file], env: {}, cwd: dir }));
  assert.deepEqual(errors, [
    `${join('conf', 'c.json')}:$.proxy[1].ca: proxy[1].ca ${JSON.stringify(join(conf, 'missing.pem'))} does not exist`,
    `${join('conf', 'c.json')}:$.proxy[2].ca: proxy[2].ca ${JSON.stringify(join(conf, 'folder.pem'))} is not a file`,
  ]);
  const [flag] = errorsOf(() => loadConfig({ argv: ['--no-config', '--proxy', '{"path":"/a/","to":"https://127.0.0.1:1","ca":"nope.pem"}'], env: {}, cwd: dir }));
  assert.equal(flag, `--proxy: proxy[0].ca ${JSON.stringify(join(dir, 'nope.pem'))} does not exist`);
});
