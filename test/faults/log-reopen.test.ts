// logrotate's way (nginx's convention): the log file is moved away, then SIGUSR1 makes the server
// reopen it. Lines written before the reopen land in the moved file, lines after it in a new file at
// the same path, and no line is lost or doubled across the move, under steady load, in one process
// and with --workers (the primary passes the signal on to every worker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir, type CliRun } from '../support/config-helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends GET /?id=N for N = from..to-1, four at a time; returns the ids answered 200. */
async function load(port: number, from: number, to: number): Promise<number[]> {
  const ok: number[] = [];
  let next = from;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < to) {
        const id = next++;
        const res = await fetch(`http://127.0.0.1:${port}/?id=${id}`);
        await res.text();
        if (res.status === 200) ok.push(id);
      }
    }),
  );
  return ok;
}

/** Every request id in the access lines of these files, in file order. */
async function idsIn(dir: string, names: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    for (const m of text.matchAll(/"GET \/\?id=(\d+) HTTP\/1\.1" 200/g)) ids.push(Number(m[1]));
  }
  return ids;
}

async function until(cond: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function site(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  return dir;
}

async function stop(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0, run.stderr());
}

test('SIGUSR1 after the log file was moved: the next lines land in a new file at the same path, none lost (one process)', async (t) => {
  const dir = await site(t);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--no-config', '--log-file', 'a.log', '--access-log', 'a.log', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const port = Number((await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  const answered = await load(port, 0, 200);
  // Move the file while requests keep coming, then signal: lines in between go to the moved file.
  const during = load(port, 200, 600);
  await sleep(30);
  await rename(join(dir, 'a.log'), join(dir, 'a.log.1'));
  await sleep(30);
  run.child.kill('SIGUSR1');
  answered.push(...(await during));
  await until(async () => (await readFile(join(dir, 'a.log'), 'utf8').catch(() => '')).includes('SIGUSR1: log file reopened'), 'the reopen line in the new file');
  answered.push(...(await load(port, 600, 700)));
  await stop(run);
  const ids = await idsIn(dir, ['a.log.1', 'a.log']);
  assert.deepEqual([...ids].sort((a, b) => a - b), [...answered].sort((a, b) => a - b), 'every answered request has exactly one access line');
  const fresh = await idsIn(dir, ['a.log']);
  assert.ok(fresh.includes(650) && !fresh.includes(5), 'lines after the reopen are in the new file, earlier ones are not');
  assert.ok((await idsIn(dir, ['a.log.1'])).includes(5));
});

test('SIGUSR1 to the primary of --workers 2 reopens every worker\'s files; no line lost across the move', async (t) => {
  const dir = await site(t);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--no-config', '--workers', '2', '--log-file', 'logs/server.log', '--access-log', 'logs/access.log', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const port = Number((await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  const logs = join(dir, 'logs');
  const answered = await load(port, 0, 300);
  const before = (await readdir(logs)).filter((n) => n.startsWith('access.worker-'));
  assert.ok(before.length >= 1, `worker access logs: ${(await readdir(logs)).join(', ')}`);
  await until(async () => (await idsIn(logs, before)).length === answered.length, 'the first lines on disk');
  const during = load(port, 300, 700);
  await sleep(30);
  await mkdir(join(dir, 'rotated'));
  for (const name of await readdir(logs)) await rename(join(logs, name), join(dir, 'rotated', name));
  run.child.kill('SIGUSR1');
  answered.push(...(await during));
  // Each worker says it reopened, in its own new server log.
  await until(async () => {
    const names = (await readdir(logs)).filter((n) => /^server\.worker-\d+\.log$/.test(n));
    const texts = await Promise.all(names.map((n) => readFile(join(logs, n), 'utf8')));
    return names.length === 2 && texts.every((x) => x.includes('SIGUSR1: log files reopened'));
  }, 'both workers reopening');
  answered.push(...(await load(port, 700, 800)));
  await stop(run);
  const moved = (await readdir(join(dir, 'rotated'))).filter((n) => n.startsWith('access.'));
  const fresh = (await readdir(logs)).filter((n) => n.startsWith('access.'));
  const all = [...(await idsIn(join(dir, 'rotated'), moved)), ...(await idsIn(logs, fresh))];
  assert.deepEqual(all.sort((a, b) => a - b), [...answered].sort((a, b) => a - b), 'every answered request has exactly one access line');
  assert.ok((await idsIn(logs, fresh)).some((id) => id >= 700), 'lines after the reopen are in the new files');
});
