// The inspector in a real cluster (the CLI with --workers 2): one inspector, served by one worker,
// sees the exchanges of both (the primary merges the streams), with ids unique across workers; and a
// worker started later (the replacement of a killed one) records for it too.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerPort, connectionOwner, listeningPids, siteWithFiles, startCli, tempDir, waitForCount, type RunningCli } from '../support/cluster-helpers.ts';
import { rawConnection, SseReader } from '../support/inspector-helpers.ts';
import { rawGet } from '../support/status-helpers.ts';
import type { TraceRecord } from '../../src/trace/exchange-trace.ts';

describe('the inspector in a cluster', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let cli: RunningCli;
  let port: number;

  before(async () => {
    dir = await tempDir();
    await siteWithFiles(dir.path);
    cli = startCli(['--workers', '2', '-H', '127.0.0.1', '-p', '0', '--access-log', 'off', dir.path]);
    port = await bannerPort(cli);
    await cli.waitFor(/worker 1 \(pid \d+\) listening/);
    await cli.waitFor(/worker 2 \(pid \d+\) listening/);
  });
  after(async () => {
    cli.killGroup();
    await cli.exited;
    await dir.remove();
  });

  test('records from both workers reach one inspector, ids unique; a replacement worker records too', { timeout: 90_000 }, async () => {
    // A raw connection, so that we know which worker holds it (its local port).
    const sse = await rawConnection(port, 'GET /server-status/inspector/events HTTP/1.1\r\nHost: t\r\n\r\n');
    const reader = new SseReader();
    sse.setEncoding('utf8');
    // Chunk-size lines between events are ignored by the reader (it keeps event: and data: lines).
    sse.on('data', (t: string) => reader.push(t));
    try {
      await reader.waitFor((r) => r.events.find((e) => e.event === 'hello'), 10_000);
      const pids = [listeningPids(cli.output(), 1)[0]!, listeningPids(cli.output(), 2)[0]!];
      const holder = await connectionOwner(sse.localPort!, port, pids);
      assert.ok(holder !== null, 'the inspector connection belongs to a worker');

      // Separate connections until both workers have answered (the kernel spreads them).
      const workersSeen = (): Set<number> => new Set(reader.records<TraceRecord>().map((r) => r.worker));
      for (let i = 0; i < 400 && workersSeen().size < 2; i++) {
        await rawGet(port, `/kib.txt?n=${i}`);
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
      }
      await reader.waitFor((r) => (new Set(r.records<TraceRecord>().map((x) => x.worker)).size === 2 ? true : undefined), 5000);
      const records = reader.records<TraceRecord>();
      assert.deepEqual([...workersSeen()].sort(), [1, 2]);
      assert.equal(new Set(records.map((r) => r.id)).size, records.length, 'ids are unique');
      for (const r of records) assert.match(r.id, new RegExp(`^w${r.worker}-\\d+$`));
      assert.ok(!records.some((r) => r.target.startsWith('/server-status/inspector')), 'the inspector\'s own stream is not shown');

      // Kill the worker that does not hold the inspector; its replacement is told to record.
      const victimSlot = holder === pids[0] ? 2 : 1;
      process.kill(pids[victimSlot - 1]!, 'SIGKILL');
      await waitForCount(cli, new RegExp(`worker ${victimSlot} \\(pid \\d+\\) listening`, 'g'), 2);
      const since = Date.now();
      const fromReplacement = (r: SseReader): TraceRecord | undefined => r.records<TraceRecord>().find((x) => x.worker === victimSlot && x.time >= since - 50);
      for (let i = 0; i < 400 && fromReplacement(reader) === undefined; i++) {
        await rawGet(port, `/index.html?after=${i}`);
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
      }
      const late = await reader.waitFor(fromReplacement, 5000);
      assert.match(late.target, /^\/index\.html\?after=/);
      const all = reader.records<TraceRecord>();
      assert.equal(new Set(all.map((r) => r.id)).size, all.length, 'ids stay unique after a replacement');
    } finally {
      sse.destroy();
    }
  });
});
