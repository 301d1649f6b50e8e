import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, utimes, rm } from 'node:fs/promises';
import { createServer } from '../../src/server/http-server.ts';
import { compose } from '../../src/app/pipeline.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { serveStatic, type StaticOptions } from '../../src/static/serve-static.ts';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { spyOnFs } from '../support/fs-spy.ts';
import type { AddressInfo } from 'node:net';

async function startStatic(options: StaticOptions) {
  const files = serveStatic(options);
  const server = createServer({ handler: compose([errorHandler()], files) });
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  return { files, port, close: () => server.close(1000) };
}

test('hits, misses and evictions are counted and exposed by stats()', async () => {
  const tree = await makeTree({ 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
  const s = await startStatic({ root: tree.root, cacheMaxSize: 2 });
  try {
    await raw(s.port, '/a.txt');
    await raw(s.port, '/a.txt');
    await raw(s.port, '/b.txt');
    await raw(s.port, '/c.txt'); // evicts a
    const st = s.files.stats();
    assert.equal(st.misses, 3);
    assert.equal(st.hits, 1);
    assert.equal(st.evictions, 1);
    assert.equal(st.entries, 2);
    assert.equal(st.maxEntries, 2);
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('a cached hit does not touch the disk within the stat interval', async () => {
  const tree = await makeTree({ 'a.txt': 'one' });
  const s = await startStatic({ root: tree.root, statIntervalMs: 60_000 });
  try {
    assert.equal((await raw(s.port, '/a.txt')).body.toString(), 'one');
    await rm(tree.path('a.txt'));
    // Still served from memory: proof that no stat happened. (The next check would notice.)
    assert.equal((await raw(s.port, '/a.txt')).body.toString(), 'one');
    assert.equal(s.files.stats().hits, 1);
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('a file requested more often than the stat interval is still checked once per interval', async () => {
  const tree = await makeTree({ 'a.txt': 'one' });
  const s = await startStatic({ root: tree.root, statIntervalMs: 300 });
  try {
    assert.equal((await raw(s.port, '/a.txt')).body.toString(), 'one');
    await writeFile(tree.path('a.txt'), 'two!');
    // Hits every 50 ms: each is inside the interval of the one before, but not of the last check.
    let body = '';
    for (let i = 0; i < 30 && body !== 'two!'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      body = (await raw(s.port, '/a.txt')).body.toString();
    }
    assert.equal(body, 'two!', 'the change is seen within a few intervals');
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('an entry is dropped when the file mtime or size changes, or the file goes', async () => {
  const tree = await makeTree({ 'a.txt': 'one' });
  const s = await startStatic({ root: tree.root, statIntervalMs: 0 });
  try {
    const first = await raw(s.port, '/a.txt');
    assert.equal(first.body.toString(), 'one');
    await writeFile(tree.path('a.txt'), 'two'); // same size
    await utimes(tree.path('a.txt'), new Date('2030-01-01'), new Date('2030-01-01'));
    const second = await raw(s.port, '/a.txt');
    assert.equal(second.body.toString(), 'two');
    assert.notEqual(second.h('etag'), first.h('etag'));
    await writeFile(tree.path('a.txt'), 'three!');
    assert.equal((await raw(s.port, '/a.txt')).body.toString(), 'three!');
    await rm(tree.path('a.txt'));
    assert.equal((await raw(s.port, '/a.txt')).status, 404);
    assert.equal(s.files.stats().hits, 0);
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('only files up to cache_file_max_bytes are cached; total bytes bounded by cache_max_bytes', async () => {
  const tree = await makeTree({ 'small.bin': Buffer.alloc(100), 'large.bin': Buffer.alloc(5000), 'm1.bin': Buffer.alloc(900), 'm2.bin': Buffer.alloc(900) });
  const s = await startStatic({ root: tree.root, cacheFileMaxBytes: 1000, cacheMaxBytes: 2500 });
  try {
    await raw(s.port, '/large.bin');
    await raw(s.port, '/large.bin');
    assert.equal(s.files.stats().hits, 0);
    assert.equal(s.files.stats().entries, 0);
    await raw(s.port, '/small.bin');
    await raw(s.port, '/m1.bin');
    await raw(s.port, '/m2.bin');
    const st = s.files.stats();
    assert.ok(st.bytes <= 2500, `bytes ${st.bytes}`);
    assert.ok(st.evictions >= 1);
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('enable_cache off: nothing cached, files still served', async () => {
  const tree = await makeTree({ 'a.txt': 'a' });
  const site = await startSite(tree.root, { enableCache: false });
  try {
    await raw(site.port, '/a.txt');
    assert.equal((await raw(site.port, '/a.txt')).body.toString(), 'a');
    assert.equal(site.handler.cacheStats().entries, 0);
    assert.equal(site.handler.cacheStats().hits, 0);
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('cache_max_age: an old entry is re-read from disk', async () => {
  const tree = await makeTree({ 'a.txt': 'a' });
  const s = await startStatic({ root: tree.root, cacheMaxAge: 0.001, statIntervalMs: 60_000 });
  try {
    await raw(s.port, '/a.txt');
    await new Promise((r) => setTimeout(r, 20));
    await raw(s.port, '/a.txt');
    const st = s.files.stats();
    assert.equal(st.hits, 0);
    assert.equal(st.misses, 2);
    assert.equal(st.evictions, 1);
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('requests that arrive while a cached file is being checked against the disk share that one check', async (t) => {
  const tree = await makeTree({ 'a.txt': 'one' });
  const s = await startStatic({ root: tree.root, statIntervalMs: 0, enableCompression: false });
  // A slow disk: each stat of a.txt takes 300 ms, so the requests below all arrive during the first check.
  const stats = spyOnFs(t, 'stat', (path) => path.endsWith('a.txt'), 300);
  try {
    assert.equal((await raw(s.port, '/a.txt')).body.toString(), 'one'); // cached now
    stats.calls = 0; // the first request's own stat (safe-stat.ts) is not a check
    const answers = await Promise.all(Array.from({ length: 20 }, () => raw(s.port, '/a.txt')));
    for (const a of answers) assert.equal(a.body.toString(), 'one');
    assert.equal(stats.calls, 1, '20 requests during one check: that one check answers them all');
    await writeFile(tree.path('a.txt'), 'two!');
    const after = await Promise.all(Array.from({ length: 5 }, () => raw(s.port, '/a.txt')));
    for (const a of after) assert.equal(a.body.toString(), 'two!', 'a change is seen by every waiter');
  } finally {
    await s.close();
    await tree.cleanup();
  }
});
