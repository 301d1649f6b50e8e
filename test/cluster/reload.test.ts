import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { bannerPort, listeningPids, processAlive, siteWithFiles, startCli, tempDir, waitForCount, type RunningCli, suiteResources } from '../support/cluster-helpers.ts';
import { runLoad, type Outcome } from '../support/cluster-load.ts';

const FIXTURE = fileURLToPath(new URL('../support/cluster-stats-fixture.js', import.meta.url));

/** Two SIGHUP rolls while four clients (two keep-alive, two connection-per-request) keep sending. */
async function reloadUnderLoad(t: TestContext, cli: RunningCli, path: string): Promise<void> {
  const port = await bannerPort(cli);
  await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
  const firstPids = listeningPids(cli.output());
  let ok = 0;
  let stopAt = Infinity;
  const load = runLoad({
    target: { port },
    path,
    clients: [{ keepAlive: true }, { keepAlive: true }, { keepAlive: false }, { keepAlive: false }],
    stop: () => ok >= stopAt,
    maxRequests: 100_000,
    onOutcome: (o: Outcome) => {
      if (o.ok) ok++;
    },
  });
  while (ok < 100) await new Promise((r) => setTimeout(r, 10));
  const duringStart = ok;
  for (let roll = 1; roll <= 2; roll++) {
    process.kill(cli.pid, 'SIGHUP');
    await waitForCount(cli, /cluster: reload complete/g, roll);
  }
  const duringRolls = ok - duringStart;
  stopAt = ok + 100;
  const outcomes = await load;
  const failures = outcomes.filter((o) => !o.ok);
  const retries = outcomes.filter((o) => o.retry);
  t.diagnostic(`${outcomes.length} requests (${duringRolls} during the rolls), ${failures.length} failed, ${retries.length} keep-alive retries`);
  assert.deepEqual(failures, []);
  assert.ok(duringRolls > 0, 'requests completed during the rolls');
  // Retries are only the race RFC 9112 §9.3.1 lets a client resolve: an idle keep-alive connection
  // closed by a draining worker as the next request went out. Connection-per-request clients never retry.
  for (const r of retries) assert.ok(r.retriedFrom !== null);
  // Every original worker was replaced and has exited.
  const all = listeningPids(cli.output());
  assert.equal(all.length, 6, cli.output());
  for (const pid of firstPids) {
    await waitForCount(cli, new RegExp(`worker \\d \\(pid ${pid}\\) stopped`, 'g'), 1);
    assert.equal(processAlive(pid), false);
  }
}

describe('SIGHUP rolls the workers without failing a request', () => {
  const { started, dirs } = suiteResources();

  test('the CLI (workers accept from the shared socket)', async (t) => {
    const dir = await tempDir();
    dirs.push(dir.remove);
    await siteWithFiles(dir.path);
    const cli = startCli(['--workers', '2', '-H', '127.0.0.1', '-p', '0', dir.path]);
    started.push(cli);
    await reloadUnderLoad(t, cli, '/kib.txt');
    process.kill(cli.pid, 'SIGTERM');
    assert.equal(await cli.exited, 0);
  });

  test('round-robin scheduling (the primary hands out connections)', async (t) => {
    const cli = startCli(['0', '2', 'round-robin'], { command: [process.execPath, FIXTURE] });
    started.push(cli);
    await reloadUnderLoad(t, cli, '/hello');
    process.kill(cli.pid, 'SIGTERM');
    assert.equal(await cli.exited, 0);
  });

  test('a reload that cannot start a worker keeps the running ones', async () => {
    const dir = await tempDir();
    dirs.push(dir.remove);
    await siteWithFiles(dir.path);
    const cli = startCli(['--workers', '2', '-H', '127.0.0.1', '-p', '0', dir.path]);
    started.push(cli);
    const port = await bannerPort(cli);
    await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
    // The document root disappears: the reload fails to read it, and nothing changes.
    await dir.remove();
    process.kill(cli.pid, 'SIGHUP');
    await cli.waitFor(/reload failed, the workers keep the current configuration: .*(ENOENT|does not exist)/);
    const res = await fetch(`http://127.0.0.1:${port}/kib.txt`, { headers: { connection: 'close' } });
    assert.equal(res.status, 404); // still served, by the same workers (the file is gone with the folder)
    assert.equal(listeningPids(cli.output()).length, 2);
  });
});
