import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTree, raw, rawExchange, parseResponse, startSite, curl, type Site, type Tree } from '../support/static-helpers.ts';

const BIG = Buffer.from(Array.from({ length: 5000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

// Every rule runs twice: small files from the in-memory cache, and streamed from disk (cache off).
for (const mode of ['cached', 'streamed'] as const) {
  describe(`static files (${mode})`, () => {
    let tree: Tree;
    let site: Site;
    before(async () => {
      tree = await makeTree({
        'hello.txt': 'hello world\n',
        'big.txt': BIG,
        'page.html': '<p>hi</p>',
        'app.wasm': Buffer.from([0, 97, 115, 109]),
        'data.json': '{"a":1}',
        'noext': 'x',
        'empty.txt': '',
        'sub/index.html': '<h1>sub</h1>',
        'nolist/file.txt': 'f',
        '.env': 'SECRET=1',
        '.git/config': 'secret',
        'a/.hidden/x.txt': 'secret',
        '.well-known/security.txt': 'Contact: mailto:x@example.com',
      });
      site = await startSite(tree.root, { enableCache: mode === 'cached', enableCompression: false });
    });
    after(async () => {
      await site.close();
      await tree.cleanup();
    });

    test('200 with Content-Type (charset for text), validators, Accept-Ranges, nosniff, Cache-Control', async () => {
      for (let i = 0; i < 2; i++) {
        const r = await raw(site.port, '/hello.txt');
        assert.equal(r.status, 200);
        assert.equal(r.h('content-type'), 'text/plain; charset=utf-8');
        assert.equal(r.h('content-length'), '12');
        assert.match(r.h('etag')!, /^"[0-9a-f]+-[0-9a-f]+"$/);
        assert.ok(!Number.isNaN(Date.parse(r.h('last-modified')!)));
        assert.equal(r.h('accept-ranges'), 'bytes');
        assert.deepEqual(r.headers.get('x-content-type-options'), ['nosniff']);
        assert.equal(r.h('cache-control'), 'no-cache'); // revalidate by default: an edit shows on reload
        assert.ok(r.h('date'));
        assert.equal(r.h('connection'), 'close');
        assert.equal(r.body.toString(), 'hello world\n');
      }
      assert.equal((await raw(site.port, '/app.wasm')).h('content-type'), 'application/wasm');
      assert.equal((await raw(site.port, '/data.json')).h('content-type'), 'application/json; charset=utf-8');
      assert.equal((await raw(site.port, '/noext')).h('content-type'), 'application/octet-stream');
      const empty = await raw(site.port, '/empty.txt');
      assert.equal(empty.status, 200);
      assert.equal(empty.h('content-length'), '0');
    });

    test('HEAD sends the GET headers and no body', async () => {
      const bytes = await rawExchange(site.port, 'HEAD /big.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const r = parseResponse(bytes);
      assert.equal(r.status, 200);
      assert.equal(r.h('content-length'), String(BIG.length));
      assert.equal(r.body.length, 0);
    });

    test('If-None-Match → 304 with validators and no body; If-Modified-Since → 304 (RFC 9110 §13.1.2-3)', async () => {
      const first = await raw(site.port, '/hello.txt');
      const etag = first.h('etag')!;
      const r = await raw(site.port, '/hello.txt', { 'If-None-Match': `"nope", ${etag}` });
      assert.equal(r.status, 304);
      assert.equal(r.h('etag'), etag);
      assert.equal(r.h('last-modified'), first.h('last-modified'));
      assert.equal(r.h('cache-control'), 'no-cache');
      assert.equal(r.h('content-length'), undefined);
      assert.equal(r.body.length, 0);
      const ims = await raw(site.port, '/hello.txt', { 'If-Modified-Since': first.h('last-modified')! });
      assert.equal(ims.status, 304);
      const old = await raw(site.port, '/hello.txt', { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' });
      assert.equal(old.status, 200);
      // If-None-Match takes precedence over If-Modified-Since
      const both = await raw(site.port, '/hello.txt', { 'If-None-Match': '"other"', 'If-Modified-Since': first.h('last-modified')! });
      assert.equal(both.status, 200);
    });

    test('If-Match mismatch and If-Unmodified-Since in the past → 412 (§13.1.1, §13.1.4)', async () => {
      const etag = (await raw(site.port, '/hello.txt')).h('etag')!;
      assert.equal((await raw(site.port, '/hello.txt', { 'If-Match': '"nope"' })).status, 412);
      assert.equal((await raw(site.port, '/hello.txt', { 'If-Match': etag })).status, 200);
      assert.equal((await raw(site.port, '/hello.txt', { 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 412);
      assert.equal((await raw(site.port, '/hello.txt', { 'If-Match': '"nope"', 'If-None-Match': etag })).status, 412);
    });

    test('single ranges → 206 with Content-Range (§14.1.2)', async () => {
      const cases: [string, number, number][] = [['bytes=0-99', 0, 99], ['bytes=4500-', 4500, 4999], ['bytes=-200', 4800, 4999], ['bytes=0-0', 0, 0], ['bytes=4990-999999', 4990, 4999]];
      for (const [range, start, end] of cases) {
        const r = await raw(site.port, '/big.txt', { Range: range });
        assert.equal(r.status, 206, range);
        assert.equal(r.h('content-range'), `bytes ${start}-${end}/5000`);
        assert.equal(r.h('content-length'), String(end - start + 1));
        assert.equal(r.h('content-type'), 'text/plain; charset=utf-8');
        assert.deepEqual(r.body, BIG.subarray(start, end + 1));
      }
    });

    test('several ranges → multipart/byteranges (§14.6)', async () => {
      const r = await raw(site.port, '/big.txt', { Range: 'bytes=0-9, 100-104, -3' });
      assert.equal(r.status, 206);
      const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(r.h('content-type')!);
      assert.ok(m);
      assert.equal(Number(r.h('content-length')), r.body.length);
      const parts = r.body.toString('latin1').split(`--${m[1]}`);
      assert.equal(parts.length, 5); // '', 3 parts, '--\r\n'
      assert.equal(parts[4], '--\r\n');
      const expect = [[0, 9], [100, 104], [4997, 4999]] as const;
      expect.forEach(([s, e], i) => {
        const part = parts[i + 1]!;
        assert.match(part, new RegExp(`Content-Range: bytes ${s}-${e}/5000\r\n`));
        assert.match(part, /Content-Type: text\/plain; charset=utf-8\r\n/);
        assert.equal(part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''), BIG.subarray(s, e + 1).toString('latin1'));
      });
    });

    test('unsatisfiable → 416 with Content-Range bytes */len; invalid ranges ignored (§14.2, §15.5.17)', async () => {
      const r = await raw(site.port, '/big.txt', { Range: 'bytes=5000-6000' });
      assert.equal(r.status, 416);
      assert.equal(r.h('content-range'), 'bytes */5000');
      assert.equal((await raw(site.port, '/big.txt', { Range: 'bytes=9-1' })).status, 200);
      assert.equal((await raw(site.port, '/big.txt', { Range: 'lines=1-2' })).status, 200);
      assert.equal((await raw(site.port, '/empty.txt', { Range: 'bytes=0-' })).status, 416);
      // Range is for GET only: HEAD ignores it
      const head = parseResponse(await rawExchange(site.port, 'HEAD /big.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nConnection: close\r\n\r\n'));
      assert.equal(head.status, 200);
    });

    test('If-Range: matching validator → 206, stale → full 200 (§13.1.5)', async () => {
      const etag = (await raw(site.port, '/big.txt')).h('etag')!;
      assert.equal((await raw(site.port, '/big.txt', { Range: 'bytes=0-9', 'If-Range': etag })).status, 206);
      const stale = await raw(site.port, '/big.txt', { Range: 'bytes=0-9', 'If-Range': '"stale"' });
      assert.equal(stale.status, 200);
      assert.equal(stale.body.length, 5000);
      assert.equal((await raw(site.port, '/big.txt', { Range: 'bytes=0-9', 'If-Range': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 200);
    });

    test('folders: index.html, 301 to the slash form keeping the query, 404 without index', async () => {
      const r = await raw(site.port, '/sub?x=1&y=%20');
      assert.equal(r.status, 301);
      assert.equal(r.h('location'), '/sub/?x=1&y=%20');
      const idx = await raw(site.port, '/sub/');
      assert.equal(idx.status, 200);
      assert.equal(idx.h('content-type'), 'text/html; charset=utf-8');
      assert.equal(idx.body.toString(), '<h1>sub</h1>');
      assert.equal((await raw(site.port, '/nolist/')).status, 404);
      // no open redirect through a protocol-relative Location
      assert.equal((await raw(site.port, '//sub')).h('location'), '/sub/');
      assert.equal((await raw(site.port, '/missing.txt')).status, 404);
    });

    test('dotfiles and dot-folders are 404; .well-known is public', async () => {
      for (const p of ['/.env', '/.git/config', '/.git/', '/a/.hidden/x.txt', '/%2eenv', '/a/%2Ehidden/x.txt']) {
        const r = await raw(site.port, p);
        assert.equal(r.status, 404, p);
        assert.ok(!r.body.toString().includes('secret') && !r.body.toString().includes('SECRET'), p);
      }
      assert.equal((await raw(site.port, '/.well-known/security.txt')).status, 200);
    });

    test('OPTIONS lists GET, HEAD, OPTIONS; a method nothing implements → 501', async () => {
      const o = await raw(site.port, '/hello.txt', {}, 'OPTIONS');
      assert.equal(o.status, 204);
      assert.equal(o.h('allow'), 'GET, HEAD, OPTIONS');
      assert.equal((await raw(site.port, '/hello.txt', { 'Content-Length': '0' }, 'PATCH')).status, 501);
    });

    test('real clients: fetch and curl (ranges, conditional)', async () => {
      const res = await fetch(`${site.url}/big.txt`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), BIG.toString());
      const part = await fetch(`${site.url}/big.txt`, { headers: { Range: 'bytes=10-19' } });
      assert.equal(part.status, 206);
      assert.equal(await part.text(), BIG.subarray(10, 20).toString());
      const { stdout } = await curl(['-r', '5-9', `${site.url}/big.txt`]);
      assert.equal(stdout, BIG.subarray(5, 10).toString());
      const etag = res.headers.get('etag')!;
      const cond = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, `${site.url}/big.txt`]);
      assert.equal(cond.stdout, '304');
    });

    test('keep-alive: several requests on one connection, including 304 and 206', async () => {
      const etag = (await raw(site.port, '/hello.txt')).h('etag')!;
      const req = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
      const bytes = await rawExchange(site.port, req('/hello.txt') + req('/hello.txt', `If-None-Match: ${etag}\r\n`) + req('/big.txt', 'Range: bytes=0-4\r\n') + req('/hello.txt', 'Connection: close\r\n'));
      const text = bytes.toString('latin1');
      assert.deepEqual([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['200', '304', '206', '200']);
      assert.ok(text.endsWith('hello world\n'));
    });
  });
}

test('cached fast path keeps Date and Connection right for HTTP/1.0 clients (close, or keep-alive when asked)', async () => {
  const tree = await makeTree({ 'a.txt': 'abc' });
  const site = await startSite(tree.root);
  try {
    await raw(site.port, '/a.txt'); // warm the cache
    const r = parseResponse(await rawExchange(site.port, 'GET /a.txt HTTP/1.0\r\n\r\n'));
    assert.equal(r.status, 200);
    assert.equal(r.h('connection'), 'close');
    assert.equal(r.body.toString(), 'abc');
    assert.ok(r.h('date'));
    // a 1.0 client asking for keep-alive gets it said explicitly, then a second cached answer
    const two = (await rawExchange(site.port, 'GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /a.txt HTTP/1.0\r\n\r\n')).toString('latin1');
    const heads = two.split('HTTP/1.1 200 OK').slice(1);
    assert.equal(heads.length, 2);
    assert.match(heads[0]!, /\r\nConnection: keep-alive\r\n/);
    assert.match(heads[1]!, /\r\nConnection: close\r\n/);
    assert.equal(site.handler.cacheStats().hits, 3);
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('Cache-Control: config default, disabled browser caching, and per-pattern overrides', async () => {
  const tree = await makeTree({ 'index.html': 'i', 'assets/app.1234.js': 'js', 'x.css': 'c' });
  const site = await startSite(tree.root, {
    browserCacheTime: 120,
    cacheControl: [
      { pattern: '*.html', value: 'no-cache' },
      { pattern: '/assets/**', value: 'public, max-age=31536000, immutable' },
    ],
  });
  const off = await startSite(tree.root, { enableBrowserCaching: false });
  try {
    assert.equal((await raw(site.port, '/')).h('cache-control'), 'no-cache');
    assert.equal((await raw(site.port, '/assets/app.1234.js')).h('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await raw(site.port, '/x.css')).h('cache-control'), 'public, max-age=120');
    assert.equal((await raw(off.port, '/x.css')).h('cache-control'), 'no-cache');
  } finally {
    await site.close();
    await off.close();
    await tree.cleanup();
  }
});
