// The inspector in a real browser (headless Chromium through playwright-core): under its strict CSP
// it connects, a request made by the test shows within a second, it opens into the head bytes with
// "\r\n" visible, decisions linking their RFC sections and the curl line; the search box hides rows
// that do not match; a hostile target is text, never markup. Screenshots go to test-output/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { exchange, rawGet } from '../support/status-helpers.ts';
import { startInspectorServer, until } from '../support/inspector-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = 'test-output';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

// Page functions run in the browser; they reach its globals through this narrow view (the test is
// compiled without the DOM library).
interface Row {
  hidden: boolean;
  querySelector(s: string): { textContent: string | null } | null;
}
interface PageGlobals {
  document: { querySelectorAll(s: string): ArrayLike<Row> };
}

test('the inspector in Chromium: a request shows within a second, opens into bytes, rules and curl; search filters', { skip, timeout: 120_000 }, async () => {
  const f = await startInspectorServer();
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  await mkdir(OUT, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(f.base) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${f.base}/server-status/inspector`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('live-text').textContent === 'live', undefined, { timeout: 15_000 });
    assert.equal(f.hub.watching, true);

    // A conditional GET made here, and the time it takes to show.
    const etag = (await rawGet(f.port, '/')).headers.get('etag')!;
    const started = Date.now();
    const sent = await rawGet(f.port, '/', { headers: `If-None-Match: ${etag}\r\n` });
    assert.equal(sent.status, 304);
    await page.waitForSelector('li.row .status.s3', { timeout: 1000 });
    const shownAfter = Date.now() - started;
    assert.ok(shownAfter <= 1000, `shown after ${shownAfter} ms`);

    const row = page.locator('li.row', { has: page.locator('.status', { hasText: '304' }) }).first();
    assert.equal(await row.locator('.method').textContent(), 'GET');
    assert.equal(await row.locator('.target').textContent(), '/');
    await row.locator('summary').click();
    const requestBytes = (await row.locator('pre.request').textContent())!;
    assert.ok(requestBytes.startsWith('GET / HTTP/1.1\\r\\n'), requestBytes);
    assert.ok(requestBytes.includes(`If-None-Match: ${etag}\\r\\n`), requestBytes);
    assert.match((await row.locator('pre.response').textContent())!, /^HTTP\/1\.1 304 Not Modified\\r\\n/);
    const rules = await row.locator('a.rule').evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
    assert.ok(rules.length > 0 && rules.every((h) => h.startsWith('https://www.rfc-editor.org/rfc/rfc')), rules.join(' '));
    const curl = (await row.locator('pre.curl-line').textContent())!;
    assert.equal(curl, `curl -H 'If-None-Match: ${etag}' http://t/`);

    // A hostile target (refused by the parser, still an exchange) is shown as text.
    await exchange(f.port, 'GET /<script>alert(1)</script> HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await rawGet(f.port, '/other-page');
    await page.waitForSelector('li.row .target:text("/other-page")', { timeout: 5000 });
    const targets = await page.$$eval('li.row .target', (els) => els.map((e) => e.textContent));
    assert.ok(targets.includes('/<script>alert(1)</script>'), targets.join(' | '));
    assert.equal(await page.$$eval('#list script', (s) => s.length), 0);
    assert.equal(targets[0], '/other-page', 'newest first');

    // Search: any text of the record; the others are hidden.
    await page.fill('#search', 'other-page');
    const visible = await page.evaluate(() => {
      const rows = (globalThis as unknown as PageGlobals).document.querySelectorAll('li.row');
      const out: string[] = [];
      for (let i = 0; i < rows.length; i++) if (!rows[i]!.hidden) out.push(rows[i]!.querySelector('.target')!.textContent!);
      return out;
    });
    assert.deepEqual(visible, ['/other-page']);
    await page.fill('#search', 'IF-NONE-MATCH');
    assert.equal(await page.locator('li.row:not([hidden])').count(), 1, 'a field name finds its exchange, whatever the case');
    // The ETag: in the first response's head and the conditional request's.
    await page.fill('#search', etag);
    assert.equal(await page.locator('li.row:not([hidden])').count(), 2);
    await page.fill('#search', '');
    assert.ok((await page.locator('li.row:not([hidden])').count()) >= 4);

    await page.screenshot({ path: join(OUT, 'inspector.png'), fullPage: true });
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
    await page.close();
    await until(() => !f.hub.watching, 10_000, 'recording stopped after the page closed');
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
    await f.close();
  }
});
