// HTTP/2 in a real browser: headless Chromium over TLS negotiates h2 with our server (ALPN) and
// loads a listing page and a 10 MiB file with a Range request over it (nextHopProtocol 'h2').

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { createServer } from '../../src/server/http-server.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { makeTree, silentLogger } from '../support/static-helpers.ts';
import { makeCert } from '../support/tls-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

test('Chromium speaks h2 to us: a listing page and a 10 MiB file fetched with a Range', { skip, timeout: 120_000 }, async () => {
  const big = Buffer.alloc(10 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
  const tree = await makeTree({ 'files/big.bin': big, 'files/note.txt': 'hello\n' });
  const cert = makeCert();
  const versions: string[] = [];
  const server = createServer({
    handler: createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger, directoryListing: true }),
    tls: { key: cert.keyPem, cert: cert.certPem },
  });
  server.on('response', (req) => versions.push(req.httpVersion));
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-h2-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`https://localhost:${port}/files/`);
    assert.match(await page.content(), /big\.bin/);
    // Page code as text: this file is compiled without the DOM types.
    const navigation = await page.evaluate<string>(`performance.getEntriesByType('navigation')[0].nextHopProtocol`);
    assert.equal(navigation, 'h2');
    const ranged = await page.evaluate<{ status: number; range: string; length: number; first: number; protocol: string }>(`(async () => {
      const res = await fetch('/files/big.bin', { headers: { range: 'bytes=5242880-' }, cache: 'no-store' });
      const body = new DataView(await res.arrayBuffer());
      await new Promise((r) => setTimeout(r, 50)); // the resource timing entry lands after the body
      const entry = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/files/big.bin'));
      return { status: res.status, range: res.headers.get('content-range'), length: body.byteLength, first: body.getUint32(0), protocol: entry ? entry.nextHopProtocol : '' };
    })()`);
    assert.deepEqual(ranged, { status: 206, range: `bytes 5242880-${big.length - 1}/${big.length}`, length: big.length - 5242880, first: 5242880, protocol: 'h2' });
    const whole = await page.evaluate<number>(`fetch('/files/big.bin', { cache: 'no-store' }).then((r) => r.arrayBuffer()).then((b) => b.byteLength)`);
    assert.equal(whole, big.length);
    assert.ok(versions.length >= 3 && versions.every((v) => v === '2.0'), versions.join(','));
  } finally {
    await context.close();
    await server.close(1000);
    await rm(profile, { recursive: true, force: true });
    await tree.cleanup();
  }
});

test('live reload works when the page came over h2: its WebSocket and the reload on an edit', { skip, timeout: 120_000 }, async () => {
  const { writeFile } = await import('node:fs/promises');
  const tree = await makeTree({ 'index.html': '<!doctype html><title>one</title><h1>one</h1>\n' });
  const cert = makeCert();
  const handler = createSiteHandler({ documentRoot: tree.root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger, liveReload: true });
  const server = createServer({ handler, tls: { key: cert.keyPem, cert: cert.certPem } });
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  const watcher = handler.liveReload!.watch();
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-h2-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await watcher.ready;
    const page = context.pages()[0] ?? (await context.newPage());
    const socketOpen = new Promise<void>((resolve) => page.on('websocket', (ws) => ws.url().includes('live-reload') && resolve()));
    await page.goto(`https://localhost:${port}/`);
    assert.equal(await page.evaluate<string>(`performance.getEntriesByType('navigation')[0].nextHopProtocol`), 'h2');
    await socketOpen;
    await new Promise((r) => setTimeout(r, 200)); // the socket is up on the server's side too
    await writeFile(tree.path('index.html'), '<!doctype html><title>two</title><h1>two</h1>\n');
    await page.waitForFunction(`document.title === 'two'`, undefined, { timeout: 5000 });
  } finally {
    watcher.close();
    await context.close();
    await server.close(1000);
    await rm(profile, { recursive: true, force: true });
    await tree.cleanup();
  }
});
