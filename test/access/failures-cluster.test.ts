// Failed sign-ins in a cluster of 2 workers: each allows half of auth_max_failures, so an address
// spread over the workers never gets more wrong guesses than the limit in total (docs/access-control.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bannerPort, startCli, tempDir } from '../support/cluster-helpers.ts';
import { hashToken } from '../../src/access/password-hash.ts';

test('2 workers: no more than auth_max_failures failed sign-ins per address in total, then 429', async (t) => {
  const dir = await tempDir('httpcraft-auth-cluster-');
  t.after(() => dir.remove());
  await writeFile(join(dir.path, 'index.html'), 'hello');
  const config = { tokens: [{ name: 'ci', token_hash: hashToken('the-right-token-0123') }], auth_max_failures: 4 };
  await writeFile(join(dir.path, 'auth.json'), JSON.stringify(config));
  const cli = startCli(['--workers', '2', '-c', join(dir.path, 'auth.json'), '-H', '127.0.0.1', '-p', '0', '--access-log', 'off', dir.path]);
  t.after(async () => {
    cli.killGroup();
    await cli.exited;
  });
  const port = await bannerPort(cli);
  await cli.waitFor(/worker 2 \(pid \d+\) listening/);
  // Guess until six answers in a row are 429 (both workers have then refused), at most 40 times:
  // however the kernel spreads the connections, no more than 4 guesses may have been checked (401).
  const statuses: number[] = [];
  let run429 = 0;
  for (let i = 0; i < 40 && run429 < 6; i++) {
    // A new connection each time, so both workers take some of the guesses.
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close', authorization: `Bearer wrong-token-${i}-0123456789` } });
    await res.arrayBuffer();
    statuses.push(res.status);
    run429 = res.status === 429 ? run429 + 1 : 0;
  }
  const refusedAsWrong = statuses.filter((s) => s === 401).length;
  assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(','));
  assert.ok(refusedAsWrong <= 4, `${refusedAsWrong} guesses were checked (${statuses.join(',')}): more than auth_max_failures across the workers`);
  assert.equal(run429, 6, `the guesses end refused unchecked: ${statuses.join(',')}`);
});
