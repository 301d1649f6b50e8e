// Site rules end to end: SPA fallback, redirects with captures, rewrites (also into a proxy route),
// clean URLs, per-path headers; the evaluation order; the patterns alone; config errors.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern, fillTarget } from '../../src/site-rules/path-pattern.ts';
import { parsePathHeaders, parseRedirects, parseRewrites } from '../../src/site-rules/rules-config.ts';
import { makeTree, startSite } from '../support/static-helpers.ts';
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
