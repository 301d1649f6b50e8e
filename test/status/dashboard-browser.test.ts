// The dashboard in a real browser (headless Chromium through playwright-core): it loads with its
// strict Content-Security-Policy intact, makes no request outside its own origin, updates itself
// after traffic, shows hostile paths as text, and looks right in light and dark mode and on a phone
// (screenshots go to test-output/, which is gitignored, for a human to look at).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { rawGet, startStatusServer } from '../support/status-helpers.ts';
import { StatusRecorder } from '../../src/status/metrics.ts';
import { mergeSnapshots } from '../../src/status/snapshot.ts';
import type { Request } from '../../src/server/request.ts';
import type { Response } from '../../src/server/response.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = 'test-output';
// Page functions run in the browser; they reach its globals through this narrow view (the test is
// compiled without the DOM library, and string evaluation is refused by the page's CSP).
interface PageGlobals {
  document: {
    body: { getAttribute(name: string): string | null };
    getElementById(id: string): { textContent: string | null } | null;
    documentElement: { scrollWidth: number };
  };
  getComputedStyle(element: unknown): { backgroundColor: string };
  innerWidth: number;
}
function launch(profile: string): ReturnType<typeof chromium.launchPersistentContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
  });
}

const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

test('the dashboard updates live in Chromium, under its CSP, in light, dark and phone layouts', { skip, timeout: 180_000 }, async () => {
  const f = await startStatusServer();
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  await mkdir(OUT, { recursive: true });
  const context = await launch(profile);
  let traffic = true;
  try {
    // Some history for the chart and tables: a few seconds of mixed traffic.
    const paths = ['/', '/', '/', '/one-kib.bin', '/missing.css', '/%3Cscript%3Ealert(1)%3C/script%3E'];
    const loop = (async () => {
      let i = 0;
      while (traffic) {
        // Mostly keep-alive (fetch pools connections), some one-shot connections.
        if (i % 3 === 0) await rawGet(f.port, paths[i % paths.length]!);
        else await (await fetch(f.base + paths[i % paths.length]!)).arrayBuffer();
        i++;
        if (i % 8 === 0) await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await new Promise((r) => setTimeout(r, 3000));

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
      const url = r.url();
      if (!url.startsWith(f.base) && !url.startsWith('data:')) foreign.push(url);
    });

    await page.goto(`${f.base}/server-status`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.getAttribute('data-updated') !== null, undefined, { timeout: 30_000 });
    const first = Number((await page.textContent('#total'))!.replace(/,/g, ''));
    const firstStamp = await page.getAttribute('body', 'data-updated');
    assert.ok(first > 0);
    assert.equal(await page.textContent('#live-text'), 'live');

    // Stop the generator, send a known burst, and wait for the page to show a larger total.
    traffic = false;
    await loop;
    for (let i = 0; i < 5; i++) await rawGet(f.port, '/');
    await page.waitForFunction((n) => Number((globalThis as unknown as PageGlobals).document.getElementById('total')!.textContent!.replace(/,/g, '')) >= n, first + 5, { timeout: 30_000 });
    assert.notEqual(await page.getAttribute('body', 'data-updated'), firstStamp);

    // Hostile path shown as text, never as markup.
    const cells = await page.$$eval('#paths td.path', (tds) => tds.map((td) => td.textContent));
    assert.ok(cells.includes('/%3Cscript%3Ealert(1)%3C/script%3E'), cells.join(' | '));
    assert.equal(await page.$$eval('#paths script', (s) => s.length), 0);
    // Figures the page shows agree with the JSON form.
    const codes = await page.$$eval('#codes .code', (els) => els.map((e) => e.textContent));
    assert.ok(codes.some((c) => c?.startsWith('404')), codes.join(' '));
    assert.ok((await page.$$('#chart polyline')).length === 1);
    assert.ok(await page.isHidden('#workers-panel'));

    // Wait for a fresh render after the burst so screenshots show settled figures.
    await page.screenshot({ path: join(OUT, 'status-dashboard-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return g.getComputedStyle(g.document.body).backgroundColor;
    });
    assert.equal(bg, 'rgb(13, 17, 23)');
    await page.screenshot({ path: join(OUT, 'status-dashboard-dark.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300); // the chart redraws after a resize (debounced 100 ms)
    // Nothing wider than the phone screen.
    const overflow = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    await page.screenshot({ path: join(OUT, 'status-dashboard-phone-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(OUT, 'status-dashboard-phone-light.png'), fullPage: true });

    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
  } finally {
    traffic = false;
    await context.close();
    await rm(profile, { recursive: true, force: true });
    await f.close();
  }
});

test('with several workers the dashboard shows one row per worker (merged snapshots)', { skip, timeout: 120_000 }, async () => {
  // A second recorder stands in for another worker process; the status routes serve the merge,
  // as a cluster primary would.
  const other = new StatusRecorder({ workerId: 2, version: '9.8.7' });
  let self: StatusRecorder | null = null;
  // Only a token admits the browser (it connects from 127.0.0.1, outside the allow list): the
  // page must carry the token from its own URL into its polling.
  const f = await startStatusServer({ snapshot: () => mergeSnapshots([self!.snapshot(), other.snapshot()]), allow: ['127.0.0.2/32'], token: 'tok-xyz' });
  self = f.recorder;
  for (let i = 0; i < 40; i++) {
    other.record({ method: 'GET', path: '/from-worker-2', sequence: 1, startHr: performance.now() - 2 } as unknown as Request, { status: 200 } as unknown as Response);
  }
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  await mkdir(OUT, { recursive: true });
  const context = await launch(profile);
  try {
    for (let i = 0; i < 10; i++) await rawGet(f.port, '/');
    const page = context.pages()[0] ?? (await context.newPage());
    assert.equal((await page.goto(`${f.base}/server-status`))!.status(), 404);
    await page.goto(`${f.base}/server-status?token=tok-xyz`);
    await page.waitForSelector('#workers tbody tr', { timeout: 30_000 });
    assert.equal(await page.textContent('#live-text'), 'live');
    const rows = await page.$$eval('#workers tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.equal(rows.length, 2);
    assert.ok(rows[1]!.startsWith('#2'), rows[1]!);
    // 40 on the other worker; here 10 for "/", the refused 404 and the page: 52 at the first poll,
    // more if a later poll (which counts the earlier ones) has landed since.
    assert.ok(Number(await page.textContent('#total')) >= 52);
    await page.screenshot({ path: join(OUT, 'status-dashboard-workers.png'), fullPage: true });
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
    other.close();
    await f.close();
  }
});
