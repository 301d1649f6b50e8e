import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTree, raw, startSite, curl, type Site, type Tree } from '../support/static-helpers.ts';
import { humanSize, sortEntries, parseListingQuery, type ListingEntry } from '../../src/static/listing.ts';

const AWKWARD = ['<script>.txt', 'a b#c?.txt', 'ünï©ødé.txt', `q"uote'&amp.txt`, '100%.txt'];
let tree: Tree;
let site: Site;
let hidden: Site;

before(async () => {
  const spec: Record<string, string | { mtime: Date; content: string }> = {
    'zeta.bin': { mtime: new Date('2020-01-01T00:00:00Z'), content: 'x'.repeat(3000) },
    'alpha.txt': { mtime: new Date('2023-01-01T00:00:00Z'), content: 'a' },
    'folder b/inner.txt': 'i',
    'afolder/x.txt': 'x',
    '.secret': 's',
    '.hiddendir/x': 'x',
    'with-index/index.html': 'INDEX',
  };
  for (const name of AWKWARD) spec[name] = 'awkward';
  tree = await makeTree(spec);
  site = await startSite(tree.root, { directoryListing: true });
  hidden = await startSite(tree.root, { directoryListing: true, showHiddenFiles: true });
});

after(async () => {
  await site.close();
  await hidden.close();
  await tree.cleanup();
});

interface JsonListing {
  path: string;
  entries: { name: string; type: string; size: number | null; href: string; modified: string }[];
  sort: string;
  order: string;
}

test('HTML listing: breadcrumbs, folders first, columns, self-contained, its own CSP', async () => {
  const r = await raw(site.port, '/');
  assert.equal(r.status, 200);
  assert.equal(r.h('content-type'), 'text/html; charset=utf-8');
  assert.match(r.h('content-security-policy')!, /default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-/);
  assert.equal(r.h('cache-control'), 'no-cache');
  assert.match(r.h('vary')!, /Accept/);
  const html = r.body.toString();
  assert.match(html, /<title>Index of \/<\/title>/);
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'no external resources');
  assert.ok(!/@import|url\((?!"data:)/.test(html), 'icons are data: URLs');
  assert.match(html, /prefers-color-scheme:dark/);
  assert.match(html, /@media \(max-width/);
  assert.match(html, /<input id="filter" type="search" name="filter"/);
  const dirA = html.indexOf('afolder/</a>');
  const dirB = html.indexOf('folder b/</a>');
  const fileA = html.indexOf('alpha.txt</a>');
  assert.ok(dirA > 0 && dirB > dirA && fileA > dirB, 'folders first, then files, by name');
  assert.match(html, /title="3000 bytes">2\.9 KiB</);
  assert.ok(r.body.length < 8000, `a 14-entry page stays small (${r.body.length} bytes)`);
  assert.ok(!html.includes('.secret') && !html.includes('.hiddendir'));
  const sub = (await raw(site.port, '/folder%20b/')).body.toString();
  assert.match(sub, /<a href="\/">~<\/a><span class="sep">\/<\/span><a href="\/folder%20b\/">folder b<\/a>/);
  assert.match(sub, /href="\.\.\/"/);
});

test('every name is HTML-escaped in text and percent-encoded in links', async () => {
  const html = (await raw(site.port, '/')).body.toString();
  assert.ok(!html.includes('<script>.txt'), 'raw <script> never appears');
  assert.ok(html.includes('&#60;script&#62;.txt</a>'));
  assert.ok(html.includes('href="%3Cscript%3E.txt"'));
  assert.ok(html.includes('href="a%20b%23c%3F.txt"'));
  assert.ok(html.includes('href="%C3%BCn%C3%AF%C2%A9%C3%B8d%C3%A9.txt"'));
  assert.ok(html.includes('ünï©ødé.txt</a>'));
  assert.ok(html.includes('href="q%22uote%27%26amp.txt"'));
  assert.ok(html.includes('href="100%25.txt"'));
  // and the links work
  for (const name of AWKWARD) {
    const r = await raw(site.port, '/' + encodeURIComponent(name));
    assert.equal(r.status, 200, name);
    assert.equal(r.body.toString(), 'awkward');
  }
});

test('sorting by query string (works without JavaScript), folders stay first', async () => {
  const names = async (q: string): Promise<string[]> => ((JSON.parse((await raw(site.port, `/?format=json&${q}`)).body.toString()) as JsonListing).entries.map((e) => e.name));
  const bySizeDesc = await names('sort=size&order=desc');
  assert.deepEqual(bySizeDesc.slice(0, 3), ['afolder', 'folder b', 'with-index']);
  assert.equal(bySizeDesc[3], 'zeta.bin');
  const byModAsc = await names('sort=modified&order=asc');
  assert.deepEqual(byModAsc.slice(3, 5), ['zeta.bin', 'alpha.txt']);
  const byNameDesc = await names('sort=name&order=desc');
  assert.equal(byNameDesc[0], 'with-index');
  assert.equal(byNameDesc.at(-1), '<script>.txt');
  const html = (await raw(site.port, '/?sort=size&order=desc')).body.toString();
  assert.match(html, /<th aria-sort="descending"><a href="\?sort=size&#38;order=asc">Size/);
  assert.ok(html.indexOf('zeta.bin</a>') < html.indexOf('alpha.txt</a>'));
  assert.match(html, /<th><a href="\?sort=name&#38;order=asc">Name/);
});

test('?format=json and Accept: application/json give the same listing', async () => {
  const a = JSON.parse((await raw(site.port, '/?format=json')).body.toString()) as JsonListing;
  const r = await raw(site.port, '/', { Accept: 'application/json' });
  assert.equal(r.h('content-type'), 'application/json; charset=utf-8');
  const b = JSON.parse(r.body.toString()) as JsonListing;
  assert.deepEqual(a, b);
  assert.equal(a.path, '/');
  const script = a.entries.find((e) => e.name === '<script>.txt')!;
  assert.equal(script.href, '/%3Cscript%3E.txt');
  assert.equal(script.type, 'file');
  assert.equal(script.size, 7);
  assert.ok(!Number.isNaN(Date.parse(script.modified)));
  assert.equal(a.entries.find((e) => e.name === 'afolder')!.href, '/afolder/');
  // HTML still wins for browsers
  assert.match((await raw(site.port, '/', { Accept: 'text/html,application/json;q=0.9' })).h('content-type')!, /text\/html/);
});

test('filter by query string', async () => {
  const j = JSON.parse((await raw(site.port, '/?format=json&filter=ALP')).body.toString()) as JsonListing;
  assert.deepEqual(j.entries.map((e) => e.name), ['alpha.txt']);
  const html = (await raw(site.port, '/?filter=%3Cscript')).body.toString();
  assert.match(html, /value="&#60;script"/);
});

test('hidden files follow show_hidden_files; index.html wins over a listing; listing off → 404', async () => {
  const names = (JSON.parse((await raw(hidden.port, '/?format=json')).body.toString()) as JsonListing).entries.map((e) => e.name);
  assert.ok(names.includes('.secret') && names.includes('.hiddendir'));
  assert.equal((await raw(site.port, '/.hiddendir/')).status, 404);
  assert.equal((await raw(site.port, '/with-index/')).body.toString(), 'INDEX');
  const off = await startSite(tree.root);
  try {
    assert.equal((await raw(off.port, '/')).status, 404);
  } finally {
    await off.close();
  }
});

test('304 for an unchanged listing; HEAD has no body; curl sees the page', async () => {
  const first = await raw(site.port, '/afolder/');
  const etag = first.h('etag')!;
  assert.match(etag, /^W\/"/);
  assert.equal((await raw(site.port, '/afolder/', { 'If-None-Match': etag })).status, 304);
  const head = await raw(site.port, '/afolder/', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  const { stdout } = await curl([`${site.url}/afolder/`]);
  assert.match(stdout, /x\.txt<\/a>/);
});

test('listing helpers: human sizes, default orders', () => {
  assert.equal(humanSize(0), '0 B');
  assert.equal(humanSize(1023), '1023 B');
  assert.equal(humanSize(1536), '1.5 KiB');
  assert.equal(humanSize(10 * 1024 * 1024), '10 MiB');
  assert.equal(humanSize(2 * 1024 ** 3), '2.0 GiB');
  assert.deepEqual(parseListingQuery(''), { sort: 'name', order: 'asc', filter: '', format: null, page: 1 });
  assert.deepEqual(parseListingQuery('sort=size'), { sort: 'size', order: 'desc', filter: '', format: null, page: 1 });
  assert.deepEqual(parseListingQuery('sort=bogus&order=sideways&format=JSON'), { sort: 'name', order: 'asc', filter: '', format: 'json', page: 1 });
  const e = (name: string, isDirectory = false): ListingEntry => ({ name, href: name, isDirectory, size: 1, mtimeMs: 0, contentType: '' });
  assert.deepEqual(sortEntries([e('file10'), e('file9'), e('Zdir', true), e('adir', true)], 'name', 'asc').map((x) => x.name), ['adir', 'Zdir', 'file9', 'file10']);
});

test('a listing follows entries added or removed at once (folder mtime), and embeds trusted extra HTML allowed by CSP hash', async () => {
  const t = await makeTree({ 'd/a.txt': 'a' });
  const { serveStatic } = await import('../../src/static/serve-static.ts');
  const { createServer } = await import('../../src/server/http-server.ts');
  const files = serveStatic({ root: t.root, directoryListing: true, statIntervalMs: 60_000, listingExtraHtml: (url) => `<section id="extra" data-url="${url}"><style>.x{color:red}</style><script>void 0</script></section>` });
  const server = createServer({ handler: files });
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as import('node:net').AddressInfo;
  try {
    const names = async (): Promise<string[]> => (JSON.parse((await raw(port, '/d/?format=json')).body.toString()) as JsonListing).entries.map((e) => e.name);
    assert.deepEqual(await names(), ['a.txt']);
    const { writeFile: write } = await import('node:fs/promises');
    await write(t.path('d/b.txt'), 'b');
    assert.deepEqual(await names(), ['a.txt', 'b.txt'], 'no stale page after an upload');
    const page = await raw(port, '/d/');
    assert.match(page.body.toString(), /<section id="extra" data-url="\/d\/">/);
    const { createHash } = await import('node:crypto');
    const h = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    assert.ok(page.h('content-security-policy')!.includes(h('.x{color:red}')));
    assert.ok(page.h('content-security-policy')!.includes(h('void 0')));
    assert.ok(!(await raw(port, '/d/?format=json')).body.toString().includes('extra'));
  } finally {
    await server.close(1000);
    await t.cleanup();
  }
});
