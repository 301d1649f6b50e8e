// The launcher's node flags (the shebang of cli.ts; see docs/production.md, "Memory") reach every
// process that serves: `npm start` passes the same ones, the installed `httpcraft` command runs
// through the shebang, and cluster workers inherit them from the primary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, listeningPids, startCli, suiteResources, tempDir, waitForCount } from '../support/cluster-helpers.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url)); // dist/test/cluster → repo root
const SHEBANG = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)+)$/;

function shebangFlags(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  const m = SHEBANG.exec(first);
  assert.ok(m, `${file} starts with "#!/usr/bin/env -S node --flag…", not ${JSON.stringify(first)}`);
  return m[1]!.trim().split(' ');
}

const { started, dirs } = suiteResources();

test('src/cli.ts, the built cli.js and `npm start` carry the same node flags', () => {
  const flags = shebangFlags(join(REPO, 'src', 'cli.ts'));
  assert.ok(flags.includes('--max-semi-space-size=1'));
  assert.deepEqual(shebangFlags(CLI), flags);
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
  assert.equal(pkg.scripts.start, `node ${flags.join(' ')} dist/src/cli.js`);
  assert.equal(pkg.bin.httpcraft, 'dist/src/cli.js');
});

/** The argv a process was started with (Linux /proc). */
function argvOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

test('run through its shebang (as the installed command is), the CLI and its workers get the flags', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const flags = shebangFlags(CLI);
  chmodSync(CLI, 0o755); // npm does this for an installed bin; tsc does not
  const dir = await tempDir('httpcraft-launcher-');
  dirs.push(dir.remove);
  const cli = startCli(['--workers', '2', '-H', '127.0.0.1', '-p', '0', '--log-level', 'INFO', dir.path], { command: [CLI] });
  started.push(cli);
  await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
  const primary = argvOf(cli.pid);
  assert.ok(flags.every((f) => primary.includes(f)), `primary argv ${primary.join(' ')}`);
  const workers = listeningPids(cli.output());
  assert.equal(workers.length, 2);
  for (const pid of workers) {
    const argv = argvOf(pid);
    assert.ok(flags.every((f) => argv.includes(f)), `worker ${pid} argv ${argv.join(' ')}`);
  }
  process.kill(cli.pid, 'SIGTERM');
  assert.equal(await cli.exited, 0);
});
