// Live reload in a real browser (headless Chromium through playwright-core): a page served with the
// script connects; an edit of its HTML file reloads it; an edit of its stylesheet changes the
// computed style without a reload (a marker set on window survives); a listing, under its strict
// CSP, connects too; after a server restart the page reconnects and reloads. Waits are bounded (5 s), never assertions of speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { makeTree, silentLogger, startSite, type Site, type Tree, type TreeSpec } from '../support/static-helpers.ts';
import { createSiteHandler, type SiteOptions } from '../../src/app/site.ts';
import type { LiveReloadHub } from '../../src/live-reload/hub.ts';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;
const WAIT_MS = 5000;

const page = (title: string): string => `<!doctype html><html><head><title>${title}</title><link rel="stylesheet" href="/css/site.css"><link rel="stylesheet" href="/css/other.css"></head><body><h1>${title}</h1></body></html>\n`;

async function launch(): Promise<{ context: BrowserContext; page: Page; errors: string[]; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const p = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  // CSP violations and script errors show on the console; the favicon 404 is the browser's own doing.
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  p.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page: p,
    errors,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

interface Watched {
  tree: Tree;
  site: Site;
  hub: LiveReloadHub;
  p: Page;
  errors: string[];
}

/** A live-reload site on a temp tree, its watcher ready, and a browser page: all stopped after run. */
async function withWatchedSite(spec: TreeSpec, options: Partial<SiteOptions>, run: (w: Watched) => Promise<void>): Promise<void> {
  const tree = await makeTree(spec);
  const site = await startSite(tree.root, { liveReload: true, ...options });
  const hub = site.handler.liveReload!;
  const watcher = hub.watch();
  const browser = await launch();
  try {
    await watcher.ready;
    await run({ tree, site, hub, p: browser.page, errors: browser.errors });
  } finally {
    watcher.close();
    await browser.close();
    await site.close();
    await tree.cleanup();
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('Chromium: editing the HTML reloads the page; editing its CSS swaps the style without a reload', { skip, timeout: 120_000 }, async () => {
  const spec = { 'index.html': page('first'), 'css/site.css': 'h1 { color: rgb(0, 0, 255) }\n', 'css/other.css': 'h1 { font-size: 20px }\n' };
  await withWatchedSite(spec, {}, async ({ tree, site, hub, p, errors }) => {
    await p.goto(`${site.url}/`);
    await until(() => hub.clients === 1, 'the page opened the live-reload socket');
    const color = (): Promise<string> => p.evaluate(`getComputedStyle(document.querySelector('h1')).color`) as Promise<string>;
    assert.equal(await color(), 'rgb(0, 0, 255)');
    await p.evaluate('window.marker = 42');

    // CSS: the style changes, the page stays (the marker survives), the other stylesheet is untouched.
    await writeFile(tree.path('css/site.css'), 'h1 { color: rgb(255, 0, 0) }\n');
    await p.waitForFunction(`getComputedStyle(document.querySelector('h1')).color === 'rgb(255, 0, 0)'`, undefined, { timeout: WAIT_MS });
    assert.equal(await p.evaluate('window.marker'), 42, 'no reload for a CSS change');
    await p.waitForFunction(`document.querySelectorAll('link[rel=stylesheet]').length === 2`, undefined, { timeout: WAIT_MS });
    const links = (await p.evaluate(`[...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.getAttribute('href'))`)) as string[];
    assert.equal(links.length, 2, `the old link was removed once the new one loaded: ${links.join(', ')}`);
    assert.match(links[0]!, /\/css\/site\.css\?livereload=\d+$/);
    assert.equal(links[1], '/css/other.css');
    assert.equal(await p.evaluate(`getComputedStyle(document.querySelector('h1')).fontSize`), '20px');

    // HTML: the page reloads (the marker is gone) and shows the new text.
    await writeFile(tree.path('index.html'), page('second'));
    await p.waitForFunction(`document.querySelector('h1')?.textContent === 'second'`, undefined, { timeout: WAIT_MS });
    assert.equal(await p.evaluate('window.marker'), undefined, 'reloaded');
    // The reloaded page connects again (the old socket closes).
    await until(() => hub.clients === 1, 'one socket after the reload');
    assert.deepEqual(errors, []);
  });
});

test('Chromium: a listing under its strict CSP loads the script and connects; a new file reloads it', { skip, timeout: 120_000 }, async () => {
  await withWatchedSite({ 'files/a.txt': 'a' }, { directoryListing: true }, async ({ tree, site, hub, p, errors }) => {
    await p.goto(`${site.url}/files/`);
    await until(() => hub.clients === 1, 'the listing opened the live-reload socket');
    await writeFile(tree.path('files/b.txt'), 'b');
    // A locator, not a function: the listing's CSP forbids the eval a string predicate needs.
    await p.locator('a', { hasText: 'b.txt' }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(errors, [], 'no CSP violation');
  });
});

test('Chromium: when the server restarts, the page reconnects (with back-off) and reloads', { skip, timeout: 120_000 }, async () => {
  const tree = await makeTree({ 'index.html': page('before') });
  const first = await startSite(tree.root, { liveReload: true });
  const browser = await launch();
  let second: HttpServer | null = null;
  try {
    const p = browser.page;
    await p.goto(`${first.url}/`);
    await until(() => first.handler.liveReload!.clients === 1, 'connected to the first server');
    await p.evaluate('window.marker = 1');
    await first.close(); // closes the socket with 1001; the page starts retrying
    await new Promise((r) => setTimeout(r, 300)); // a retry or two find nothing listening
    const handler = createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger, liveReload: true });
    second = createServer({ handler, serverName: 'httpcraft-test' });
    await second.listen({ port: first.port, host: '127.0.0.1' });
    await until(() => handler.liveReload!.clients === 1, 'reconnected to the new server');
    await p.waitForFunction('window.marker === undefined', undefined, { timeout: WAIT_MS });
    assert.equal(await p.evaluate(`document.querySelector('h1').textContent`), 'before');
  } finally {
    await browser.close();
    await second?.close(200);
    await first.close();
    await tree.cleanup();
  }
});
