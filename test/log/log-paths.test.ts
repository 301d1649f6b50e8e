// Every bad log path is a clear start-up error naming the key, its source and the reason (exit 2, as
// every config error), checked before anything listens. /proc once made the server spin at full CPU
// forever (Node 20's recursive mkdir under a kernel file system).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, tempDir } from '../support/config-helpers.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigErrors } from '../../src/config/errors.ts';

async function site(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  await writeFile(join(dir, 'plain.txt'), 'x');
  return dir;
}

/** Runs the CLI as a user would, killed after 10 s (the old code never returned). */
function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; uid?: number; gid?: number }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const { cwd, env, ...ids } = options;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HTTPCRAFT_')));
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000, killSignal: 'SIGKILL', ...ids });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function refusal(dir: string, argv: string[], env: Record<string, string> = {}): string[] {
  try {
    loadConfig({ argv: ['www', ...argv], env, cwd: dir });
  } catch (error) {
    if (error instanceof ConfigErrors) return error.errors.map(String);
    throw error;
  }
  assert.fail(`accepted ${argv.join(' ')}`);
}

for (const [flag, key, env] of [['--log-file', 'log_file', 'HTTPCRAFT_LOG_FILE'], ['--access-log', 'access_log', 'HTTPCRAFT_ACCESS_LOG']] as const) {
  test(`${key}: /proc and /sys are refused at once, through the CLI, with exit status 2`, async (t) => {
    const dir = await site(t);
    for (const path of ['/proc/nope/x.log', '/proc/x.log', '/sys/nope/deeper/x.log']) {
      const started = Date.now();
      const r = await runCli(['-H', '127.0.0.1', '-p', '0', flag, path, 'www'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.ok(Date.now() - started < 10_000, 'no spinning');
      assert.match(r.stderr, new RegExp(`^httpcraft: ${flag}: ${key} "${path}" is on (procfs|sysfs), a kernel file system, not a place for log files$`, 'm'));
    }
    // The same from the environment names the variable as the source.
    const r = await runCli(['-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir, env: { [env]: '/proc/nope/x.log' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^httpcraft: ${env}: ${key} "/proc/nope/x.log" is on procfs`, 'm'));
  });

  test(`${key}: a folder, a file in the way of a folder, and a device that would be rotated`, async (t) => {
    const dir = await site(t);
    assert.deepEqual(refusal(dir, [flag, 'www']), [`${flag}: ${key} ${JSON.stringify(join(dir, 'www'))} is a folder; name a file in it`]);
    assert.deepEqual(refusal(dir, [flag, 'plain.txt/logs/x.log']), [`${flag}: ${key} ${JSON.stringify(join(dir, 'plain.txt/logs/x.log'))} cannot be created: ${join(dir, 'plain.txt')} is a file, not a folder`]);
    assert.match(refusal(dir, [flag, '/dev/null'])[0]!, new RegExp(`^${flag}: ${key} "/dev/null" is not a regular file .*cannot be rotated; set log_max_size to 0 and log_rotate to "none"`));
    // Without rotation a device is a fine target.
    assert.equal(loadConfig({ argv: ['www', flag, '/dev/null', '--log-max-size', '0'], env: {}, cwd: dir }).config[key], '/dev/null');
    // Missing folders are made, level by level.
    assert.equal(loadConfig({ argv: ['www', flag, 'a/b/c/x.log'], env: {}, cwd: dir }).config[key], join(dir, 'a/b/c/x.log'));
  });
}

test('no permission: the folder that cannot be written is named (run as an unprivileged user)', async (t) => {
  const dir = await site(t);
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'locked'), { mode: 0o555 });
  await chmod(join(dir, 'locked'), 0o555);
  await writeFile(join(dir, 'locked', 'old.log'), '');
  await chmod(join(dir, 'locked', 'old.log'), 0o444);
  // As root every permission check passes: run the CLI as nobody then.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const run = (args: string[]): Promise<{ code: number | null; stderr: string }> => runCli(['-H', '127.0.0.1', '-p', '0', ...args, 'www'], { cwd: dir, ...asUser });
  const created = await run(['--access-log', 'locked/sub/x.log']);
  assert.equal(created.code, 2, created.stderr);
  assert.match(created.stderr, new RegExp(`^httpcraft: --access-log: access_log ".*locked/sub/x\\.log" cannot be created: no permission to write in ${join(dir, 'locked')} \\(permission denied\\)$`, 'm'));
  const written = await run(['--log-file', 'locked/old.log']);
  assert.equal(written.code, 2, written.stderr);
  assert.match(written.stderr, /^httpcraft: --log-file: log_file ".*locked\/old\.log" cannot be written \(permission denied\)$/m);
});
