// Auto-escaping against a corpus of XSS payloads in text, attributes, URL attributes, <textarea>,
// <title> and <script>. Two oracles: the string rules (no markup survives in text, no quote ends an
// attribute, no script: URL starts an href), and headless Chromium's own HTML parser, which loads
// each rendered page and must run no injected script and read back exactly the data in the DOM.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createTemplates, type Templates } from '../../src/app/templates/engine.ts';
import { BLOCKED_URL, sanitizeUrl } from '../../src/app/templates/html-context.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

// Each calls window.xss() if it ever runs.
const PAYLOADS = [
  '<script>xss()</script>',
  '<img src=x onerror=xss()>',
  '"><script>xss()</script>',
  "'><svg onload=xss()>",
  '" onmouseover="xss()" x="',
  "' autofocus onfocus='xss()' x='",
  '` onerror=`xss()',
  '</title><script>xss()</script>',
  '</textarea><script>xss()</script>',
  '</script><script>xss()</script>',
  '<!--<script>xss()</script>-->',
  '&lt;script&gt;xss()&lt;/script&gt;',
  '<iframe srcdoc="<script>parent.xss()</script>">',
  '{{ constructor }}<b>bold</b>',
  '\u2028\u2029</script>',
  '<<script>xss()//<</script>',
  '<a href="javascript:xss()">x</a>',
  '<scr\u0000ipt>xss()</script>',
];

const URLS = [
  'javascript:xss()',
  'JaVaScRiPt:xss()',
  ' \t\njavascript:xss()',
  'java\tscript:xss()',
  'java\nscript:xss()',
  '\u0001javascript:xss()',
  'vbscript:msgbox(1)',
  'data:text/html,<script>xss()</script>',
  'javascript&colon;xss()',
  '"><script>xss()</script>',
];
const SAFE_URLS = ['https://example.com/?a=1&b=2', '/notes/1', 'notes?q=x y', 'mailto:a@b.c', '#top', '//example.com/x', 'tel:+123', 'page/colon:after-slash'];

const PAGE = `<!doctype html><html><head><title>{{ v }}</title></head><body>
<p id="text">{{ v }}</p>
<div id="attr" title="{{ v }}" data-x='{{ v }}'></div>
<textarea id="area">{{ v }}</textarea>
<a id="link" href="{{ u }}">link</a><img id="img" src="{{ u }}" alt="">
<a id="rel" href="/search?q={{ v | url }}">search</a>
<script>window.fromData = {{ v }};</script>
</body></html>`;

let dir: string;
let tpl: Templates;
let context: BrowserContext | null = null;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'httpcraft-xss-'));
  await writeFile(join(dir, 'page.html'), PAGE);
  tpl = createTemplates({ root: dir });
});
after(async () => {
  await context?.close();
  await rm(dir, { recursive: true, force: true });
});

test('string rules: text and attributes keep no markup or quote; dangerous URLs are blocked', () => {
  for (const v of PAYLOADS) {
    const html = tpl.render('page.html', { v, u: '/x' });
    const text = /<p id="text">([\s\S]*?)<\/p>/.exec(html)![1]!;
    assert.doesNotMatch(text, /[<>"'`]/, v);
    const attr = /<div id="attr" title="([^"]*)" data-x='([^']*)'>/.exec(html);
    assert.ok(attr !== null, `attribute broken out of by ${JSON.stringify(v)}`);
    const script = /<script>window\.fromData = ([\s\S]*?);<\/script>/.exec(html)![1]!;
    assert.doesNotMatch(script, /<|>|\u2028|\u2029/, v);
    assert.equal(JSON.parse(script), v);
  }
  for (const u of URLS) assert.equal(sanitizeUrl(u) === BLOCKED_URL || !/^\s*[a-z]+:/i.test(sanitizeUrl(u).replace(/[\t\n\r]/g, '')), true, u);
  for (const u of URLS.slice(0, 8)) assert.equal(sanitizeUrl(u), BLOCKED_URL, u);
  for (const u of SAFE_URLS) assert.equal(sanitizeUrl(u), u, u);
});

test('in Chromium: no payload runs, and the DOM holds exactly the data', { skip, timeout: 60_000 }, async () => {
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let ran = 0;
    await page.exposeBinding('xssSeen', () => void ran++);
    await page.addInitScript('window.xss = () => window.xssSeen()');
    // No network: every URL the page names is answered here, so nothing leaves the test.
    await page.route('**/*', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '' }));
    await page.goto('http://xss.test/'); // a document made after the init script was added
    // The detector works: an unescaped payload is seen.
    await page.setContent('<p><img src=x onerror=xss()></p><script>xss()</script>');
    await page.waitForFunction('true');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(ran >= 1, 'the detector saw nothing of a raw payload');
    ran = 0;
    for (const v of PAYLOADS) {
      for (const u of [...URLS, SAFE_URLS[0]!]) {
        if (u !== SAFE_URLS[0] && v !== PAYLOADS[0]) continue; // every URL once, every payload once
        await page.setContent(tpl.render('page.html', { v, u }));
        await page.dispatchEvent('#attr', 'mouseover');
        await page.focus('#area');
        // A string: the test compiles without the DOM types; this runs in the page.
        const seen = (await page.evaluate(`({
          text: document.getElementById('text').textContent,
          title: document.getElementById('attr').getAttribute('title'),
          dataX: document.getElementById('attr').getAttribute('data-x'),
          area: document.getElementById('area').value,
          docTitle: document.title,
          href: document.getElementById('link').getAttribute('href'),
          src: document.getElementById('img').getAttribute('src'),
          fromData: window.fromData,
          scripts: document.scripts.length,
          elements: document.body.querySelectorAll('*').length,
          search: new URL(document.getElementById('rel').getAttribute('href'), 'http://test/').searchParams.get('q'),
        })`)) as { text: string; title: string; dataX: string; area: string; docTitle: string; href: string; src: string; fromData: unknown; scripts: number; elements: number; search: string };
        const shown = v.replace(/\u0000/g, '\ufffd'); // what escapeHtml sends for U+0000
        assert.equal(seen.text, shown);
        assert.equal(seen.title, shown);
        assert.equal(seen.dataX, shown);
        assert.equal(seen.area, shown);
        assert.equal(seen.docTitle, shown.replace(/[\t\n\f\r ]+/g, ' ').replace(/^ | $/g, '')); // document.title collapses ASCII whitespace only
        assert.equal(seen.fromData, v);
        assert.equal(seen.search, v);
        assert.equal(seen.scripts, 1, `one script only, for ${JSON.stringify(v)}`);
        assert.equal(seen.elements, 7, `no element injected by ${JSON.stringify(v)}`);
        const expectedUrl = sanitizeUrl(u);
        assert.equal(seen.href, expectedUrl, u);
        assert.equal(seen.src, expectedUrl, u);
        // The scheme checks Chromium applies itself: what is left in href is no script URL.
        if (URLS.includes(u)) assert.ok(seen.href === BLOCKED_URL || !/^javascript:|^vbscript:|^data:/i.test(seen.href.replace(/[\u0000-\u0020]/g, '')), `${JSON.stringify(u)} must be blocked`);
      }
    }
    assert.equal(ran, 0, 'an injected script ran');
  } finally {
    await context.close();
    context = null;
    await rm(profile, { recursive: true, force: true });
  }
});
