import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sep } from 'node:path';
import fc from 'fast-check';
import { hasHiddenSegment, resolveRequestPath } from '../../src/static/resolve-path.ts';

const ROOT = '/srv/public';

test('plain paths resolve under the root; dot segments are resolved lexically', () => {
  assert.deepEqual(resolveRequestPath(ROOT, '/a/b.txt'), { ok: true, filePath: '/srv/public/a/b.txt', segments: ['a', 'b.txt'], trailingSlash: false });
  assert.deepEqual(resolveRequestPath(ROOT, '/a/./c/../b.txt').ok && resolveRequestPath(ROOT, '/a/./c/../b.txt'), { ok: true, filePath: '/srv/public/a/b.txt', segments: ['a', 'b.txt'], trailingSlash: false });
  assert.equal((resolveRequestPath(ROOT, '/') as { filePath: string }).filePath, ROOT);
  assert.equal((resolveRequestPath(ROOT, '/caf%C3%A9%20au%20lait.txt') as { filePath: string }).filePath, '/srv/public/café au lait.txt');
});

test('climbing above the root, encoded slashes, backslashes and NUL are refused', () => {
  for (const p of ['/..', '/../etc/passwd', '/a/../../x', '/%2e%2e/x', '/%2E%2E/%2e%2e/x', '/a%2f..%2f..%2fx', '/..%5cx', '/a\\..\\..\\x', '/x%00.txt', '/%2e%2e%2f%2e%2e%2fetc']) {
    const r = resolveRequestPath(ROOT, p);
    assert.equal(r.ok, false, p);
  }
});

test('malformed escapes and invalid or overlong UTF-8 are 400', () => {
  for (const p of ['/%', '/%zz', '/%c0%ae%c0%ae/x', '/%e0%80%af', '/%ff', '/%c3', '/%ed%a0%80']) {
    assert.deepEqual(resolveRequestPath(ROOT, p), { ok: false, status: 400 }, p);
  }
  assert.deepEqual(resolveRequestPath(ROOT, 'relative'), { ok: false, status: 400 });
});

test('hidden segments: dotfiles and dot-folders anywhere, except a top-level .well-known', () => {
  assert.ok(hasHiddenSegment(['.env']));
  assert.ok(hasHiddenSegment(['a', '.git', 'config']));
  assert.ok(hasHiddenSegment(['a', '.well-known']));
  assert.ok(!hasHiddenSegment(['.well-known', 'security.txt']));
  assert.ok(!hasHiddenSegment(['a.b', 'c']));
});

test('property: no generated path ever resolves outside the root', () => {
  const piece = fc.constantFrom('..', '.', '%2e', '%2E', '%2e%2e', '.%2e', '%2f', '%2F', '%5c', '\\', '/', '//', 'a', 'b.txt', '%00', '%c0%ae', '%c0%af', '%', '%25', '%252e', 'é', '%C3%A9', '..;', '...', '~', 'public-old', ':', '?', '#');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
      const path = '/' + pieces.join('');
      const r = resolveRequestPath(ROOT, path);
      if (r.ok) {
        assert.ok(r.filePath === ROOT || r.filePath.startsWith(ROOT + sep), `${path} → ${r.filePath}`);
        assert.ok(!r.segments.includes('..') && !r.filePath.includes('\0'));
      }
    }),
    { numRuns: 5000, seed: 42 },
  );
});

test('property: arbitrary unicode strings never escape either', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const r = resolveRequestPath(ROOT, '/' + encodeURI(s).replace(/%25/g, '%'));
      if (r.ok) assert.ok(r.filePath === ROOT || r.filePath.startsWith(ROOT + sep));
    }),
    { numRuns: 3000, seed: 99 },
  );
});
