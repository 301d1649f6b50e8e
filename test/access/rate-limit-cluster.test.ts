// A cluster of 2 workers with the memory store: each holds half of every budget, so however the
// kernel spreads the connections, the sum allowed never exceeds the budget (docs/rate-limiting.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bannerPort, startCli, tempDir } from '../support/cluster-helpers.ts';

test('2 workers share a 10/min budget: never more than 10 allowed in total, at least one worker\'s half', async (t) => {
  const dir = await tempDir('httpcraft-rl-cluster-');
  t.after(() => dir.remove());
  await writeFile(join(dir.path, 'index.html'), 'hello');
  await writeFile(join(dir.path, 'rl.json'), JSON.stringify({ rate_limits: [{ path: '/**', rate: '10/min', burst: 10 }] }));
  const cli = startCli(['--workers', '2', '-c', join(dir.path, 'rl.json'), '-H', '127.0.0.1', '-p', '0', '--access-log', 'off', dir.path]);
  t.after(async () => {
    cli.killGroup();
    await cli.exited;
  });
  const port = await bannerPort(cli);
  await cli.waitFor(/worker 2 \(pid \d+\) listening/);
  let allowed = 0;
  let limited = 0;
  for (let i = 0; i < 40; i++) {
    // A new connection each time, so both workers take some.
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    assert.equal(res.headers.get('ratelimit-policy'), '"rule1";q=10;w=60');
    if (res.status === 200) allowed++;
    else if (res.status === 429) limited++;
  }
  assert.equal(allowed + limited, 40);
  // Refill adds one token per 12 s per worker: a run of a few seconds stays within the budget.
  assert.ok(allowed <= 10, `${allowed} allowed: the sum exceeds the budget`);
  assert.ok(allowed >= 5, `${allowed} allowed: less than one worker's share`);
});
