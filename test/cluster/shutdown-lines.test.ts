// The lines a shutdown and a reload leave, in the order things happened: the signal line before
// "stopped" (one logger in a single process, whether it writes the console or a file); on a cluster
// reload each old worker "stopped" once, before "reload complete"; counts in the singular for one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listeningPids, siteWithFiles, startCli, suiteResources, tempDir, waitForCount, type RunningCli } from '../support/cluster-helpers.ts';

/** Event lines (the message after the level), in order. */
function events(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\S+Z (?:INFO|WARNING|ERROR|DEBUG) +(.*)$/.exec(l)?.[1])
    .filter((m): m is string => m !== undefined);
}

function indexOf(lines: string[], re: RegExp): number {
  const i = lines.findIndex((l) => re.test(l));
  assert.notEqual(i, -1, `no line matches ${re}:\n${lines.join('\n')}`);
  return i;
}

describe('shutdown and reload lines', () => {
  const { started, dirs } = suiteResources();

  /** A site in a temp folder, and the CLI serving it with `args`; a cluster rolled once by SIGHUP. */
  async function serve(args: string[], workers = 0): Promise<{ cli: RunningCli; first: number[] }> {
    const dir = await tempDir();
    dirs.push(dir.remove);
    await siteWithFiles(dir.path);
    const cli = startCli([...(workers > 0 ? ['--workers', String(workers)] : []), '-H', '127.0.0.1', '-p', '0', ...args, dir.path]);
    started.push(cli);
    if (workers === 0) {
      await cli.waitFor(/http:\/\/127\.0\.0\.1:[1-9]\d*\//);
      return { cli, first: [] };
    }
    await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, workers);
    const first = listeningPids(cli.output());
    process.kill(cli.pid, 'SIGHUP');
    await cli.waitFor(/cluster: reload complete/);
    return { cli, first };
  }

  test('single process: "SIGTERM: finishing in-flight requests" comes before "stopped", on the console and in log_file', async () => {
    for (const file of [null, join(tmpdir(), `httpcraft-order-${process.pid}.log`)]) {
      const { cli } = await serve(file === null ? [] : ['--log-file', file]);
      if (file !== null) dirs.push(() => rm(file, { force: true }));
      process.kill(cli.pid, 'SIGTERM');
      assert.equal(await cli.exited, 0);
      const lines = events(file === null ? cli.output() : await readFile(file, 'utf8'));
      const signal = indexOf(lines, /^SIGTERM: finishing in-flight requests/);
      const stopped = indexOf(lines, /^stopped$/);
      assert.ok(signal < stopped, lines.join('\n'));
      assert.equal(stopped, lines.length - 1, 'stopped is the last line');
    }
  });

  test('cluster of one: a reload stops the old worker once, before "reload complete"; no "1 workers"', async () => {
    const { cli, first } = await serve([], 1);
    const [oldPid] = first;
    const [, newPid] = listeningPids(cli.output());
    process.kill(cli.pid, 'SIGTERM');
    assert.equal(await cli.exited, 0);

    const lines = events(cli.output());
    const oldStopped = lines.filter((l) => /stopped/.test(l) && l.includes(`pid ${oldPid})`));
    assert.deepEqual(oldStopped, [`cluster: worker 1 (pid ${oldPid}) stopped`]);
    assert.deepEqual(lines.filter((l) => /stopped/.test(l)), [`cluster: worker 1 (pid ${oldPid}) stopped`, `cluster: worker 1 (pid ${newPid}) stopped`], 'each worker is stopped once');
    assert.ok(indexOf(lines, new RegExp(`pid ${oldPid}\\) stopped`)) < indexOf(lines, /^cluster: reload complete/), lines.join('\n'));
    assert.match(lines[indexOf(lines, /^cluster: reload complete/)]!, /\(1 worker\)$/);
    assert.match(lines[indexOf(lines, /starting/)]!, /starting 1 worker on /);
    assert.match(lines[indexOf(lines, /rolling/)]!, /rolling 1 worker one at a time/);
    assert.match(lines[indexOf(lines, /draining/)]!, /SIGTERM: draining 1 worker \(/);
    assert.doesNotMatch(cli.output(), /\b1 workers\b/);
  });

  test('cluster of two: the plural, and every old worker stopped before "reload complete"', async () => {
    const { cli, first } = await serve([], 2);
    process.kill(cli.pid, 'SIGTERM');
    assert.equal(await cli.exited, 0);
    const lines = events(cli.output());
    const complete = indexOf(lines, /^cluster: reload complete \(2 workers\)$/);
    for (const pid of first) {
      const stops = lines.map((l, i) => (l.includes(`(pid ${pid}) stopped`) ? i : -1)).filter((i) => i >= 0);
      assert.equal(stops.length, 1, `worker ${pid} stopped once`);
      assert.ok(stops[0]! < complete, lines.join('\n'));
    }
    assert.match(lines[indexOf(lines, /starting/)]!, /starting 2 workers on /);
    assert.match(lines[indexOf(lines, /draining/)]!, /draining 2 workers \(/);
  });
});
