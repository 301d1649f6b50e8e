import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheControlFor, globToRegExp } from '../../src/static/cache-control.ts';

test('default from enable_browser_caching and browser_cache_time: revalidate unless a lifetime is given', () => {
  assert.equal(cacheControlFor({})('/a.css'), 'no-cache');
  assert.equal(cacheControlFor({ browserCacheTime: 0 })('/a.css'), 'no-cache');
  assert.equal(cacheControlFor({ browserCacheTime: 60 })('/a.css'), 'public, max-age=60');
  assert.equal(cacheControlFor({ browserCacheTime: 86400, enableBrowserCaching: false })('/a.css'), 'no-cache');
});

test('per-pattern overrides, first match wins; base-name patterns and rooted patterns', () => {
  const f = cacheControlFor({
    browserCacheTime: 86400,
    rules: [
      { pattern: '*.html', value: 'no-cache' },
      { pattern: '/assets/**/*.{js,css}', value: 'public, max-age=31536000, immutable' },
      { pattern: 'assets/*.png', value: 'public, max-age=600' },
    ],
  });
  assert.equal(f('/index.html'), 'no-cache');
  assert.equal(f('/deep/er/page.html'), 'no-cache');
  assert.equal(f('/assets/app.3f2a.js'), 'public, max-age=31536000, immutable');
  assert.equal(f('/assets/x/y/app.css'), 'public, max-age=31536000, immutable');
  assert.equal(f('/assets/logo.png'), 'public, max-age=600');
  assert.equal(f('/other/logo.png'), 'public, max-age=86400');
  assert.equal(f('/assets.js'), 'public, max-age=86400');
});

test('globs: * stops at slashes, ** does not, ? is one character, regex characters are literal', () => {
  assert.ok(globToRegExp('/a/*.js').test('/a/b.js'));
  assert.ok(!globToRegExp('/a/*.js').test('/a/b/c.js'));
  assert.ok(globToRegExp('/a/**').test('/a/b/c.js'));
  assert.ok(globToRegExp('file?.txt').test('file1.txt'));
  assert.ok(!globToRegExp('a+b.txt').test('aab.txt'));
  assert.ok(globToRegExp('a+b.txt').test('a+b.txt'));
  assert.throws(() => globToRegExp('{a,b'));
  assert.throws(() => cacheControlFor({ rules: [{ pattern: '*', value: 'x\r\nSet-Cookie: a' }] }));
});
