// Large files (over 1 MiB, up to cache_file_max_bytes) enter the memory cache on their second
// request, one fill at a time; their compressed forms stream rather than being made in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { truncate, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { createServer } from '../../src/server/http-server.ts';
import { compose } from '../../src/app/pipeline.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { serveStatic, type StaticHandler } from '../../src/static/serve-static.ts';
import { LARGE_FILE_BYTES, LargeFileAdmission } from '../../src/static/large-file-admission.ts';
import { makeTree, raw, type Tree, type TreeSpec } from '../support/static-helpers.ts';
import { spyOnFs } from '../support/fs-spy.ts';

interface Served {
  files: StaticHandler;
  port: number;
  tree: Tree;
}

/** Serves a tree (no cache revalidation for a minute: these tests change files only on purpose) and
 * runs `run` against it, then stops the server and removes the tree. */
async function withStatic(spec: TreeSpec, run: (s: Served) => Promise<void>): Promise<void> {
  const tree = await makeTree(spec);
  const files = serveStatic({ root: tree.root, statIntervalMs: 60_000 });
  const server = createServer({ handler: compose([errorHandler()], files) });
  try {
    const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
    await run({ files, port, tree });
  } finally {
    await server.close(1000);
    await tree.cleanup();
  }
}

/** A file's identity as a stat gives it (file-identity.ts). */
const file = (size: number, mtimeMs = 1, ino = 7) => ({ size, mtimeMs, ino, dev: 1 });

test('LargeFileAdmission: small files at once; a large one on its second sight, one fill at a time', () => {
  const a = new LargeFileAdmission();
  assert.equal(a.admitNow('/small', file(LARGE_FILE_BYTES)), true);
  assert.equal(a.admitNow('/small', file(LARGE_FILE_BYTES)), true, 'small files are never held back');
  const big = LARGE_FILE_BYTES + 1;
  assert.equal(a.admitNow('/big', file(big, 1)), false, 'first sight');
  assert.match(a.whyNot('/big'), /second request/);
  assert.equal(a.admitNow('/big', file(big, 2)), false, 'the file changed: its first sight again');
  assert.equal(a.admitNow('/big', file(big, 2, 8)), false, 'replaced (another inode): its first sight again');
  assert.equal(a.admitNow('/big', file(big, 2, 8)), true, 'second sight of the same file');
  assert.equal(a.admitNow('/big', file(big, 2, 8)), false, 'a fill is running');
  assert.match(a.whyNot('/big'), /another request/);
  a.done('/big');
  assert.equal(a.admitNow('/big', file(big, 2, 8)), false, 'after a fill the count starts over (the cache answers meanwhile)');
});

test('LargeFileAdmission remembers a bounded number of large files', () => {
  const a = new LargeFileAdmission();
  const big = file(LARGE_FILE_BYTES + 1);
  for (let i = 0; i < 5000; i++) a.admitNow(`/f${i}`, big);
  assert.equal(a.admitNow('/f0', big), false, 'the oldest was forgotten');
  assert.equal(a.admitNow('/f4999', big), true, 'the newest is remembered');
});

test('a 2 MiB file streams on its first request and is served from memory from its second', async () => {
  const body = randomBytes(2 * 1024 * 1024);
  await withStatic({ 'big.bin': body }, async (s) => {
    const first = await raw(s.port, '/big.bin');
    assert.equal(first.status, 200);
    assert.ok(first.body.equals(body));
    assert.equal(s.files.stats().entries, 0, 'not cached on the first request');
    const second = await raw(s.port, '/big.bin');
    assert.ok(second.body.equals(body));
    assert.equal(s.files.stats().entries, 1, 'cached on the second');
    const third = await raw(s.port, '/big.bin', { Range: 'bytes=1048576-1048585' });
    assert.equal(third.status, 206);
    assert.ok(third.body.equals(body.subarray(1048576, 1048586)));
    const st = s.files.stats();
    assert.deepEqual([st.misses, st.hits], [2, 1]);
    assert.ok(st.bytes >= body.length, 'the body is counted in the byte bound');
  });
});

test('a large file that changed between its first two requests waits for a second sight of the new one', async () => {
  await withStatic({ 'big.bin': randomBytes(LARGE_FILE_BYTES + 10) }, async (s) => {
    await raw(s.port, '/big.bin');
    const next = randomBytes(LARGE_FILE_BYTES + 20);
    await writeFile(s.tree.path('big.bin'), next);
    assert.ok((await raw(s.port, '/big.bin')).body.equals(next));
    assert.equal(s.files.stats().entries, 0);
    assert.ok((await raw(s.port, '/big.bin')).body.equals(next));
    assert.equal(s.files.stats().entries, 1);
  });
});

test('many clients starting the same large file together all get it whole; it is read into memory once', async (t) => {
  const body = randomBytes(3 * 1024 * 1024);
  await withStatic({ 'big.bin': body }, async (s) => {
    await raw(s.port, '/big.bin'); // seen once
    // A slow disk: the fill takes 300 ms, so the twelve requests below all arrive while it runs.
    const fills = spyOnFs(t, 'readFile', (path) => path.endsWith('big.bin'), 300);
    const all = await Promise.all(Array.from({ length: 12 }, () => raw(s.port, '/big.bin')));
    for (const r of all) assert.ok(r.status === 200 && r.body.equals(body));
    const st = s.files.stats();
    assert.equal(st.entries, 1);
    assert.ok(st.bytes < 2 * body.length, `one copy held (${st.bytes} bytes)`);
    assert.equal(fills.calls, 1, 'one read into memory; the other requests streamed the file meanwhile');
  });
});

test('a cached large text file is gzipped as a stream, not held compressed in memory', async () => {
  const text = Buffer.from('All work and no play makes Jack a dull boy.\n'.repeat(50_000)); // ~2.1 MiB
  await withStatic({ 'big.txt': text }, async (s) => {
    await raw(s.port, '/big.txt');
    await raw(s.port, '/big.txt');
    assert.equal(s.files.stats().entries, 1);
    const before = s.files.stats().bytes;
    const gz = await raw(s.port, '/big.txt', { 'Accept-Encoding': 'gzip' });
    assert.equal(gz.status, 200);
    assert.equal(gz.h('content-encoding'), 'gzip');
    assert.equal(gz.h('transfer-encoding'), 'chunked');
    assert.ok(gunzipSync(gz.body).equals(text), 'raw() has removed the chunked framing');
    assert.equal(s.files.stats().bytes, before, 'no compressed variant was added to the entry');
  });
});

test('by default a file over 16 MiB is never cached; one of 16 MiB is', async () => {
  await withStatic({ 'over.bin': '', 'limit.bin': '' }, async (s) => {
    await truncate(s.tree.path('over.bin'), 16 * 1024 * 1024 + 1);
    await truncate(s.tree.path('limit.bin'), 16 * 1024 * 1024);
    for (let i = 0; i < 3; i++) assert.equal((await raw(s.port, '/over.bin')).body.length, 16 * 1024 * 1024 + 1);
    assert.equal(s.files.stats().entries, 0);
    for (let i = 0; i < 2; i++) assert.equal((await raw(s.port, '/limit.bin')).body.length, 16 * 1024 * 1024);
    assert.equal(s.files.stats().entries, 1);
  });
});

test('from the memory cache, a large file is byte-exact whole, in a large range, and for HEAD; a client leaving midway costs nothing', async () => {
  const body = randomBytes(5 * 1024 * 1024 + 7);
  await withStatic({ 'big.bin': body }, async (s) => {
    await raw(s.port, '/big.bin');
    await raw(s.port, '/big.bin');
    assert.equal(s.files.stats().entries, 1);
    const whole = await raw(s.port, '/big.bin');
    assert.equal(whole.h('content-length'), String(body.length));
    assert.ok(whole.body.equals(body));
    const range = await raw(s.port, '/big.bin', { Range: 'bytes=100-3145827' });
    assert.equal(range.status, 206);
    assert.equal(range.h('content-range'), `bytes 100-3145827/${body.length}`);
    assert.ok(range.body.equals(body.subarray(100, 3145828)));
    const head = await raw(s.port, '/big.bin', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.h('content-length'), String(body.length));
    assert.equal(head.body.length, 0);
    // A client that reads the head and goes: the slices stop, and the server goes on serving.
    await new Promise<void>((resolve) => {
      const socket = connect(s.port, '127.0.0.1', () => socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
    });
    assert.ok((await raw(s.port, '/big.bin')).body.equals(body));
    assert.equal(s.files.stats().hits, 5, 'whole, range, HEAD, the one left midway, and the last');
  });
});
