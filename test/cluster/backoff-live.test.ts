import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { bannerPort, startCli, waitForCount, type RunningCli } from '../support/cluster-helpers.ts';
import { RawHttpClient } from '../support/cluster-load.ts';
import { StatsCollector } from '../../src/cluster/stats-collector.ts';

const FIXTURE = fileURLToPath(new URL('../support/cluster-stats-fixture.js', import.meta.url));

describe('a worker that keeps crashing', () => {
  let cli: RunningCli;
  after(async () => {
    cli.killGroup();
    await cli.exited;
  });

  test('is replaced at once, then with growing delays; restarts are reported per worker', async () => {
    // One supervised worker, back-off 300 ms doubling to 1200 ms, healthy only after 60 s. A fixed
    // port: with its only worker gone, node:cluster closes the socket and the replacement reopens
    // it, which for port 0 would be a different port.
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const fixedPort = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    cli = startCli([String(fixedPort), '1'], { command: [process.execPath, FIXTURE] });
    const port = await bannerPort(cli);
    await waitForCount(cli, /cluster: worker 1 \(pid \d+\) listening/g, 1);
    const delays: number[] = [];
    for (let crash = 1; crash <= 4; crash++) {
      const killer = new RawHttpClient({ port }, false);
      const o = await killer.get('/crash');
      assert.equal(o.ok, false, 'the request of death gets no answer');
      const crashedAt = Date.now();
      await waitForCount(cli, /cluster: worker 1 \(pid \d+\) listening/g, crash + 1);
      delays.push(Date.now() - crashedAt);
      await waitForCount(cli, /worker 1 \(pid \d+\) exited with code 3 after/g, crash);
    }
    assert.match(cli.output(), /worker 1 keeps crashing \(2 in a row\); next start in 300 ms/);
    assert.match(cli.output(), /worker 1 keeps crashing \(3 in a row\); next start in 600 ms/);
    assert.match(cli.output(), /worker 1 keeps crashing \(4 in a row\); next start in 1200 ms/);
    assert.ok(delays[1]! >= 300 && delays[2]! >= 600 && delays[3]! >= 1200, `delays ${delays.join(', ')}`);
    const res = await fetch(`http://127.0.0.1:${port}/stats`, { headers: { connection: 'close' } });
    const [row] = (await res.json()) as Array<{ id: number; restarts: number }>;
    assert.equal(row?.id, 1);
    assert.equal(row?.restarts, 4);
  });
});

describe('stats collection', () => {
  test('a worker that does not answer in time is listed without figures', async () => {
    const collector = new StatsCollector();
    const rows = await collector.collect(
      [
        { row: { id: 1, pid: 11, uptimeSeconds: 1, restarts: 0 }, send: (m) => queueMicrotask(() => collector.onReply({ type: 'httpcraft:stats-reply', id: m.id, snapshot: { requests: 7 } })) },
        { row: { id: 2, pid: 12, uptimeSeconds: 1, restarts: 2 }, send: () => {} },
        { row: { id: 3, pid: 13, uptimeSeconds: 1, restarts: 0 }, send: (m) => collector.onReply({ type: 'httpcraft:stats-reply', id: m.id, snapshot: null, error: 'provider failed' }) },
      ],
      100,
    );
    assert.deepEqual(rows, [
      { id: 1, pid: 11, uptimeSeconds: 1, restarts: 0, snapshot: { requests: 7 } },
      { id: 2, pid: 12, uptimeSeconds: 1, restarts: 2, snapshot: null, error: 'no answer within 100 ms' },
      { id: 3, pid: 13, uptimeSeconds: 1, restarts: 0, snapshot: null, error: 'provider failed' },
    ]);
  });
});
