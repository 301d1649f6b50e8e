// Big folders are listed in pages, so a browser paints the first rows at once however many files
// the folder holds: the page is never more than LISTING_PAGE_SIZE rows, sorting and filtering run
// over the whole folder before it is cut, and every page (HTML and JSON) links to its neighbours.
// The speed itself is measured, not asserted here (see the Chromium test and the report).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { LISTING_PAGE_SIZE } from '../../src/static/listing.ts';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

interface JsonPage {
  total: number;
  matched: number;
  page: number;
  pages: number;
  pageSize: number;
  prev: string | null;
  next: string | null;
  entries: { name: string; size: number | null }[];
}

/** A folder of `count` files named file-00000.txt…, each i % 997 bytes long (so sizes sort differently from names). */
async function bigFolder(count: number): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'httpcraft-pages-'));
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => writeFile(join(root, `file-${String(i + j).padStart(5, '0')}.txt`), 'x'.repeat((i + j) % 997))));
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

const rowsOf = (html: string): number => html.match(/<tr class="[fd]">/g)?.length ?? 0;

test('a folder of 2,500 files: pages of at most LISTING_PAGE_SIZE rows, linked both ways, in HTML and JSON', async () => {
  const folder = await bigFolder(2500);
  const site = await startSite(folder.root, { directoryListing: true });
  try {
    assert.ok(LISTING_PAGE_SIZE <= 1000);
    const pages = Math.ceil(2500 / LISTING_PAGE_SIZE);
    const first = (await raw(site.port, '/')).body.toString();
    assert.equal(rowsOf(first), LISTING_PAGE_SIZE);
    assert.ok(first.includes(`Page 1 of ${pages}`));
    assert.ok(first.includes('rel="next" href="?page=2"'), 'a link to the next page');
    assert.ok(!first.includes('rel="prev"'));
    assert.ok(first.includes('href="file-00000.txt"') && !first.includes(`href="file-${String(LISTING_PAGE_SIZE).padStart(5, '0')}.txt"`));

    const last = (await raw(site.port, `/?page=${pages}`)).body.toString();
    assert.equal(rowsOf(last), 2500 - (pages - 1) * LISTING_PAGE_SIZE);
    assert.ok(last.includes('href="file-02499.txt"') && last.includes('rel="prev"') && !last.includes('rel="next"'));
    // Past the end is the last page; nonsense is the first.
    assert.equal(rowsOf((await raw(site.port, '/?page=999')).body.toString()), rowsOf(last));
    assert.equal(rowsOf((await raw(site.port, '/?page=-3')).body.toString()), LISTING_PAGE_SIZE);

    // Sorting runs over the whole folder: page 1 by size holds the biggest files of all.
    const bySize = JSON.parse((await raw(site.port, '/?format=json&sort=size')).body.toString()) as JsonPage;
    assert.equal(bySize.entries[0]!.size, 996);
    assert.deepEqual([bySize.total, bySize.matched, bySize.page, bySize.pages, bySize.pageSize], [2500, 2500, 1, pages, LISTING_PAGE_SIZE]);
    assert.equal(bySize.prev, null);
    assert.equal(bySize.next, '/?sort=size&format=json&page=2');
    const second = JSON.parse((await raw(site.port, bySize.next)).body.toString()) as JsonPage;
    assert.equal(second.page, 2);
    assert.ok(second.entries.every((e) => (e.size ?? 0) <= bySize.entries.at(-1)!.size!));

    // A filter also runs before paging: a name on the last page is found from the first.
    const found = JSON.parse((await raw(site.port, '/?format=json&filter=file-0249')).body.toString()) as JsonPage;
    assert.deepEqual([found.matched, found.pages], [10, 1]);
    assert.ok(found.entries.some((e) => e.name === 'file-02499.txt'));
  } finally {
    await site.close();
    await folder.cleanup();
  }
});

test('a small folder is one page with no pager, as before', async () => {
  const tree = await makeTree({ 'a.txt': 'a', 'b.txt': 'b' });
  const site = await startSite(tree.root, { directoryListing: true });
  try {
    const html = (await raw(site.port, '/')).body.toString();
    assert.ok(!html.includes('class="pager"') && !html.includes('data-paged'));
    const json = JSON.parse((await raw(site.port, '/?format=json')).body.toString()) as JsonPage;
    assert.deepEqual([json.page, json.pages, json.prev, json.next], [1, 1, null, null]);
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('10,000 files in Chromium: the first page is one page of rows, pages and the filter work across the folder', { skip, timeout: 180_000 }, async (t) => {
  const folder = await bigFolder(10_000);
  const site = await startSite(folder.root, { directoryListing: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    // The first request reads the folder (10,000 stats); the paint measured below is the browser's.
    const started = performance.now();
    await (await fetch(`${site.url}/`)).arrayBuffer();
    const readMs = performance.now() - started;
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${site.url}/`, { waitUntil: 'load' });
    assert.equal(await page.locator('tbody tr').count(), LISTING_PAGE_SIZE);
    // Reported, not asserted: a timing says more about the machine than about the page.
    // A string: the function runs in the page, whose DOM types this Node project does not load.
    const paint = (await page.evaluate(`new Promise((done) => requestAnimationFrame(() => setTimeout(() => done({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null, dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd }), 50)))`)) as { fcp: number | null; dcl: number };
    t.diagnostic(`10,000-file listing: first read ${Math.round(readMs)} ms; then first-contentful-paint ${paint.fcp === null ? 'n/a' : Math.round(paint.fcp)} ms, DOMContentLoaded ${Math.round(paint.dcl)} ms`);

    await page.locator('a[rel=next]').first().click();
    await page.waitForURL(/page=2/);
    assert.equal(await page.locator('tbody a', { hasText: `file-${String(LISTING_PAGE_SIZE).padStart(5, '0')}.txt` }).count(), 1);

    // The filter of a paged listing asks the server (all pages), not just the rows on screen.
    await page.locator('input[name=filter]').fill('file-09999');
    await page.locator('input[name=filter]').press('Enter');
    await page.waitForURL(/filter=file-09999/);
    assert.deepEqual((await page.locator('tbody tr:not(.u) td:first-child a').allTextContents()).map((s) => s.trim()), ['file-09999.txt']);
  } finally {
    await browser.close();
    await site.close();
    await folder.cleanup();
  }
});
