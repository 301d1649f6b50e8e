import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { bannerPort, startCli, type RunningCli } from '../support/cluster-helpers.ts';
import { RawHttpClient } from '../support/cluster-load.ts';

const FIXTURE = fileURLToPath(new URL('../support/cluster-stats-fixture.js', import.meta.url));

describe('per-worker figures over IPC', () => {
  let cli: RunningCli;
  let port: number;
  before(async () => {
    cli = startCli(['0', '2'], { command: [process.execPath, FIXTURE] });
    port = await bannerPort(cli);
    await cli.waitFor(/worker 1 \(pid \d+\) listening/);
    await cli.waitFor(/worker 2 \(pid \d+\) listening/);
  });
  after(async () => {
    cli.killGroup();
    await cli.exited;
  });

  test('any worker serves the aggregated view; counts add up to the requests sent', async () => {
    const SENT = 60;
    // Half on fresh connections, half on keep-alive ones, from several clients at once.
    const clients = [new RawHttpClient({ port }, false), new RawHttpClient({ port }, false), new RawHttpClient({ port }, true), new RawHttpClient({ port }, true)];
    try {
      for (let i = 0; i < SENT / clients.length; i++) {
        const outcomes = await Promise.all(clients.map((c) => c.get('/hello')));
        assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes));
      }
    } finally {
      for (const c of clients) c.close();
    }
    // Ask several times over new connections: whichever worker answers, the view is the same.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/stats`, { headers: { connection: 'close' } });
      assert.equal(res.status, 200);
      const reports = (await res.json()) as Array<{ id: number; pid: number; uptimeSeconds: number; restarts: number; snapshot: { requests: number } | null }>;
      assert.deepEqual(reports.map((r) => r.id), [1, 2]);
      assert.equal(new Set(reports.map((r) => r.pid)).size, 2);
      for (const r of reports) {
        assert.ok(r.pid > 0 && r.uptimeSeconds > 0 && r.restarts === 0, JSON.stringify(r));
        assert.notEqual(r.snapshot, null);
      }
      assert.equal(reports.reduce((sum, r) => sum + r.snapshot!.requests, 0), SENT);
    }
  });
});
