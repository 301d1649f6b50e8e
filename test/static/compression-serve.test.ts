import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, gunzipSync, brotliDecompressSync, brotliCompressSync } from 'node:zlib';
import { utimes } from 'node:fs/promises';
import { makeTree, raw, startSite, curl, type Site, type Tree } from '../support/static-helpers.ts';

const CSS = Buffer.from('body { color: red; }\n'.repeat(300));
const BIGJS = Buffer.from('console.log("streamed and compressed");\n'.repeat(60_000)); // > cache_file_max_bytes
const PNG = Buffer.alloc(5000, 7);
let tree: Tree;
let site: Site;

before(async () => {
  tree = await makeTree({
    'style.css': CSS,
    'small.css': 'a{}',
    'big.js': BIGJS,
    'image.png': PNG,
    'pre.js': 'x'.repeat(2000),
    'pre.js.gz': gzipSync(Buffer.from('PRECOMPRESSED-GZ')),
    'pre.js.br': brotliCompressSync(Buffer.from('PRECOMPRESSED-BR')),
    'stale.js': 'y'.repeat(2000),
    'stale.js.gz': gzipSync(Buffer.from('STALE')),
  });
  // the sibling is older than the file it stands for: it must be ignored
  await utimes(tree.path('stale.js.gz'), new Date('2000-01-01'), new Date('2000-01-01'));
  site = await startSite(tree.root, { cacheFileMaxBytes: 1024 * 1024 });
});

after(async () => {
  await site.close();
  await tree.cleanup();
});

for (const path of ['/style.css', '/big.js']) {
  test(`${path}: gzip and brotli by Accept-Encoding with q-values, Vary, distinct ETags`, async () => {
    const original = path === '/style.css' ? CSS : BIGJS;
    const identity = await raw(site.port, path);
    assert.equal(identity.h('content-encoding'), undefined);
    assert.equal(identity.h('vary'), 'Accept-Encoding');
    assert.deepEqual(identity.body, original);

    const gz = await raw(site.port, path, { 'Accept-Encoding': 'gzip' });
    assert.equal(gz.h('content-encoding'), 'gzip');
    assert.equal(gz.h('vary'), 'Accept-Encoding');
    assert.deepEqual(gunzipSync(gz.body), original);
    assert.ok(gz.body.length < original.length / 5);

    const br = await raw(site.port, path, { 'Accept-Encoding': 'gzip;q=0.5, br' });
    assert.equal(br.h('content-encoding'), 'br');
    assert.deepEqual(brotliDecompressSync(br.body), original);

    assert.equal((await raw(site.port, path, { 'Accept-Encoding': 'br;q=0.1, gzip' })).h('content-encoding'), 'gzip');
    assert.equal((await raw(site.port, path, { 'Accept-Encoding': 'br;q=0, gzip;q=0' })).h('content-encoding'), undefined);
    const etags = new Set([identity.h('etag'), gz.h('etag'), br.h('etag')]);
    assert.equal(etags.size, 3, 'each representation has its own strong validator');
    // conditional on the compressed representation
    assert.equal((await raw(site.port, path, { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.h('etag')! })).status, 304);
    assert.equal((await raw(site.port, path, { 'Accept-Encoding': 'gzip', 'If-None-Match': identity.h('etag')! })).status, 200);
  });
}

test('cached files keep their compressed variants (served again from memory)', async () => {
  const a = await raw(site.port, '/style.css', { 'Accept-Encoding': 'br' });
  const before = site.handler.cacheStats();
  const b = await raw(site.port, '/style.css', { 'Accept-Encoding': 'br' });
  const afterStats = site.handler.cacheStats();
  assert.deepEqual(a.body, b.body);
  assert.equal(afterStats.hits, before.hits + 1);
  assert.ok(afterStats.bytes > CSS.length, 'the variant is accounted in the cache bytes');
});

test('never compressed: ranges, small files, already-compressed types', async () => {
  const r = await raw(site.port, '/style.css', { 'Accept-Encoding': 'gzip, br', Range: 'bytes=0-9' });
  assert.equal(r.status, 206);
  assert.equal(r.h('content-encoding'), undefined);
  assert.deepEqual(r.body, CSS.subarray(0, 10));
  const small = await raw(site.port, '/small.css', { 'Accept-Encoding': 'gzip, br' });
  assert.equal(small.h('content-encoding'), undefined);
  assert.equal(small.h('vary'), undefined);
  const png = await raw(site.port, '/image.png', { 'Accept-Encoding': 'gzip, br' });
  assert.equal(png.h('content-encoding'), undefined);
  assert.deepEqual(png.body, PNG);
});

test('precompressed siblings (file.br, file.gz) are served when present and not stale', async () => {
  const br = await raw(site.port, '/pre.js', { 'Accept-Encoding': 'gzip, br' });
  assert.equal(br.h('content-encoding'), 'br');
  assert.equal(brotliDecompressSync(br.body).toString(), 'PRECOMPRESSED-BR');
  assert.equal(br.h('content-type'), 'text/javascript; charset=utf-8');
  const gz = await raw(site.port, '/pre.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(gunzipSync(gz.body).toString(), 'PRECOMPRESSED-GZ');
  const stale = await raw(site.port, '/stale.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(stale.h('content-encoding'), 'gzip');
  assert.equal(gunzipSync(stale.body).toString(), 'y'.repeat(2000), 'compressed from the original, not the stale sibling');
});

test('HEAD of a compressed representation, and real clients decode it', async () => {
  const head = await raw(site.port, '/big.js', { 'Accept-Encoding': 'gzip' }, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.h('content-encoding'), 'gzip');
  assert.equal(head.body.length, 0);
  const res = await fetch(`${site.url}/big.js`); // undici sends Accept-Encoding: gzip, deflate (and br)
  assert.ok(['gzip', 'br'].includes(res.headers.get('content-encoding') ?? ''));
  assert.equal(await res.text(), BIGJS.toString());
  const { stdout } = await curl(['--compressed', `${site.url}/style.css`]);
  assert.equal(stdout, CSS.toString());
});

test('enable_compression off: identity only, no Vary', async () => {
  const off = await startSite(tree.root, { enableCompression: false });
  try {
    const r = await raw(off.port, '/style.css', { 'Accept-Encoding': 'gzip, br' });
    assert.equal(r.h('content-encoding'), undefined);
    assert.equal(r.h('vary'), undefined);
  } finally {
    await off.close();
  }
});
