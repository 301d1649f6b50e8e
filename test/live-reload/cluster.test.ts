// Live reload through the cluster: with --workers 2 the primary watches once, and a change reaches
// the pages connected to each worker (raw WebSocket clients, spread over both workers: /proc tells
// which worker holds each connection). Every worker greets with the same server id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bannerPort, connectionOwner, listeningPids, startCli, tempDir, waitForCount } from '../support/cluster-helpers.ts';
import { WsTestClient, handshakeRequest } from '../support/ws-client.ts';

const message = async (ws: WsTestClient): Promise<unknown> => JSON.parse((await ws.frame()).payload.toString());

test('--workers 2 --live-reload: one watcher in the primary, a change reaches clients of both workers', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir('httpcraft-live-reload-');
  t.after(() => dir.remove());
  const root = join(dir.path, 'htdocs');
  await mkdir(join(root, 'css'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<html><body>hi</body></html>');
  await writeFile(join(root, 'css', 'site.css'), 'p{}');
  const cli = startCli(['--workers', '2', '--live-reload', '-H', '127.0.0.1', '-p', '0', '--no-config', root]);
  t.after(async () => {
    cli.killGroup();
    await cli.exited;
  });
  const port = await bannerPort(cli);
  await waitForCount(cli, /cluster: worker \d+ \(pid \d+\) listening/g, 2);
  const pids = listeningPids(cli.output());
  assert.match(cli.output(), /Features {2}.*live reload/);

  // Open clients until both workers hold some (the kernel picks the worker; bounded tries).
  const clients: WsTestClient[] = [];
  t.after(() => clients.forEach((c) => c.destroy()));
  const owners = new Set<number>();
  for (let i = 0; i < 40 && owners.size < 2; i++) {
    const ws = await WsTestClient.open(port, handshakeRequest('/__httpcraft/live-reload'));
    assert.equal(ws.status, 101);
    clients.push(ws);
    const owner = await connectionOwner(ws.socket.localPort!, port, pids);
    if (owner !== null) owners.add(owner);
  }
  assert.equal(owners.size, 2, `clients on both workers (${[...owners].join(', ')})`);
  const hellos = (await Promise.all(clients.map(message))) as Array<{ type: string; server: string }>;
  assert.ok(hellos.every((h) => h.type === 'hello'));
  assert.equal(new Set(hellos.map((h) => h.server)).size, 1, 'one server id across workers');

  await writeFile(join(root, 'css', 'site.css'), 'p{color:red}');
  for (const c of clients) assert.deepEqual(await message(c), { type: 'change', paths: ['/css/site.css'], truncated: false });
  // Only one watcher: each client got the change once, not once per worker.
  await new Promise((r) => setTimeout(r, 300));
  for (const c of clients) assert.equal(c.frames.length, 0, `nothing more: ${c.frames.map((f) => f.payload.toString()).join(' | ')}`);
});
