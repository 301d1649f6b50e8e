import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';

async function withSite(options: Parameters<typeof startSite>[1], fn: (port: number) => Promise<void>): Promise<void> {
  const tree = await makeTree({ 'a.txt': 'a' });
  const site = await startSite(tree.root, options);
  try {
    await fn(site.port);
  } finally {
    await site.close();
    await tree.cleanup();
  }
}

test('CORS off by default: no Access-Control headers', async () => {
  await withSite({}, async (port) => {
    const r = await raw(port, '/a.txt', { Origin: 'https://x.example' });
    assert.equal(r.h('access-control-allow-origin'), undefined);
  });
});

test('any origin: "*" without Vary; preflight answered with 204, methods, requested headers, max-age', async () => {
  await withSite({ enableCors: true }, async (port) => {
    const r = await raw(port, '/a.txt', { Origin: 'https://x.example' });
    assert.equal(r.status, 200);
    assert.equal(r.h('access-control-allow-origin'), '*');
    assert.equal(r.h('vary'), undefined);
    const pre = await raw(port, '/a.txt', { Origin: 'https://x.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'x-token, content-type' }, 'OPTIONS');
    assert.equal(pre.status, 204);
    assert.equal(pre.h('access-control-allow-origin'), '*');
    assert.equal(pre.h('access-control-allow-methods'), 'GET, HEAD, POST, PUT, DELETE, OPTIONS');
    assert.equal(pre.h('access-control-allow-headers'), 'x-token, content-type');
    assert.equal(pre.h('access-control-max-age'), '600');
    assert.equal(pre.h('content-length'), undefined);
    assert.equal(pre.body.length, 0);
    // a plain OPTIONS (not a preflight) still gets Allow from the router
    const plain = await raw(port, '/a.txt', {}, 'OPTIONS');
    assert.equal(plain.h('allow'), 'GET, HEAD, OPTIONS');
  });
});

test('origin list: allowed origins echoed with Vary: Origin; others get no CORS headers', async () => {
  await withSite(
    { enableCors: true, corsAllowOrigin: ['https://app.example', 'https://*.trusted.example'], corsAllowCredentials: true, corsExposeHeaders: ['ETag', 'Content-Length'], corsAllowHeaders: ['X-Token'], corsMaxAge: 60, corsAllowMethods: ['GET'] },
    async (port) => {
      const ok = await raw(port, '/a.txt', { Origin: 'https://app.example' });
      assert.equal(ok.h('access-control-allow-origin'), 'https://app.example');
      assert.equal(ok.h('access-control-allow-credentials'), 'true');
      assert.equal(ok.h('access-control-expose-headers'), 'ETag, Content-Length');
      assert.match(ok.h('vary')!, /Origin/);
      assert.equal((await raw(port, '/a.txt', { Origin: 'https://a.trusted.example' })).h('access-control-allow-origin'), 'https://a.trusted.example');
      const bad = await raw(port, '/a.txt', { Origin: 'https://evil.example' });
      assert.equal(bad.status, 200);
      assert.equal(bad.h('access-control-allow-origin'), undefined);
      assert.match(bad.h('vary')!, /Origin/);
      assert.equal((await raw(port, '/a.txt', { Origin: 'https://x.trusted.example.evil' })).h('access-control-allow-origin'), undefined);
      const pre = await raw(port, '/a.txt', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-other' }, 'OPTIONS');
      assert.equal(pre.status, 204);
      assert.equal(pre.h('access-control-allow-headers'), 'X-Token');
      assert.equal(pre.h('access-control-allow-methods'), 'GET');
      assert.equal(pre.h('access-control-max-age'), '60');
      const preBad = await raw(port, '/a.txt', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' }, 'OPTIONS');
      assert.equal(preBad.status, 204);
      assert.equal(preBad.h('access-control-allow-origin'), undefined);
    },
  );
});

test('"*" with credentials echoes the origin (the Fetch standard forbids * with credentials)', async () => {
  await withSite({ enableCors: true, corsAllowCredentials: true }, async (port) => {
    const r = await raw(port, '/a.txt', { Origin: 'https://x.example' });
    assert.equal(r.h('access-control-allow-origin'), 'https://x.example');
    assert.match(r.h('vary')!, /Origin/);
  });
});

test('CORS headers survive on error responses (a 404 is still readable cross-origin)', async () => {
  await withSite({ enableCors: true }, async (port) => {
    const r = await raw(port, '/missing', { Origin: 'https://x.example' });
    assert.equal(r.status, 404);
    assert.equal(r.h('access-control-allow-origin'), '*');
  });
});
