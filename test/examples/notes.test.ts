// The notes example (examples/notes) run as a user runs it: `httpcraft --app examples/notes/app.mjs
// examples/notes/public`, its JSON API through fetch and its pages through headless Chromium.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCli, type CliRun } from '../support/config-helpers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

interface Note {
  id: number;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

let data: string;
let run: CliRun;
let url: string;

async function start(): Promise<void> {
  run = startCli(['--app', 'examples/notes/app.mjs', 'examples/notes/public', '-p', '0', '--host', '127.0.0.1', '--access-log', 'off'], { cwd: ROOT, env: { NOTES_DB: join(data, 'notes.sqlite') } });
  const m = await run.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  url = `http://127.0.0.1:${m[1]}`;
}
async function stop(): Promise<void> {
  run.child.kill('SIGTERM');
  await run.exited;
}

before(async () => {
  data = await mkdtemp(join(tmpdir(), 'httpcraft-notes-'));
  await start();
});
after(async () => {
  await stop();
  await rm(data, { recursive: true, force: true });
});

const json = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<globalThis.Response> =>
  fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('the JSON API', () => {
  test('create, read with ETag and 304, update with If-Match, delete', async () => {
    const created = await json('POST', '/api/notes', { title: 'First', body: 'hello' });
    assert.equal(created.status, 201);
    const note = (await created.json()) as Note;
    assert.equal(created.headers.get('location'), `/api/notes/${note.id}`);
    assert.equal(note.title, 'First');
    const got = await fetch(`${url}/api/notes/${note.id}`);
    assert.equal(got.status, 200);
    const tag = got.headers.get('etag')!;
    assert.ok(tag);
    assert.equal((await fetch(`${url}/api/notes/${note.id}`, { headers: { 'if-none-match': tag } })).status, 304);
    const changed = await json('PATCH', `/api/notes/${note.id}`, { body: 'changed' }, { 'if-match': tag });
    assert.equal(changed.status, 200);
    assert.equal(((await changed.json()) as Note).body, 'changed');
    assert.equal((await json('PUT', `/api/notes/${note.id}`, { title: 'x' }, { 'if-match': tag })).status, 412);
    assert.equal((await json('DELETE', `/api/notes/${note.id}`)).status, 204);
    assert.equal((await fetch(`${url}/api/notes/${note.id}`)).status, 404);
    assert.equal((await json('DELETE', `/api/notes/${note.id}`)).status, 404);
  });

  test('validation errors are problem+json naming the field', async () => {
    const res = await json('POST', '/api/notes', { body: 'no title', colour: 1 });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const p = (await res.json()) as { errors: Array<{ name: string }> };
    assert.deepEqual(p.errors.map((e) => e.name), ['title', 'colour']);
    assert.equal((await json('POST', '/api/notes', { title: '' })).status, 422);
    assert.equal((await fetch(`${url}/api/notes`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status, 415);
    assert.equal((await fetch(`${url}/api/notes?per_page=500`)).status, 422);
  });

  test('pagination: newest first, Link to the neighbours', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(((await (await json('POST', '/api/notes', { title: `n${i}` })).json()) as Note).id);
    const res = await fetch(`${url}/api/notes?per_page=2&page=2`);
    const body = (await res.json()) as { notes: Note[]; page: number; perPage: number; total: number; totalPages: number };
    assert.equal(body.page, 2);
    assert.equal(body.perPage, 2);
    assert.ok(body.total >= 5);
    assert.deepEqual(body.notes.map((n) => n.id), [ids[2], ids[1]]);
    const link = res.headers.get('link')!;
    assert.match(link, /<\/api\/notes\?page=1&per_page=2>; rel="prev"/);
    assert.match(link, /<\/api\/notes\?page=3&per_page=2>; rel="next"/);
  });

  test('405 with Allow, an unknown id 404, OpenAPI 3.1, a file from public/', async () => {
    const wrong = await fetch(`${url}/api/notes`, { method: 'PATCH' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, POST, HEAD, OPTIONS');
    assert.equal((await fetch(`${url}/api/notes/424242`)).status, 404);
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths['/api/notes/{id}']!).sort(), ['delete', 'get', 'patch', 'put']);
    const css = await fetch(`${url}/style.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type')!, /^text\/css/);
    assert.match(await (await fetch(`${url}/about.html`)).text(), /A static file/);
  });

  test('the notes survive a restart (SQLite file)', async () => {
    const made = (await (await json('POST', '/api/notes', { title: 'kept' })).json()) as Note;
    await stop();
    await start();
    assert.equal(((await (await fetch(`${url}/api/notes/${made.id}`)).json()) as Note).title, 'kept');
  });
});

test('the pages in Chromium: a note added through the form, listed escaped, its page, no script runs', { skip, timeout: 60_000 }, async () => {
  const evil = `<img src=x onerror="window.pwned=1">"'&`;
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    assert.match(await page.title(), /^All notes \(\d+\) · httpcraft notes$/);
    await page.fill('input[name=title]', evil);
    await page.fill('textarea[name=body]', 'line one\n<b>not bold</b>');
    await Promise.all([page.waitForURL(/\/notes\/\d+$/), page.click('form.new button')]);
    assert.equal(await page.textContent('h1'), evil);
    assert.equal(await page.textContent('.body'), 'line one\n<b>not bold</b>');
    assert.equal(await page.locator('.body b').count(), 0);
    const noteData = (await page.evaluate('window.note')) as Note;
    assert.equal(noteData.title, evil);
    await page.click('text=← all notes');
    await page.waitForURL(`${url}/`);
    assert.equal(await page.locator('.notes .note a').first().textContent(), evil);
    assert.equal(await page.locator('.notes .note a').first().getAttribute('title'), evil);
    // An empty title is refused on the page too, with the reason shown (the browser's own check off).
    await page.evaluate("document.querySelector('input[name=title]').removeAttribute('required')");
    await page.fill('input[name=title]', '   ');
    await Promise.all([page.waitForLoadState('load'), page.click('form.new button')]);
    assert.match((await page.textContent('.errors'))!, /title must not be empty/);
    // The stylesheet from public/ applies.
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('.notes')).listStyleType"), 'none');
    assert.equal(await page.evaluate('window.pwned'), undefined);
    const missing = await page.goto(`${url}/notes/999999`);
    assert.equal(missing!.status(), 404);
    assert.match((await page.textContent('h1'))!, /No note 999999/);
    // The status dashboard (loopback may see it) lists the app's routes by pattern.
    await page.goto(`${url}/server-status`);
    await page.waitForSelector('#routes-panel:not([hidden]) #routes td');
    const routes = await page.locator('#routes tbody tr td:first-child').allTextContents();
    assert.ok(routes.includes('/api/notes/:id(\\d+)'), routes.join(' | '));
    assert.ok(routes.includes('/'), routes.join(' | '));
    assert.ok(!routes.some((r) => /\/notes\/\d/.test(r)), 'raw paths are not labels');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});
