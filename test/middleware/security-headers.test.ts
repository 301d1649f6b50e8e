import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTree, parseResponse, raw, silentLogger, startSite } from '../support/static-helpers.ts';
import { makeCert, openTls, requestOn, startHttps } from '../support/tls-helpers.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { resolveSecurityHeaders } from '../../src/middleware/security-headers.ts';
import { parseArgv } from '../../src/config/argv.ts';

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

test('a configured Cache-Control replaces the file handler\'s: exactly one field, the configured value', async () => {
  const big = Buffer.alloc(200_000, 'b');
  const tree = await makeTree({ 'a.css': 'body{}\n'.repeat(300), 'big.bin': big, 'dir/x.txt': 'x' });
  // big.bin is past cacheFileMaxBytes: streamed from disk, the setHeader path rather than prepared lines.
  const site = await startSite(tree.root, { securityHeaders: { 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding, Origin' }, directoryListing: true, cacheFileMaxBytes: 64 * 1024 });
  try {
    const cases: [string, Record<string, string>, string, number][] = [
      ['/a.css', {}, 'GET', 200],
      ['/a.css', {}, 'GET', 200], // now from the cache
      ['/a.css', { 'Accept-Encoding': 'gzip' }, 'GET', 200],
      ['/a.css', {}, 'HEAD', 200],
      ['/a.css', { Range: 'bytes=0-9' }, 'GET', 206],
      ['/big.bin', {}, 'GET', 200],
      ['/dir/', {}, 'GET', 200],
      ['/dir/?format=json', {}, 'GET', 200],
    ];
    for (const [path, headers, method, status] of cases) {
      const r = await raw(site.port, path, headers, method);
      const what = `${method} ${path} ${JSON.stringify(headers)}`;
      assert.equal(r.status, status, what);
      assert.deepEqual(r.headers.get('cache-control'), ['no-cache'], what);
      assert.deepEqual(r.headers.get('vary'), ['Accept-Encoding, Origin'], what);
      assert.equal(r.head.match(/^cache-control:/gim)?.length, 1, what);
    }
    const etag = (await raw(site.port, '/a.css')).h('etag')!;
    const nm = await raw(site.port, '/a.css', { 'If-None-Match': etag });
    assert.equal(nm.status, 304);
    assert.deepEqual(nm.headers.get('cache-control'), ['no-cache']);
    const listingTag = (await raw(site.port, '/dir/')).h('etag')!;
    const nmList = await raw(site.port, '/dir/', { 'If-None-Match': listingTag });
    assert.equal(nmList.status, 304);
    assert.deepEqual(nmList.headers.get('cache-control'), ['no-cache']);
    // An error page keeps its own no-store (an error must not be cached), still as one field.
    assert.deepEqual((await raw(site.port, '/missing')).headers.get('cache-control'), ['no-store']);
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('the name matches in any case, and without an override the files keep their own Cache-Control', async () => {
  const tree = await makeTree({ 'a.txt': 'a' });
  const site = await startSite(tree.root, { securityHeaders: { 'cache-CONTROL': 'private, max-age=60' } });
  const plain = await startSite(tree.root, { browserCacheTime: 120 });
  try {
    const r = await raw(site.port, '/a.txt');
    assert.deepEqual(r.headers.get('cache-control'), ['private, max-age=60']);
    assert.match(r.head, /\r\ncache-CONTROL: private, max-age=60\r\n/, 'sent as configured');
    const own = (await raw(plain.port, '/a.txt')).headers.get('cache-control');
    assert.equal(own?.length, 1);
    assert.notEqual(own[0], 'private, max-age=60');
  } finally {
    await site.close();
    await plain.close();
    await tree.cleanup();
  }
});

test('a configured Strict-Transport-Security replaces the one hsts_max_age would add over HTTPS', async (t) => {
  const tree = await makeTree({ 'a.txt': 'a' });
  t.after(() => tree.cleanup());
  const cert = makeCert();
  const stsOf = async (securityHeaders: Record<string, string>): Promise<string[] | undefined> => {
    const handler = createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger, hstsMaxAge: 600, securityHeaders });
    const { port } = await startHttps(t, { cert: cert.certPem, key: cert.keyPem }, handler);
    const socket = await openTls(port, { ca: cert.certPem });
    try {
      return parseResponse(Buffer.from(await requestOn(socket, '/a.txt'), 'latin1')).headers.get('strict-transport-security');
    } finally {
      socket.destroy();
    }
  };
  assert.deepEqual(await stsOf({}), ['max-age=600']);
  assert.deepEqual(await stsOf({ 'Strict-Transport-Security': 'max-age=60' }), ['max-age=60']);
});

test('fields a fixed value would break are refused, in config and in code', async () => {
  for (const name of ['Content-Length', 'transfer-encoding', 'Connection', 'Date', 'Server', 'Content-Type', 'ETag']) {
    assert.throws(() => resolveSecurityHeaders({ [name]: '5' }), new RegExp(`^Error: security_headers: ${name} cannot be set here: `), name);
  }
  const r = parseArgv(['--security-headers', '{"Content-Length":"5"}']);
  assert.deepEqual(r.errors.map(String), ['--security-headers: "{\\"Content-Length\\":\\"5\\"}" is not valid for security_headers: Content-Length cannot be set here: the server frames every message itself (RFC 9112 §6)']);
  assert.deepEqual(parseArgv(['--security-headers', '{"Cache-Control":"no-cache"}']).errors, []);
});
