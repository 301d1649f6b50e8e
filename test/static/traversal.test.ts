// A traversal suite: hostile paths over a raw socket that must never return a file from outside the
// document root (or a hidden file inside it). The root sits beside a "secret" folder and a
// "public-old" sibling whose name shares the root's prefix (sirv's bare-prefix mistake).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { rawExchange, parseResponse, startSite, type Site } from '../support/static-helpers.ts';

const SECRET = 'TOP-SECRET-CONTENT';
let base: string;
let root: string;
let site: Site;
let follow: Site;

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'httpcraft-traversal-')));
  root = join(base, 'public');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(base, 'secret'));
  await mkdir(join(base, 'public-old'));
  await writeFile(join(base, 'secret', 'passwd'), SECRET);
  await writeFile(join(base, 'public-old', 'x.txt'), SECRET);
  await writeFile(join(base, 'secret.txt'), SECRET);
  await writeFile(join(root, 'ok.txt'), 'ok');
  await writeFile(join(root, 'sub', 'ok.txt'), 'ok');
  await writeFile(join(root, '.env'), SECRET);
  await symlink(join(base, 'secret', 'passwd'), join(root, 'link-out.txt'));
  await symlink(join(base, 'secret'), join(root, 'dir-out'));
  await symlink(join(root, 'ok.txt'), join(root, 'link-in.txt'));
  site = await startSite(root, { directoryListing: true });
  follow = await startSite(root, { followSymlinks: true });
});

after(async () => {
  await site.close();
  await follow.close();
  await rm(base, { recursive: true, force: true });
});

const HOSTILE = [
  '/../secret.txt', '/../secret/passwd', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/%2E%2E/secret/passwd',
  '/.%2e/secret.txt', '/%2e./secret.txt', '/sub/../../secret.txt', '/sub/%2e%2e/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt',
  '/..\\secret.txt', '/%5c..%5csecret.txt', '/..%5csecret.txt', '/sub\\..\\..\\secret.txt', '/%252e%252e/secret.txt',
  '/%c0%ae%c0%ae/secret.txt', '/%c0%ae%c0%ae%c0%afsecret.txt', '/%e0%80%ae%e0%80%ae/secret.txt', '/%c1%9c..%c1%9csecret.txt',
  '/..%00/secret.txt', '/ok.txt%00../../secret.txt', '/%00', '/....//secret.txt', '/..../secret.txt', '/.../secret.txt',
  '/../public-old/x.txt', '/%2e%2e/public-old/x.txt', '/./../secret.txt', '//../secret.txt', '/sub/./../../secret.txt',
  '/link-out.txt', '/dir-out/passwd', '/dir-out/', '/sub/../link-out.txt', '/.env', '/%2eenv', '/sub/../.env',
  '/..;/secret.txt', '/%2e%2e;/secret.txt', '/..%252fsecret.txt', '/ok.txt/../../secret.txt', '/%ff%fe/../secret.txt',
  'http://127.0.0.1/../secret.txt', '/%u002e%u002e/secret.txt', '/..%c0%afsecret.txt', '/\\../secret.txt', '/sub%2f..%2f..%2fsecret.txt',
];

test(`traversal suite: ${HOSTILE.length} hostile paths never return a file from outside the root`, async () => {
  assert.ok(HOSTILE.length >= 40);
  for (const path of HOSTILE) {
    // With follow_symlinks on, the links are meant to be followed: that server gets the rest.
    const servers = /link-out|dir-out/.test(path) ? [site] : [site, follow];
    for (const s of servers) {
      const bytes = await rawExchange(s.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const text = bytes.toString('latin1');
      assert.ok(!text.includes(SECRET), `${path} leaked through ${s === site ? 'default' : 'follow_symlinks'} server`);
      const status = Number(text.slice(9, 12));
      if (s === site) assert.ok(status === 400 || status === 404, `${path} → ${status}`);
    }
  }
});

test('symlinks inside the root are served; links leaving it only with follow_symlinks', async () => {
  const get = async (s: Site, path: string) => parseResponse(await rawExchange(s.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  assert.equal((await get(site, '/link-in.txt')).body.toString(), 'ok');
  assert.equal((await get(site, '/link-out.txt')).status, 404);
  assert.equal((await get(follow, '/link-out.txt')).body.toString(), SECRET);
  assert.equal((await get(follow, '/dir-out/passwd')).body.toString(), SECRET);
});

test('the directory listing does not list links that leave the root', async () => {
  const r = parseResponse(await rawExchange(site.port, 'GET /?format=json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  const names = (JSON.parse(r.body.toString()) as { entries: { name: string }[] }).entries.map((e) => e.name);
  assert.deepEqual(names.sort(), ['link-in.txt', 'ok.txt', 'sub']);
});

test('property: generated hostile paths over the wire never leak', async () => {
  const piece = fc.constantFrom('..', '.', '%2e', '%2E%2e', '%2f', '%5c', '\\', '/', 'sub', 'secret.txt', 'secret', 'passwd', '%00', '%c0%ae', '%25', 'public-old', 'x.txt', 'link-out.txt', 'dir-out', '.env');
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 10 }), async (pieces) => {
      const path = '/' + pieces.join('');
      const bytes = await rawExchange(site.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.ok(!bytes.toString('latin1').includes(SECRET), path);
    }),
    { numRuns: 300, seed: 1234 },
  );
});
