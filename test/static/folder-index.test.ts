// Folders: index_file as a list (first existing name wins, the single-string form still works), the
// 404 of a folder without an index when listings are off (a hint for the developer at this machine,
// nothing for anyone else), and revalidation as the default Cache-Control (so the sample config's
// `npm start` shows an edited file on the next reload).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigErrors } from '../../src/config/errors.ts';
import { siteOptions } from '../../src/config/to-options.ts';
import type { Middleware } from '../../src/app/pipeline.ts';
import { makeTree, raw, silentLogger, startSite } from '../support/static-helpers.ts';
import { tempDir } from '../support/config-helpers.ts';

test('index_file as a list: the first name that exists is served; one name still works', async () => {
  const tree = await makeTree({ 'both/index.html': 'html', 'both/index.htm': 'htm', 'old/index.htm': 'old htm', 'none/x.txt': 'x', 'dir-named/index.html/': '' });
  const list = await startSite(tree.root, { indexFile: ['index.html', 'index.htm'] });
  const single = await startSite(tree.root, { indexFile: 'index.htm' });
  try {
    assert.equal((await raw(list.port, '/both/')).body.toString(), 'html');
    const old = await raw(list.port, '/old/');
    assert.equal(old.status, 200);
    assert.equal(old.body.toString(), 'old htm');
    assert.equal(old.h('content-type'), 'text/html; charset=utf-8');
    assert.equal((await raw(list.port, '/none/')).status, 404);
    assert.equal((await raw(list.port, '/dir-named/')).status, 404, 'a folder named index.html is not an index file');
    assert.equal((await raw(single.port, '/both/')).body.toString(), 'htm');
  } finally {
    await list.close();
    await single.close();
    await tree.cleanup();
  }
});

test('index_file from flags (comma-separated), env and JSON (string or array); a path is refused naming the key', async (t) => {
  const dir = await tempDir(t);
  const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ argv, env, cwd: dir, skipFilesystemChecks: true }).config.index_file;
  assert.deepEqual(load(['--index-file', 'index.html,index.htm']), ['index.html', 'index.htm']);
  assert.deepEqual(load([], { HTTPCRAFT_INDEX_FILE: 'home.html, index.html' }), ['home.html', 'index.html']);
  assert.equal(load(['--index-file', 'home.html']), 'home.html');
  assert.equal(load([]), 'index.html');
  for (const bad of ['../secret.html', 'a/b.html', ',']) {
    assert.throws(() => load(['--index-file', bad]), (e: unknown) => e instanceof ConfigErrors && e.errors.some((x) => x.key === 'index_file' && x.toString().includes('--index-file')), bad);
  }
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/config.json`, JSON.stringify({ index_file: ['index.htm', 'default.html'] }));
  assert.deepEqual(load([]), ['index.htm', 'default.html']);
});

/** Pretends the client is elsewhere on the network (the tests only ever connect over loopback). */
const fromAfar: Middleware = (req, _res, next) => {
  Object.defineProperty(req, 'remoteAddress', { value: '203.0.113.7' });
  return next();
};

test('a folder without an index, listings off: loopback clients are told how to list it, others get a plain 404', async () => {
  const tree = await makeTree({ 'photos/a.jpg': 'x' });
  const local = await startSite(tree.root);
  const remote = await startSite(tree.root, { middleware: [fromAfar] });
  try {
    const r = await raw(local.port, '/photos/');
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /--directory-listing/);
    assert.match(r.body.toString(), /&#34;directory_listing&#34;: true/);
    const j = await raw(local.port, '/photos/', { Accept: 'application/json' });
    assert.match((JSON.parse(j.body.toString()) as { error: { message: string } }).error.message, /--directory-listing/);
    // A missing file is not a folder: no hint there.
    assert.doesNotMatch((await raw(local.port, '/photos/nope.jpg')).body.toString(), /directory-listing/);
    const far = await raw(remote.port, '/photos/');
    assert.equal(far.status, 404);
    assert.doesNotMatch(far.body.toString(), /directory.listing/);
  } finally {
    await local.close();
    await remote.close();
    await tree.cleanup();
  }
});

test('the site\'s own 404.html is used as is for that folder (the hint is for the default page)', async () => {
  const tree = await makeTree({ 'photos/a.jpg': 'x', '404.html': '<h1>Lost?</h1>' });
  const site = await startSite(tree.root);
  try {
    const r = await raw(site.port, '/photos/');
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), '<h1>Lost?</h1>');
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('revalidation by default: no-cache with validators, 304 when unchanged; a lifetime only when configured', async () => {
  const tree = await makeTree({ 'app.css': 'body{}' });
  const dev = await startSite(tree.root);
  const prod = await startSite(tree.root, { browserCacheTime: 3600 });
  try {
    const r = await raw(dev.port, '/app.css');
    assert.equal(r.h('cache-control'), 'no-cache');
    assert.ok(r.h('etag') !== undefined && r.h('last-modified') !== undefined);
    const again = await raw(dev.port, '/app.css', { 'If-None-Match': r.h('etag')! });
    assert.equal(again.status, 304);
    assert.equal(again.h('cache-control'), 'no-cache');
    assert.equal((await raw(prod.port, '/app.css')).h('cache-control'), 'public, max-age=3600');
  } finally {
    await dev.close();
    await prod.close();
    await tree.cleanup();
  }
});

test('the sample config.json (what npm start serves) revalidates instead of caching for a day', () => {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const sample = JSON.parse(readFileSync(`${repo}config.json`, 'utf8')) as Record<string, unknown>;
  assert.ok(sample.browser_cache_time === undefined || sample.browser_cache_time === 0, `browser_cache_time ${String(sample.browser_cache_time)}`);
  const { config } = loadConfig({ argv: [], env: {}, cwd: repo, skipFilesystemChecks: true });
  assert.equal(siteOptions(config, silentLogger).browserCacheTime, 0);
});
