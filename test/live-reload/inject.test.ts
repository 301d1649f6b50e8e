// The live-reload script tag in HTML pages, and nowhere else: served files (cached, uncached, too
// large to hold), listings, error pages; lengths, entity tags, 304s, HEAD, Range and compression of
// the page as sent; CSS and JS byte-identical to the disk; nothing at all with live reload off.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { makeTree, raw, startSite, type Site, type Tree } from '../support/static-helpers.ts';
import { LIVE_RELOAD_TAG, injectIntoHtml, injectIntoHtmlBytes } from '../../src/live-reload/inject.ts';
import type { SiteOptions } from '../../src/app/site.ts';

const PAGE = '<!doctype html><html><head><title>t</title><link rel="stylesheet" href="/site.css"></head><body><p>hello</p></body></html>\n';
const CSS = 'p { color: rgb(1, 2, 3) }\n/* </body> in a comment must stay */\n' + '.pad { margin: 0 }\n'.repeat(50);
const JS = 'document.write("</body>");\n' + '// padding, so compression pays\n'.repeat(50);

async function withSite(options: Partial<SiteOptions>, run: (site: Site, tree: Tree) => Promise<void>, extra: Record<string, string | Buffer> = {}): Promise<void> {
  const tree = await makeTree({ 'index.html': PAGE, 'site.css': CSS, 'app.js': JS, 'docs/readme.txt': 'r', 'big.html': `<html><body>${'x'.repeat(4000)}</body></html>`, ...extra });
  const site = await startSite(tree.root, { liveReload: true, ...options });
  try {
    await run(site, tree);
  } finally {
    await site.close();
    await tree.cleanup();
  }
}

test('injectIntoHtml: before the last </body>, else before </head>, else at the end; UTF-16 pages untouched', () => {
  assert.equal(injectIntoHtml('<p></BODY></html>'), `<p>${LIVE_RELOAD_TAG}</BODY></html>`);
  assert.equal(injectIntoHtml('<script>"</body>"</script></body>'), `<script>"</body>"</script>${LIVE_RELOAD_TAG}</body>`);
  assert.equal(injectIntoHtml('<head></head><p>'), `<head>${LIVE_RELOAD_TAG}</head><p>`);
  assert.equal(injectIntoHtml('<p>bare'), `<p>bare${LIVE_RELOAD_TAG}`);
  // Bytes: the offset found in the latin1 view is a byte offset, whatever UTF-8 comes before it.
  const utf8 = Buffer.from('<p>ünï©ødé 日本</p></body>');
  assert.equal(injectIntoHtmlBytes(utf8).toString(), `<p>ünï©ødé 日本</p>${LIVE_RELOAD_TAG}</body>`);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<p></p></body>', 'utf16le')]);
  assert.equal(injectIntoHtmlBytes(utf16), utf16);
});

for (const enableCache of [true, false]) {
  test(`an HTML file gets the script before </body>, with its own Content-Length and ETag, no Accept-Ranges (cache ${enableCache ? 'on' : 'off'})`, async () => {
    await withSite({ enableCache }, async (site) => {
      for (let round = 0; round < 2; round++) {
        const res = await raw(site.port, '/');
        assert.equal(res.status, 200);
        assert.equal(res.body.toString(), PAGE.replace('</body>', `${LIVE_RELOAD_TAG}</body>`));
        assert.equal(res.h('content-length'), String(res.body.length));
        assert.match(res.h('etag') ?? '', /-lr"$/);
        assert.equal(res.h('accept-ranges'), undefined);
        assert.match(res.h('content-type') ?? '', /^text\/html/);
      }
    });
  });
}

test('CSS and JS are byte-identical to the files on disk (identity and gzip), with the plain file ETag and ranges', async () => {
  await withSite({ compressionMinSize: 1 }, async (site, tree) => {
    for (const [path, file] of [['/site.css', 'site.css'], ['/app.js', 'app.js']] as const) {
      const disk = await readFile(tree.path(file));
      const plain = await raw(site.port, path);
      assert.deepEqual(plain.body, disk, path);
      assert.equal(plain.h('content-length'), String(disk.length));
      assert.doesNotMatch(plain.h('etag') ?? '', /-lr/);
      assert.equal(plain.h('accept-ranges'), 'bytes');
      const gz = await raw(site.port, path, { 'Accept-Encoding': 'gzip' });
      assert.equal(gz.h('content-encoding'), 'gzip');
      assert.deepEqual(gunzipSync(gz.body), disk, `${path} gzip`);
      const part = await raw(site.port, path, { Range: 'bytes=0-3' });
      assert.equal(part.status, 206);
      assert.deepEqual(part.body, disk.subarray(0, 4));
    }
  });
});

test('304 only for the page\'s own ETag; the plain file\'s ETag (a server without live reload) gets the page', async () => {
  await withSite({}, async (site, tree) => {
    const first = await raw(site.port, '/index.html');
    const etag = first.h('etag')!;
    const again = await raw(site.port, '/index.html', { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.h('etag'), etag);
    assert.equal(again.body.length, 0);
    // Served by a server without live reload, the same file has the tag without "-lr".
    const plainSite = await startSite(tree.root, {});
    try {
      const plain = await raw(plainSite.port, '/index.html');
      assert.equal(plain.body.toString(), PAGE);
      assert.notEqual(plain.h('etag'), etag);
      const stale = await raw(site.port, '/index.html', { 'If-None-Match': plain.h('etag')! });
      assert.equal(stale.status, 200, 'a cached page without the script is replaced');
      assert.ok(stale.body.includes(LIVE_RELOAD_TAG));
      // And If-Match is a strong comparison against the page's tag.
      assert.equal((await raw(site.port, '/index.html', { 'If-Match': plain.h('etag')! })).status, 412);
    } finally {
      await plainSite.close();
    }
  });
});

test('HEAD of a page: the GET headers (its injected length), no body', async () => {
  await withSite({}, async (site) => {
    const get = await raw(site.port, '/');
    const head = await raw(site.port, '/', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.h('content-length'), get.h('content-length'));
    assert.equal(head.h('etag'), get.h('etag'));
    assert.equal(head.body.length, 0);
  });
});

test('a Range on a page is ignored: 200 with the whole page (offsets into the file are not offsets into the page)', async () => {
  await withSite({}, async (site) => {
    const res = await raw(site.port, '/', { Range: 'bytes=0-9' });
    assert.equal(res.status, 200);
    assert.equal(res.h('content-range'), undefined);
    assert.ok(res.body.includes(LIVE_RELOAD_TAG));
    assert.equal(res.h('content-length'), String(res.body.length));
  });
});

test('compressed pages are the injected page; a precompressed sibling (the file\'s bytes) is not used', async () => {
  const stale = gzipSync(Buffer.from('<html><body>from the .gz sibling</body></html>'));
  await withSite(
    { compressionMinSize: 1 },
    async (site) => {
      for (const coding of ['gzip', 'br']) {
        const res = await raw(site.port, '/', { 'Accept-Encoding': coding });
        assert.equal(res.h('content-encoding'), coding);
        const { brotliDecompressSync } = await import('node:zlib');
        const body = coding === 'gzip' ? gunzipSync(res.body) : brotliDecompressSync(res.body);
        assert.equal(body.toString(), PAGE.replace('</body>', `${LIVE_RELOAD_TAG}</body>`));
        assert.equal(res.h('content-length'), String(res.body.length));
        assert.match(res.h('etag') ?? '', /-lr-(gz|br)"$/);
      }
    },
    { 'index.html.gz': stale },
  );
});

test('a page too large to hold in memory streams from disk with the tag after it (identity and gzip)', async () => {
  await withSite({ cacheFileMaxBytes: 1000, compressionMinSize: 1 }, async (site, tree) => {
    const disk = await readFile(tree.path('big.html'));
    const res = await raw(site.port, '/big.html');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), disk.toString() + LIVE_RELOAD_TAG);
    assert.equal(res.h('content-length'), String(disk.length + Buffer.byteLength(LIVE_RELOAD_TAG)));
    const head = await raw(site.port, '/big.html', {}, 'HEAD');
    assert.equal(head.h('content-length'), res.h('content-length'));
    const gz = await raw(site.port, '/big.html', { 'Accept-Encoding': 'gzip' });
    assert.equal(gunzipSync(gz.body).toString(), disk.toString() + LIVE_RELOAD_TAG);
  });
});

test('a large page (over 1 MiB) held in the memory cache keeps its tag before </body>, identity and gzip', async () => {
  const large = `<html><body>${'<p>row</p>\n'.repeat(120_000)}</body></html>`; // ~1.3 MB
  await withSite(
    { compressionMinSize: 1 },
    async (site) => {
      const expected = large.replace('</body>', `${LIVE_RELOAD_TAG}</body>`);
      for (let round = 0; round < 3; round++) {
        // The first request streams it from disk; from the second it is in the cache.
        const res = await raw(site.port, '/large.html');
        assert.equal(res.body.toString(), expected, `round ${round}`);
        assert.equal(res.h('content-length'), String(Buffer.byteLength(expected)));
        const gz = await raw(site.port, '/large.html', { 'Accept-Encoding': 'gzip' });
        assert.equal(gz.h('content-encoding'), 'gzip');
        assert.equal(gunzipSync(gz.body).toString(), expected, `gzip, round ${round}`);
      }
      assert.equal(site.handler.cacheStats().entries, 1);
    },
    { 'large.html': large },
  );
});

test('listings get the tag and a policy that allows it; JSON listings do not change', async () => {
  await withSite({ directoryListing: true }, async (site) => {
    const html = await raw(site.port, '/docs/');
    assert.equal(html.status, 200);
    assert.ok(html.body.toString().includes(`${LIVE_RELOAD_TAG}</body>`));
    assert.equal(html.h('content-length'), String(html.body.length));
    const csp = html.h('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'sha256-/);
    assert.match(csp, /connect-src 'self'/);
    const json = await raw(site.port, '/docs/?format=json');
    assert.ok(!json.body.toString().includes('live-reload'));
    JSON.parse(json.body.toString());
  });
});

test('error pages (the default one and a custom 404.html) get the tag', async () => {
  await withSite(
    {},
    async (site) => {
      const custom = await raw(site.port, '/missing');
      assert.equal(custom.status, 404);
      assert.equal(custom.body.toString(), `<html><body>custom${LIVE_RELOAD_TAG}</body></html>`);
      assert.equal(custom.h('content-length'), String(custom.body.length));
      const generated = await raw(site.port, '/%00');
      assert.ok(generated.status >= 400);
      assert.ok(generated.body.toString().includes(LIVE_RELOAD_TAG), generated.body.toString());
      // A client that asked for JSON gets JSON.
      const json = await raw(site.port, '/missing', { Accept: 'application/json' });
      assert.ok(!json.body.toString().includes('script'));
    },
    { '404.html': '<html><body>custom</body></html>' },
  );
});

test('the client script is served with its type, an ETag and 304s, for GET and HEAD', async () => {
  await withSite({}, async (site) => {
    const res = await raw(site.port, '/__httpcraft/live-reload.js');
    assert.equal(res.status, 200);
    assert.equal(res.h('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.h('content-length'), String(res.body.length));
    assert.match(res.body.toString(), /new WebSocket\(/);
    assert.match(res.body.toString(), /\/__httpcraft\/live-reload'/);
    assert.equal(res.h('x-content-type-options'), 'nosniff');
    const etag = res.h('etag')!;
    assert.equal((await raw(site.port, '/__httpcraft/live-reload.js', { 'If-None-Match': etag })).status, 304);
    const head = await raw(site.port, '/__httpcraft/live-reload.js', {}, 'HEAD');
    assert.equal(head.h('content-length'), res.h('content-length'));
    assert.equal(head.body.length, 0);
  });
});

test('live reload off: no tag anywhere, no script path, listing policy without \'self\'', async () => {
  await withSite({ liveReload: false, directoryListing: true }, async (site, tree) => {
    const page = await raw(site.port, '/');
    assert.equal(page.body.toString(), PAGE);
    assert.doesNotMatch(page.h('etag') ?? '', /-lr/);
    assert.equal(page.h('accept-ranges'), 'bytes');
    assert.equal((await raw(site.port, '/__httpcraft/live-reload.js')).status, 404);
    const listing = await raw(site.port, '/docs/');
    assert.ok(!listing.body.toString().includes('live-reload'));
    assert.doesNotMatch(listing.h('content-security-policy') ?? '', /'self' 'sha256/);
    assert.ok(!(await raw(site.port, '/nope')).body.toString().includes('live-reload'));
    assert.equal(site.handler.liveReload, null);
    await writeFile(tree.path('x.html'), 'x');
  });
});

test('a change batch clears the cached copies first: the reload it causes gets the new page, listing and error page', async () => {
  await withSite(
    { directoryListing: true },
    async (site, tree) => {
      const hub = site.handler.liveReload!;
      assert.ok((await raw(site.port, '/')).body.includes('hello'));
      assert.ok((await raw(site.port, '/docs/')).body.includes('>1 B<'));
      assert.ok((await raw(site.port, '/gone')).body.includes('first'));
      // Within the cache's check interval (1 s), so without the invalidation these would be the old copies.
      await writeFile(tree.path('index.html'), PAGE.replace('hello', 'edited'));
      await writeFile(tree.path('docs/readme.txt'), 'twelve bytes');
      await writeFile(tree.path('404.html'), '<html><body>second</body></html>');
      hub.notify({ paths: ['/index.html', '/docs/readme.txt', '/404.html'], truncated: false });
      assert.ok((await raw(site.port, '/')).body.includes('edited'));
      assert.ok((await raw(site.port, '/docs/')).body.includes('>12 B<'));
      assert.ok((await raw(site.port, '/gone')).body.includes('second'));
    },
    { '404.html': '<html><body>first</body></html>' },
  );
});

test('security_headers replace the client script\'s own fields too: one Cache-Control, the configured one', async () => {
  await withSite({ securityHeaders: { 'Cache-Control': 'no-store' } }, async (site) => {
    const res = await raw(site.port, '/__httpcraft/live-reload.js');
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.get('cache-control'), ['no-store']);
    const etag = res.h('etag')!;
    const again = await raw(site.port, '/__httpcraft/live-reload.js', { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.deepEqual(again.headers.get('cache-control'), ['no-store']);
  });
});
