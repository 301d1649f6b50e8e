// The directory listing in a real browser (headless Chromium through playwright-core): it opens, sorts
// by clicking a column header, follows a folder link and a file link, filters, and keeps awkward names
// intact. Screenshots go to test-output/ (gitignored) for a human to look at.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { makeTree, startSite } from '../support/static-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = 'test-output';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

test('a listing opens in Chromium, sorts by a click, follows folder and file links, filters', { skip, timeout: 120_000 }, async () => {
  const tree = await makeTree({
    'docs/guide.txt': 'the guide\n',
    'docs/deeper/notes.md': '# notes\n',
    'small.txt': 'x',
    'large.bin': Buffer.alloc(50_000, 1),
    'medium.css': 'body{}'.repeat(200),
    '<script>.txt': 'not a script\n',
    'a b#c?.txt': 'awkward\n',
    'ünï©ødé.txt': 'unicode\n',
  });
  const site = await startSite(tree.root, { directoryListing: true });
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  await mkdir(OUT, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 800 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    // The browser asks for /favicon.ico on its own; the test tree has none, so that 404 is expected.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) consoleErrors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${site.url}/`);
    const names = async (): Promise<string[]> =>
      (await page.locator('tbody tr:not(.u) td:first-child a').allTextContents()).map((s) => s.trim().replace(/\/$/, ''));

    // Folders first, then files by name; the awkward names appear exactly as they are.
    const initial = await names();
    assert.equal(initial[0], 'docs');
    for (const n of ['<script>.txt', 'a b#c?.txt', 'ünï©ødé.txt']) assert.ok(initial.includes(n), `${n} listed as text: ${initial.join(' | ')}`);
    await page.screenshot({ path: join(OUT, 'listing-initial.png'), fullPage: true });

    // Sort by size (a click on the header is a plain link with ?sort=…): the largest file comes first.
    await page.locator('thead th a', { hasText: /size/i }).click();
    await page.waitForURL(/sort=size/);
    const bySize = (await names()).filter((n) => n !== 'docs');
    assert.equal(bySize[0], 'large.bin', `sorted by size: ${bySize.join(' | ')}`);
    await page.locator('thead th a', { hasText: /size/i }).click();
    await page.waitForURL(/order=asc/);
    const bySizeAsc = (await names()).filter((n) => n !== 'docs');
    assert.equal(bySizeAsc[0], 'small.txt', `ascending: ${bySizeAsc.join(' | ')}`);
    await page.screenshot({ path: join(OUT, 'listing-sorted.png'), fullPage: true });

    // The filter box narrows the rows without a round trip.
    const filter = page.locator('input[type=search], input[name=filter]').first();
    await filter.fill('txt');
    await page.waitForFunction(() => true);
    const visible = await page.locator('tbody tr:not(.u):visible td:first-child a').allTextContents();
    assert.ok(visible.length > 0 && visible.every((n) => n.includes('txt')), `filtered: ${visible.join(' | ')}`);
    await filter.fill('');

    // A file link with awkward characters is percent-encoded correctly: the browser gets that file.
    await page.goto(`${site.url}/`);
    await page.locator('tbody a', { hasText: 'a b#c?.txt' }).click();
    await page.waitForLoadState();
    assert.equal((await page.locator('body').textContent())?.trim(), 'awkward');

    // A folder link leads to the folder's own listing, with breadcrumbs back up.
    await page.goto(`${site.url}/`);
    await page.locator('tbody a', { hasText: /^docs\/?$/ }).click();
    await page.waitForURL(/\/docs\/$/);
    const inDocs = await names();
    assert.deepEqual(inDocs, ['deeper', 'guide.txt']);
    await page.locator('tbody a', { hasText: 'guide.txt' }).click();
    await page.waitForURL(/\/docs\/guide\.txt$/);
    assert.equal((await page.locator('body').textContent())?.trim(), 'the guide');
    await page.goBack();
    await page.screenshot({ path: join(OUT, 'listing-folder.png'), fullPage: true });
    assert.deepEqual(consoleErrors, [], 'no console errors (CSP violations included)');
  } finally {
    await context.close();
    await site.close();
    await rm(profile, { recursive: true, force: true });
    await tree.cleanup();
  }
});
