// Site rules end to end: SPA fallback, redirects with captures, rewrites (also into a proxy route),
// clean URLs, per-path headers; the evaluation order; the patterns alone; config errors.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern, fillTarget } from '../../src/site-rules/path-pattern.ts';
import { parsePathHeaders, parseRedirects, parseRewrites } from '../../src/site-rules/rules-config.ts';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { httpUpstream, recordingLogger, routes } from '../support/proxy-helpers.ts';
import type { SiteOptions } from '../../src/app/site.ts';

async function site(t: { after(fn: () => unknown): void }, rules: NonNullable<SiteOptions['siteRules']>, extra: Partial<SiteOptions> = {}) {
  const tree = await makeTree({ 'index.html': 'home', 'about.html': 'about page', 'docs/index.html': 'docs', 'app.js': 'js', 'old-only.txt': 'old' }, 'httpcraft-rules-');
  const s = await startSite(tree.root, { logger: recordingLogger(), enableSecurityHeaders: false, siteRules: rules, ...extra });
  t.after(async () => (await s.close(), await s.handler.close(), await tree.cleanup()));
  return s;
}

describe('patterns', () => {
  test('"*" captures the rest as :splat, ":name" one segment', () => {
    const p = compilePattern('/old/*');
    assert.deepEqual(p.match('/old/a/b'), { splat: 'a/b' });
    assert.deepEqual(p.match('/old'), { splat: '' });
    assert.equal(p.match('/older/a'), null);
    const q = compilePattern('/blog/:year/:slug');
    assert.deepEqual(q.match('/blog/2026/hello'), { year: '2026', slug: 'hello' });
    assert.equal(q.match('/blog/2026/hello/more'), null);
    assert.equal(fillTarget('/posts/:year-:slug.html', { year: '2026', slug: 'hello' }), '/posts/2026-hello.html');
    assert.equal(compilePattern('/a.b').match('/aXb'), null, 'literal dots');
  });

  test('config errors name the place and the reason', () => {
    const r1 = parseRedirects([{ from: '/a/*', to: '/b/:slug' }]);
    assert.ok(!r1.ok && r1.at === '[0].to' && /:slug/.test(r1.problem));
    const r2 = parseRedirects([{ from: '/a', to: '/b', status: 200 }]);
    assert.ok(!r2.ok && r2.at === '[0].status');
    const r3 = parseRedirects([{ from: '/a/*/b', to: '/b' }]);
    assert.ok(!r3.ok && r3.at === '[0].from');
    const r4 = parseRewrites([{ from: '/a', to: 'https://elsewhere.example/' }]);
    assert.ok(!r4.ok && r4.at === '[0].to', 'a rewrite stays on this server');
    const r5 = parseRedirects([{ from: '/a', to: '//evil.example/' }]);
    assert.ok(!r5.ok && r5.at === '[0].to');
    const r6 = parsePathHeaders([{ path: '/a', headers: { 'Content-Length': '1' } }]);
    assert.ok(!r6.ok && /server's to set/.test(r6.problem));
    assert.ok(parseRedirects([{ from: '/old/*', to: 'https://new.example/:splat', status: 308 }]).ok);
  });
});

describe('SPA fallback', () => {
  test('{"fallback":"index.html"} serves index.html with 200 for /some/client/route', async (t) => {
    const s = await site(t, { fallback: 'index.html' });
    const r = await fetch(`${s.url}/some/client/route`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'home');
    assert.equal(await (await fetch(`${s.url}/about.html`)).text(), 'about page', 'files still win');
  });

  test('a missing asset fetched by a script stays 404; a browser navigation to a dotted path gets the app', async (t) => {
    const s = await site(t, { fallback: 'index.html' });
    assert.equal((await fetch(`${s.url}/missing.js`)).status, 404);
    const nav = await fetch(`${s.url}/user/jane.doe`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    assert.equal(nav.status, 200);
    assert.equal(await nav.text(), 'home');
    assert.equal((await fetch(`${s.url}/x`, { method: 'POST' })).status >= 400, true, 'only GET and HEAD fall back');
  });
});

describe('redirects and rewrites', () => {
  test('{"from":"/old/*","to":"/new/:splat","status":301} redirects /old/a/b to /new/a/b, query kept', async (t) => {
    const s = await site(t, { redirects: [{ from: '/old/*', to: '/new/:splat', status: 301 }] });
    const r = await fetch(`${s.url}/old/a/b?x=1`, { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/new/a/b?x=1');
    assert.equal((await fetch(`${s.url}/old-only.txt`, { redirect: 'manual' })).status, 200, '/old-only.txt is not under /old/');
  });

  test('a rewrite changes what is served, not the URL; one rewrite per request', async (t) => {
    const s = await site(t, {
      rewrites: [
        { from: '/pages/:name', to: '/:name.html' },
        { from: '/about.html', to: '/index.html' },
      ],
    });
    const r = await fetch(`${s.url}/pages/about`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'about page', 'the second rule does not apply to the rewritten path');
  });

  test('rewrites run before proxy routes: a rewrite may send a path to a backend', async (t) => {
    const up = await httpUpstream();
    const s = await site(t, { rewrites: [{ from: '/v1/*', to: '/api/:splat' }] }, { proxy: routes([{ path: '/api/', to: [up.url] }]) });
    t.after(() => up.close());
    const r = await fetch(`${s.url}/v1/users?active=1`);
    assert.equal(r.status, 200);
    assert.equal(up.seen[0]!.url, '/api/users?active=1');
  });

  test('redirects run before proxy routes', async (t) => {
    const up = await httpUpstream();
    const s = await site(t, { redirects: [{ from: '/api/old', to: '/api/new', status: 308 }] }, { proxy: routes([{ path: '/api/', to: [up.url] }]) });
    t.after(() => up.close());
    const r = await fetch(`${s.url}/api/old`, { redirect: 'manual' });
    assert.equal(r.status, 308);
    assert.equal(up.seen.length, 0);
  });
});

describe('clean URLs and per-path headers', () => {
  test('/about serves about.html; folders and real files are unchanged', async (t) => {
    const s = await site(t, { cleanUrls: true });
    assert.equal(await (await fetch(`${s.url}/about`)).text(), 'about page');
    assert.equal(await (await fetch(`${s.url}/docs/`)).text(), 'docs');
    assert.equal((await fetch(`${s.url}/nothing`)).status, 404);
  });

  test('/about.html redirects (301) to /about, query kept; /dir/index.html to /dir/; a missing .html stays 404', async (t) => {
    const s = await site(t, { cleanUrls: true });
    const r = await fetch(`${s.url}/about.html?x=1&y=%20`, { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/about?x=1&y=%20');
    assert.equal(r.headers.get('cache-control'), 'max-age=3600');
    const head = await fetch(`${s.url}/about.html`, { method: 'HEAD', redirect: 'manual' });
    assert.equal(head.status, 301);
    assert.equal(head.headers.get('location'), '/about');
    assert.equal((await fetch(`${s.url}/docs/index.html`, { redirect: 'manual' })).headers.get('location'), '/docs/');
    assert.equal((await fetch(`${s.url}/index.html`, { redirect: 'manual' })).headers.get('location'), '/');
    const missing = await fetch(`${s.url}/nothing.html`, { redirect: 'manual' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('location'), null);
    // Following the redirect lands on the page: one URL per page, and it works.
    const followed = await fetch(`${s.url}/about.html`);
    assert.equal(followed.url, `${s.url}/about`);
    assert.equal(await followed.text(), 'about page');
  });

  test('a .html redirect keeps percent-encoding and never leaves this origin (//evil.html gives /evil)', async (t) => {
    const tree = await makeTree({ 'caf\u00e9.html': 'cafe', 'evil.html': 'e', 'evil.com.html': 'e.com', 'a b/index.html': 'ab' }, 'httpcraft-clean-');
    const s = await startSite(tree.root, { enableSecurityHeaders: false, siteRules: { cleanUrls: true } });
    t.after(async () => (await s.close(), await s.handler.close(), await tree.cleanup()));
    assert.equal((await raw(s.port, '/caf%C3%A9.html')).h('location'), '/caf%C3%A9');
    assert.equal((await raw(s.port, '/caf%c3%a9.html')).h('location'), '/caf%c3%a9', 'escapes go back as they came');
    assert.equal((await raw(s.port, '/a%20b/index.html')).h('location'), '/a%20b/');
    const twice = await raw(s.port, '//evil.html');
    assert.equal(twice.status, 301);
    assert.equal(twice.h('location'), '/evil', 'a network-path reference //evil would name another host');
    assert.equal((await raw(s.port, '///evil.html?q')).h('location'), '/evil?q');
    // "//evil.com.html" is a file, and stays one: its clean form "/evil.com" has an extension, so
    // the clean-URL lookup would not find it, and a redirect is sent only when it leads back.
    const dotted = await raw(s.port, '//evil.com.html');
    assert.equal(dotted.status, 200);
    assert.equal(dotted.h('location'), undefined);
    for (const path of ['/./evil.html', '/x/../evil.html', '/%2e/evil.html', '/\\evil.html', '/%5Cevil.html']) {
      const r = await raw(s.port, path);
      assert.ok(r.h('location') === undefined || !r.h('location')!.startsWith('//'), `${path}: ${r.h('location')}`);
      assert.notEqual(r.status, 301, `${path} is not redirected`);
    }
  });

  test('no redirect where /about would not serve about.html, nor for other methods or with clean_urls off', async (t) => {
    const tree = await makeTree({ 'page.html': 'p', 'page/index.html': 'folder', 'both/index.htm': 'htm', 'both/index.html': 'html', 'v1.2.html': 'v', '.hidden/a.html': 'h', 'keep.html': 'k' }, 'httpcraft-clean-');
    const s = await startSite(tree.root, { enableSecurityHeaders: false, indexFile: ['index.htm', 'index.html'], siteRules: { cleanUrls: true } });
    const off = await startSite(tree.root, { enableSecurityHeaders: false });
    t.after(async () => (await s.close(), await s.handler.close(), await off.close(), await off.handler.close(), await tree.cleanup()));
    assert.equal((await raw(s.port, '/page.html')).status, 200, 'a folder /page exists: /page would not reach page.html');
    assert.equal((await raw(s.port, '/both/index.html')).h('location'), '/both/index', '/both/ serves index.htm (listed first), /both/index leads to index.html');
    assert.equal(await (await fetch(`${s.url}/both/index`)).text(), 'html');
    assert.equal((await raw(s.port, '/both/index.htm')).status, 200, 'only .html is redirected');
    assert.equal((await raw(s.port, '/v1.2.html')).status, 200, '/v1.2 has an extension');
    assert.equal((await raw(s.port, '/.hidden/a.html')).status, 404, 'a dotfile stays hidden, not redirected');
    const post = await raw(s.port, '/keep.html', { 'Content-Length': '0' }, 'POST');
    assert.notEqual(post.status, 301);
    assert.equal(post.h('location'), undefined);
    assert.equal((await raw(off.port, '/keep.html')).status, 200);
    assert.equal((await raw(s.port, '/keep.html')).h('location'), '/keep');
  });

  test('headers per path glob, on files, on redirects and on proxied responses', async (t) => {
    const up = await httpUpstream();
    const s = await site(
      t,
      { headers: [{ path: '/**', headers: { 'X-Site': 'yes' } }, { path: '/*.js', headers: { 'Cache-Control': 'max-age=31536000, immutable' } }] },
      { proxy: routes([{ path: '/api/', to: [up.url] }]) },
    );
    t.after(() => up.close());
    const js = await fetch(`${s.url}/app.js`);
    assert.equal(js.headers.get('cache-control'), 'max-age=31536000, immutable');
    assert.equal(js.headers.get('x-site'), 'yes');
    assert.equal((await fetch(`${s.url}/about.html`)).headers.get('x-site'), 'yes');
    assert.equal((await fetch(`${s.url}/api/x`)).headers.get('x-site'), 'yes');
  });
});
