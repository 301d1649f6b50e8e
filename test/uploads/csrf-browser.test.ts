// Cross-site request forgery with a real browser (issue 21): a page served by another server, on
// another loopback port, makes headless Chromium write to our server with uploads on and CORS "*"
// (the Quick Start's sample config). The page auto-submits multipart forms (to upload_path and to a
// folder), sends a no-cors multipart fetch and a fetch PUT. Every one of them reaches the server
// and is refused; nothing is written.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startServer } from '../support/start-server.ts';
import { listTree, startUploadServer } from '../support/upload-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

function attackPage(target: string): string {
  // (One origin away: same host, another port, so Chromium sends Sec-Fetch-Site: same-site.)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>attack</title></head><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="submit" action="${target}/submit" method="post" enctype="multipart/form-data" target="sink1">
<input type="hidden" name="note" value="csrf"><input type="file" name="file"></form>
<form id="folder" action="${target}/docs/" method="post" enctype="multipart/form-data" target="sink2">
<input type="file" name="file"></form>
<script>
const file = () => { const dt = new DataTransfer(); dt.items.add(new File(['<script>alert(document.cookie)<\\/script>'], 'evil.html', { type: 'text/html' })); return dt.files; };
const loaded = (name) => new Promise((resolve) => { document.querySelector('iframe[name=' + name + ']').onload = resolve; });
const done = [loaded('sink1'), loaded('sink2')];
for (const id of ['submit', 'folder']) { const form = document.getElementById(id); form.querySelector('input[type=file]').files = file(); form.submit(); }
const body = new FormData(); body.append('file', new File(['x'], 'nocors.html'));
done.push(fetch('${target}/submit', { method: 'POST', mode: 'no-cors', body }).then(() => 'sent', (e) => 'failed ' + e));
done.push(fetch('${target}/docs/put.html', { method: 'PUT', body: '<script>alert(1)<\\/script>' }).then((r) => r.status, (e) => 'failed ' + e));
Promise.all(done).then((results) => { window.results = results; });
</script></body></html>`;
}

test('a page on another loopback port cannot make Chromium write to the server (forms, no-cors fetch, fetch PUT)', { skip, timeout: 120_000 }, async () => {
  let rejected = 0;
  const stats = { recordFile: () => undefined, recordRejected: () => void rejected++ };
  const target = await startUploadServer({ stats }, undefined, { enableCors: true, corsAllowOrigin: '*' });
  const attacker = await startServer((_req, res) => res.send(200, attackPage(target.base), 'text/html; charset=utf-8'));
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-csrf-'));
  let context: BrowserContext | null = null;
  try {
    await mkdir(join(target.root, 'docs'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await context.newPage();
    await page.goto(`${attacker.url}/`);
    // (Page-side code is passed as strings: this project compiles without the DOM type library.)
    await page.waitForFunction('window.results !== undefined', undefined, { timeout: 30_000 });
    const results = (await page.evaluate('window.results')) as unknown[];
    // The PUT passed the CORS preflight ("*") and was then refused by the write rule; the browser
    // may read that answer, since CORS lets every origin read.
    assert.deepEqual(results.slice(2), ['sent', 403]);
    // All four writes reached the server and were refused there.
    assert.equal(rejected, 4);
    assert.deepEqual(await listTree(target.root), ['docs/']);
  } finally {
    await context?.close().catch(() => undefined);
    await attacker.close();
    await target.close();
    await rm(profile, { recursive: true, force: true });
  }
});
