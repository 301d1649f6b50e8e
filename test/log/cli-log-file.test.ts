// The log file through the real CLI: access lines for every request under concurrent load, size
// rotation while requests run, and every queued line written at shutdown (counted line by line).
// access_log names the same file as log_file here: one file, one writer, events and requests mixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir } from '../support/config-helpers.ts';

async function logLines(dir: string, name: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f === name || f.startsWith(name + '.'));
  const index = (f: string): number => (f === name ? 0 : Number(f.slice(name.length + 1)));
  files.sort((a, b) => index(b) - index(a));
  const lines: string[] = [];
  for (const f of files) {
    const text = await readFile(join(dir, f), 'utf8');
    assert.ok(text.endsWith('\n'), `${f} ends mid-line`);
    lines.push(...text.slice(0, -1).split('\n'));
  }
  return lines;
}

const COMBINED = /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET \/\?id=(\d+) HTTP\/1\.1" 200 5 "http:\/\/ref\.example\/\1" "client-\1"$/;
const EVENT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING|ERROR|DEBUG) +\S/;

test('concurrent load with size rotation and SIGTERM: one whole access line per response', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--log-file', 'logs/access.log', '--access-log', 'logs/access.log', '--log-max-size', '16k', '--log-keep', '1000', '--access-log-format', 'combined', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);

  const TOTAL = 1500;
  const CONCURRENCY = 30;
  let next = 0;
  const ok = new Set<number>();
  const client = async (): Promise<void> => {
    while (next < TOTAL) {
      const id = next++;
      const res = await fetch(`http://127.0.0.1:${port}/?id=${id}`, { headers: { 'user-agent': `client-${id}`, referer: `http://ref.example/${id}` } });
      assert.equal(await res.text(), 'hello');
      ok.add(id);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  // Stop right away: lines still queued in memory must reach the file before exit.
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);

  const lines = await logLines(join(dir, 'logs'), 'access.log');
  const files = await readdir(join(dir, 'logs'));
  assert.ok(files.length > 5, `rotated into ${files.length} files`);
  const seen = new Set<number>();
  for (const line of lines) {
    const m = COMBINED.exec(line);
    if (m === null) {
      assert.match(line, EVENT, `torn or unexpected line: ${JSON.stringify(line)}`);
      continue;
    }
    const id = Number(m[1]);
    assert.ok(!seen.has(id), `line for ${id} twice`);
    seen.add(id);
  }
  assert.equal(seen.size, TOTAL);
  assert.equal(ok.size, TOTAL);
  assert.ok(lines.some((l) => /INFO +stopped$/.test(l)), 'the shutdown event is logged last');
  assert.match(lines[lines.length - 1]!, /INFO +stopped$/);
});

test('json access format through the CLI: status, bytes and response time', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--access-log-format', 'json', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  assert.equal((await fetch(`http://127.0.0.1:${port}/missing`)).status, 404);
  const [line] = await run.waitFor(/^\{"time".*"type":"access".*\}$/m);
  const record = JSON.parse(line) as Record<string, unknown>;
  assert.equal(record.status, 404);
  assert.equal(record.target, '/missing');
  assert.equal(typeof record.duration_ms, 'number');
  assert.equal(typeof record.bytes, 'number');
  // Server events are JSON too.
  assert.match(run.stdout(), /^\{"time":"[^"]+","type":"event","level":"INFO","message":"httpcraft /m);
  run.child.kill('SIGINT');
  assert.equal((await run.exited).code, 0);
});

test('SIGUSR2 reopens the log file after an external rotation moved it', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--log-file', 'a.log', '--access-log', 'a.log', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  await (await fetch(`http://127.0.0.1:${port}/?before`)).text();
  const { rename } = await import('node:fs/promises');
  // Wait until the line is on disk, then move the file away as logrotate would.
  const path = join(dir, 'a.log');
  while (!(await readFile(path, 'utf8')).includes('?before')) await new Promise((r) => setTimeout(r, 20));
  await rename(path, join(dir, 'a.log.moved'));
  run.child.kill('SIGUSR2');
  // The reopen is logged to the new file once it has happened.
  while (!(await readFile(path, 'utf8').catch(() => '')).includes('SIGUSR2: log file reopened')) await new Promise((r) => setTimeout(r, 20));
  await (await fetch(`http://127.0.0.1:${port}/?after`)).text();
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
  const moved = await readFile(join(dir, 'a.log.moved'), 'utf8');
  const fresh = await readFile(path, 'utf8');
  assert.ok(moved.includes('GET /?before') && !moved.includes('GET /?after'));
  assert.ok(fresh.includes('GET /?after') && !fresh.includes('GET /?before'));
});
