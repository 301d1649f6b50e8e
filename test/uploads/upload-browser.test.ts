// A real browser (headless Chromium through playwright-core) uploads through our upload form.
// The directory listing that embeds the form lives on another branch, so the form is served here
// from a small page (box/index.html) built with the same uploadFormHtml() the listing includes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { uploadFormHtml } from '../../src/uploads/upload-form.ts';
import { DEFAULT_FORM_LIMITS } from '../../src/uploads/form.ts';
import { startUploadServer } from '../support/upload-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';

function page(formHtml: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Index of /box/</title></head><body><h1>Index of /box/</h1>${formHtml}</body></html>`;
}

test('headless Chromium uploads through the form: with JavaScript (click and drop) and without', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)` }, async () => {
  const s = await startUploadServer({ enableMkdir: true });
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  const contexts: BrowserContext[] = [];
  try {
    await mkdir(join(s.root, 'box'));
    await writeFile(join(s.root, 'box', 'index.html'), page(uploadFormHtml('/box/', DEFAULT_FORM_LIMITS, { reload: false, mkdir: true })));
    // A fresh profile folder per browser (playwright passes it as --user-data-dir).
    const launch = (dir: string, javaScriptEnabled: boolean): Promise<BrowserContext> =>
      chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        javaScriptEnabled,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });

    // With JavaScript: choose a file, press Upload; the XHR path reports the stored name.
    const context = await launch(join(profile, 'js'), true);
    contexts.push(context);
    const tab = await context.newPage();
    await tab.goto(`${s.base}/box/`);
    const picked = Buffer.from('picked through the file chooser\n');
    await tab.setInputFiles('input[type=file]', { name: 'hello world.txt', mimeType: 'text/plain', buffer: picked });
    await tab.click('button[type=submit]');
    // (Page-side code is passed as strings: this project compiles without the DOM type library.)
    await tab.waitForFunction(`document.querySelector('output').textContent.startsWith('Uploaded:')`, undefined, { timeout: 20_000 });
    assert.equal(await tab.textContent('output'), 'Uploaded: hello world.txt');
    assert.equal(await tab.evaluate(`(() => { const p = document.querySelector('progress'); return !p.hidden && p.value === p.max; })()`), true);
    assert.deepEqual(await readFile(join(s.root, 'box', 'hello world.txt')), picked);

    // Drag and drop: the same file name again gets a numbered name, reported back.
    const drop = (content: string, name: string): string => `(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([${content}], ${JSON.stringify(name)}, { type: 'text/plain' }));
      document.querySelector('.hc-upload').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`;
    await tab.evaluate(drop(`'dropped bytes'`, 'hello world.txt'));
    await tab.waitForFunction(`document.querySelector('output').textContent === 'Uploaded: hello world (1).txt'`, undefined, { timeout: 20_000 });
    assert.equal(await readFile(join(s.root, 'box', 'hello world (1).txt'), 'utf8'), 'dropped bytes');

    // Too large for max_upload_size: refused in the page before anything is sent.
    await tab.evaluate(drop(`new Uint8Array(${DEFAULT_FORM_LIMITS.maxUploadSize + 1})`, 'big.bin'));
    assert.match((await tab.textContent('output')) ?? '', /Too large/);
    await context.close();

    // Without JavaScript: the same form is a plain multipart post answered by a summary page.
    const plain = await launch(join(profile, 'plain'), false);
    contexts.push(plain);
    const tab2 = await plain.newPage();
    await tab2.goto(`${s.base}/box/`);
    await tab2.setInputFiles('input[type=file]', [
      { name: 'plain.txt', mimeType: 'text/plain', buffer: Buffer.from('no script needed') },
      { name: 'second.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 1, 2, 255]) },
    ]);
    await Promise.all([tab2.waitForURL(`${s.base}/box/`, { waitUntil: 'load' }), tab2.click('form.hc-upload-form button[type=submit]')]);
    assert.equal(await tab2.textContent('h1'), 'Form received');
    assert.match((await tab2.textContent('body')) ?? '', /plain\.txt[\s\S]*second\.bin/);
    assert.equal(await readFile(join(s.root, 'box', 'plain.txt'), 'utf8'), 'no script needed');
    assert.deepEqual(await readFile(join(s.root, 'box', 'second.bin')), Buffer.from([0, 1, 2, 255]));

    // The "new folder" form posts, is redirected back to the folder page, and the folder exists.
    await tab2.goto(`${s.base}/box/`);
    await tab2.fill('input[name=mkdir]', 'made by browser');
    await Promise.all([tab2.waitForURL(`${s.base}/box/`), tab2.click('form.hc-mkdir-form button[type=submit]')]);
    assert.equal(await tab2.textContent('h1'), 'Index of /box/');
    assert.ok((await readdir(join(s.root, 'box'))).includes('made by browser'));
    await plain.close();
  } finally {
    for (const c of contexts) await c.close().catch(() => undefined);
    await s.close();
    await rm(profile, { recursive: true, force: true });
  }
});
