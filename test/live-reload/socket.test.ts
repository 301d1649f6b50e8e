// The live-reload socket on a single-process site: a client is greeted with the server id and told
// of each batch; pages of other sites are refused with 403 and never upgraded; without live reload
// (or without an Upgrade) the path is an ordinary static path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { openRawWebSocket } from './ws-client.ts';

test('a client is greeted with the server id, then gets each batch of changes as JSON', async () => {
  const tree = await makeTree({ 'index.html': 'x' });
  const site = await startSite(tree.root, { liveReload: true });
  const watcher = site.handler.liveReload!.watch();
  const ws = await openRawWebSocket(site.port, '/__httpcraft/live-reload', { Origin: `http://127.0.0.1:${site.port}` });
  try {
    await watcher.ready;
    assert.deepEqual(JSON.parse(await ws.next()), { type: 'hello', server: site.handler.liveReload!.instanceId });
    await writeFile(tree.path('index.html'), 'y');
    await writeFile(tree.path('new.js'), 'z');
    const change = JSON.parse(await ws.next()) as { type: string; paths: string[]; truncated: boolean };
    assert.equal(change.type, 'change');
    assert.deepEqual(change.paths.sort(), ['/index.html', '/new.js']);
    assert.equal(change.truncated, false);
  } finally {
    ws.close();
    watcher.close();
    await site.close();
    await tree.cleanup();
  }
});

test('a page of another site is refused (403, no upgrade); without Upgrade or with live reload off the path is a plain 404', async () => {
  const tree = await makeTree({ 'index.html': 'x' });
  const on = await startSite(tree.root, { liveReload: true });
  const off = await startSite(tree.root, {});
  try {
    await assert.rejects(openRawWebSocket(on.port, '/__httpcraft/live-reload', { Origin: 'https://evil.example' }), (e: Error & { head?: string }) => /^HTTP\/1\.1 403/.test(e.head ?? ''));
    assert.equal(on.handler.liveReload!.clients, 0);
    assert.equal((await raw(on.port, '/__httpcraft/live-reload')).status, 404);
    await assert.rejects(openRawWebSocket(off.port, '/__httpcraft/live-reload'), (e: Error & { head?: string }) => /^HTTP\/1\.1 404/.test(e.head ?? ''));
  } finally {
    await on.close();
    await off.close();
    await tree.cleanup();
  }
});
