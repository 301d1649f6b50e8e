import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { resolveSecurityHeaders } from '../../src/middleware/security-headers.ts';

test('defaults on every response, including errors and 304s', async () => {
  const tree = await makeTree({ 'a.txt': 'a' });
  const site = await startSite(tree.root);
  try {
    for (const [path, headers] of [['/a.txt', {}], ['/missing', {}]] as const) {
      const r = await raw(site.port, path, headers);
      assert.deepEqual(r.headers.get('x-content-type-options'), ['nosniff'], path);
      assert.equal(r.h('referrer-policy'), 'strict-origin-when-cross-origin');
      assert.equal(r.h('x-frame-options'), 'SAMEORIGIN');
    }
    const etag = (await raw(site.port, '/a.txt')).h('etag')!;
    const nm = await raw(site.port, '/a.txt', { 'If-None-Match': etag });
    assert.equal(nm.status, 304);
    assert.equal(nm.h('x-frame-options'), 'SAMEORIGIN');
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('overrides: add a CSP, change one, remove one with null; disabled keeps nosniff on files only', async () => {
  const tree = await makeTree({ 'a.txt': 'a' });
  const site = await startSite(tree.root, { securityHeaders: { 'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'", 'x-frame-options': 'DENY', 'Referrer-Policy': null } });
  const off = await startSite(tree.root, { enableSecurityHeaders: false });
  try {
    const r = await raw(site.port, '/a.txt');
    assert.equal(r.h('content-security-policy'), "default-src 'self'; frame-ancestors 'none'");
    assert.deepEqual(r.headers.get('x-frame-options'), ['DENY']);
    assert.equal(r.h('referrer-policy'), undefined);
    const o = await raw(off.port, '/a.txt');
    assert.equal(o.h('x-frame-options'), undefined);
    assert.equal(o.h('x-content-type-options'), 'nosniff');
  } finally {
    await site.close();
    await off.close();
    await tree.cleanup();
  }
});

test('bad override names and values are refused at startup', () => {
  assert.throws(() => resolveSecurityHeaders({ 'Bad Name': 'x' }), /not a valid header name/);
  assert.throws(() => resolveSecurityHeaders({ 'X-A': 'a\r\nSet-Cookie: x' }), /line breaks/);
});
