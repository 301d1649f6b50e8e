// File names that are not UTF-8 (Linux names are bytes: a Latin-1 archive, an old camera card) are
// listed with U+FFFD in the text and linked by their real percent-encoded bytes, and a request for
// those bytes serves the file. The traversal rules hold for byte paths as for text paths.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { resolveServedPath } from '../../src/static/resolve-path.ts';

const FILE = Buffer.from([0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]); // "f\xff.txt"
const FOLDER = Buffer.from([0x64, 0xe9]); // "d\xe9" (Latin-1 "dé")

interface JsonListing {
  entries: { name: string; href: string; type: string }[];
}

test('a file and a folder whose names are not UTF-8 are listed (HTML and JSON) and served', async () => {
  const tree = await makeTree({ 'plain.txt': 'plain' });
  const bytes = (...parts: Buffer[]): Buffer => Buffer.concat([Buffer.from(tree.root + '/'), ...parts]);
  await writeFile(bytes(FILE), 'bytes in a name\n');
  await mkdir(bytes(FOLDER));
  await writeFile(bytes(FOLDER, Buffer.from('/'), FILE), 'deeper\n');
  await writeFile(bytes(Buffer.from('.'), FILE), 'hidden\n');
  const site = await startSite(tree.root, { directoryListing: true });
  try {
    const json = JSON.parse((await raw(site.port, '/?format=json')).body.toString()) as JsonListing;
    const file = json.entries.find((e) => e.href === '/f%FF.txt');
    assert.ok(file !== undefined, JSON.stringify(json.entries));
    assert.equal(file.name, 'f\uFFFD.txt');
    const folder = json.entries.find((e) => e.href === '/d%E9/');
    assert.equal(folder?.type, 'directory');
    assert.equal(json.entries.length, 3, 'the dotfile stays hidden');

    const html = (await raw(site.port, '/')).body.toString();
    assert.ok(html.includes('href="f%FF.txt">f\uFFFD.txt</a>'), html);
    assert.ok(html.includes('href="d%E9/">d\uFFFD/</a>'));

    const served = await raw(site.port, '/f%FF.txt');
    assert.equal(served.status, 200);
    assert.equal(served.body.toString(), 'bytes in a name\n');
    assert.equal(served.h('content-type'), 'text/plain; charset=utf-8');
    assert.equal((await raw(site.port, '/f%ff.txt', { Range: 'bytes=0-4' })).body.toString(), 'bytes');
    assert.equal((await raw(site.port, '/d%E9/f%FF.txt')).body.toString(), 'deeper\n');
    // The folder's own listing links its entries and breadcrumbs by bytes too.
    const sub = await raw(site.port, '/d%E9/');
    assert.equal(sub.status, 200);
    assert.ok(sub.body.toString().includes('href="/d%E9/">d\uFFFD</a>'));
    const subJson = JSON.parse((await raw(site.port, '/d%E9/?format=json')).body.toString()) as JsonListing;
    assert.deepEqual(subJson.entries.map((e) => e.href), ['/d%E9/f%FF.txt']);
    assert.equal((await raw(site.port, '/d%E9')).h('location'), '/d%E9/');
    // U+FFFD itself is a different name: it is not the file.
    assert.equal((await raw(site.port, '/f%EF%BF%BD.txt')).status, 404);
    assert.equal((await raw(site.port, '/.f%FF.txt')).status, 404);
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('byte paths keep every traversal protection', () => {
  const root = '/srv/public';
  const ok = resolveServedPath(root, '/a/%ff/../b%fe');
  assert.ok(ok.ok);
  assert.deepEqual(ok.filePath, Buffer.concat([Buffer.from('/srv/public/a/b'), Buffer.from([0xfe])]));
  for (const path of ['/%ff/../../etc/passwd', '/%ff/..%2f..%2fetc', '/%ff%00', '/%ff%5c..', '/%ff/../..']) {
    const r = resolveServedPath(root, path);
    assert.ok(!r.ok && r.status === 404, path);
  }
  // Overlong UTF-8 for "." and "/" are bytes, never dots or slashes.
  const overlong = resolveServedPath(root, '/%c0%ae%c0%ae/x');
  assert.ok(overlong.ok && 'rawSegments' in overlong);
  assert.deepEqual(overlong.rawSegments.map((s) => s.length), [4, 1]);
  assert.notEqual(overlong.filePath.toString('latin1'), join(root, 'x'));
  // Malformed escapes are still a 400.
  for (const path of ['/%zz', '/%f', '/a%']) assert.deepEqual(resolveServedPath(root, path), { ok: false, status: 400 });
});
