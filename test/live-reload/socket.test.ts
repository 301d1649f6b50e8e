// The live-reload socket on a single-process site: a client is greeted with the server id and told
// of each batch; pages of other sites are refused with 403 and never upgraded; without live reload
// (or without an Upgrade) the path is an ordinary static path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { WsTestClient, handshakeRequest } from '../support/ws-client.ts';

const PATH = '/__httpcraft/live-reload';
const message = async (ws: WsTestClient): Promise<unknown> => JSON.parse((await ws.frame()).payload.toString());

test('a client is greeted with the server id, then gets each batch of changes as JSON', async () => {
  const tree = await makeTree({ 'index.html': 'x' });
  const site = await startSite(tree.root, { liveReload: true });
  const watcher = site.handler.liveReload!.watch();
  const ws = await WsTestClient.open(site.port, handshakeRequest(PATH, { Origin: 'http://localhost' }));
  try {
    await watcher.ready;
    assert.equal(ws.status, 101);
    assert.deepEqual(await message(ws), { type: 'hello', server: site.handler.liveReload!.instanceId });
    await writeFile(tree.path('index.html'), 'y');
    await writeFile(tree.path('new.js'), 'z');
    const change = (await message(ws)) as { type: string; paths: string[]; truncated: boolean };
    assert.equal(change.type, 'change');
    assert.deepEqual(change.paths.sort(), ['/index.html', '/new.js']);
    assert.equal(change.truncated, false);
  } finally {
    ws.destroy();
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
    const evil = await WsTestClient.open(on.port, handshakeRequest(PATH, { Origin: 'https://evil.example' }));
    assert.equal(evil.status, 403);
    evil.destroy();
    assert.equal(on.handler.liveReload!.clients, 0);
    assert.equal((await raw(on.port, '/__httpcraft/live-reload')).status, 404);
    const plain = await WsTestClient.open(off.port, handshakeRequest(PATH));
    assert.equal(plain.status, 404);
    plain.destroy();
  } finally {
    await on.close();
    await off.close();
    await tree.cleanup();
  }
});
