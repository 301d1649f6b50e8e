import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { documentRootErrorPages } from '../../src/static/error-pages.ts';

test('<status>.html from the document root when present, with the right status', async () => {
  const tree = await makeTree({ '404.html': '<h1>custom not found</h1>', '416.html': '<h1>custom range</h1>', 'a.txt': 'abc' });
  const site = await startSite(tree.root, { showHiddenFiles: false });
  try {
    const r = await raw(site.port, '/nope');
    assert.equal(r.status, 404);
    assert.equal(r.h('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.body.toString(), '<h1>custom not found</h1>');
    assert.equal(r.h('cache-control'), 'no-store');
    const range = await raw(site.port, '/a.txt', { Range: 'bytes=10-' });
    assert.equal(range.status, 416);
    assert.equal(range.h('content-range'), 'bytes */3');
    assert.equal(range.body.toString(), '<h1>custom range</h1>');
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('a clean generated page otherwise, and JSON for clients that ask for JSON', async () => {
  const tree = await makeTree({ 'a.txt': 'abc' });
  const site = await startSite(tree.root);
  try {
    const r = await raw(site.port, '/nope');
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /<title>404 Not Found<\/title>/);
    const j = await raw(site.port, '/nope', { Accept: 'application/json' });
    assert.equal(j.h('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(j.body.toString()), { error: { status: 404, reason: 'Not Found', message: 'Not Found' } });
    // An overlong "." is not a dot: the bytes are a (missing) file name, as on disk.
    assert.equal((await raw(site.port, '/%c0%ae')).status, 404);
    assert.equal((await raw(site.port, '/%zz')).status, 400);
    const pf = await raw(site.port, '/a.txt', { 'If-Match': '"x"', Accept: 'application/json' });
    assert.equal(pf.status, 412);
    assert.equal((JSON.parse(pf.body.toString()) as { error: { status: number } }).error.status, 412);
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('error pages are reused while unchanged and re-read when the file changes', async () => {
  const tree = await makeTree({ '404.html': 'one' });
  try {
    const stale = documentRootErrorPages(tree.root, 60_000);
    const fresh = documentRootErrorPages(tree.root, 0);
    const req = {} as never;
    assert.equal((await stale(404, req))?.toString(), 'one');
    assert.equal((await fresh(404, req))?.toString(), 'one');
    await writeFile(tree.path('404.html'), 'two, longer');
    assert.equal((await stale(404, req))?.toString(), 'one', 'within the interval: no disk access');
    assert.equal((await fresh(404, req))?.toString(), 'two, longer');
    assert.equal(await fresh(500, req), undefined);
    assert.equal(await fresh(200, req), undefined, 'only 4xx/5xx pages');
  } finally {
    await tree.cleanup();
  }
});
