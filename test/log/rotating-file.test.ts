// The log file: rotation by size and by day, keep and compress, and no line lost, torn or reordered
// under concurrent writers (counted line by line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RotatingFile } from '../../src/log/rotating-file.ts';
import { tempDir } from '../support/config-helpers.ts';

/** Lines of base, base.1, base.2 … oldest first (decompressing .gz). */
async function allLines(dir: string, name: string): Promise<{ lines: string[]; files: string[] }> {
  const files = (await readdir(dir)).filter((f) => f === name || f.startsWith(name + '.'));
  const index = (f: string): number => (f === name ? 0 : Number(f.slice(name.length + 1).replace(/\.gz$/, '')));
  files.sort((a, b) => index(b) - index(a));
  const lines: string[] = [];
  for (const f of files) {
    let buf = await readFile(join(dir, f));
    if (f.endsWith('.gz')) buf = gunzipSync(buf);
    const text = buf.toString('utf8');
    assert.ok(text === '' || text.endsWith('\n'), `${f} ends mid-line`);
    if (text !== '') lines.push(...text.slice(0, -1).split('\n'));
  }
  return { lines, files };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('rotation by size under concurrent writers: every line once, whole, in order, files within the limit', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const MAX = 8192;
  const log = new RotatingFile({ path: join(dir, 'access.log'), maxBytes: MAX, daily: false, keep: 1000, compress: false });
  const PRODUCERS = 20;
  const PER = 1000;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async (_, p) => {
      for (let n = 0; n < PER; n++) {
        // Different lengths (and a multi-byte character) so batches never align with the limit.
        log.write(`p${p} n${n} ${'é'.repeat((p * 7 + n) % 40)}end`);
        if (n % 7 === p % 7) await turn();
      }
    }),
  );
  await log.close();
  const { lines, files } = await allLines(dir, 'access.log');
  assert.equal(lines.length, PRODUCERS * PER);
  assert.ok(files.length > 10, `expected many rotations, got ${files.length} files`);
  assert.equal(log.rotations, files.length - 1);
  const next = new Array<number>(PRODUCERS).fill(0);
  for (const line of lines) {
    const m = /^p(\d+) n(\d+) (é*)end$/.exec(line);
    assert.ok(m !== null, `torn line: ${JSON.stringify(line)}`);
    const p = Number(m[1]);
    const n = Number(m[2]);
    assert.equal(n, next[p], `producer ${p} out of order`);
    assert.equal(m[3]!.length, (p * 7 + n) % 40);
    next[p] = n + 1;
  }
  for (const f of files) assert.ok((await stat(join(dir, f))).size <= MAX, `${f} over the limit`);
});

test('keeps log_keep rotated files, the newest ones', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const log = new RotatingFile({ path: join(dir, 'x.log'), maxBytes: 100, daily: false, keep: 2, compress: false });
  for (let i = 0; i < 100; i++) log.write(`line ${String(i).padStart(3, '0')}`); // 9 bytes each: 11 per file
  await log.close();
  const { lines, files } = await allLines(dir, 'x.log');
  assert.deepEqual(files.sort(), ['x.log', 'x.log.1', 'x.log.2']);
  // The newest lines survive, contiguous up to the last one written.
  const first = Number(lines[0]!.slice(5));
  assert.deepEqual(lines, Array.from({ length: 100 - first }, (_, i) => `line ${String(first + i).padStart(3, '0')}`));
  assert.equal(lines.length, 100 - 77);
});

test('log_keep 0 starts the file over', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const log = new RotatingFile({ path: join(dir, 'x.log'), maxBytes: 20, daily: false, keep: 0, compress: false });
  for (let i = 0; i < 10; i++) log.write(`line ${i}`);
  await log.close();
  assert.deepEqual(await readdir(dir), ['x.log']);
  assert.equal(await readFile(join(dir, 'x.log'), 'utf8'), 'line 8\nline 9\n'); // 7 bytes a line: two fit in 20
});

test('compressed rotation: .N.gz files hold exactly the rotated lines', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const log = new RotatingFile({ path: join(dir, 'c.log'), maxBytes: 1000, daily: false, keep: 50, compress: true });
  for (let i = 0; i < 2000; i++) {
    log.write(`request ${i}`);
    if (i % 100 === 0) await turn();
  }
  await log.close();
  const { lines, files } = await allLines(dir, 'c.log');
  assert.ok(files.filter((f) => f.endsWith('.gz')).length >= 20, files.join(' '));
  assert.ok(files.every((f) => f === 'c.log' || f.endsWith('.gz')), `uncompressed leftovers: ${files.join(' ')}`);
  assert.deepEqual(lines, Array.from({ length: 2000 }, (_, i) => `request ${i}`));
});

test('daily rotation when the local date changes (and for a file left from an earlier day)', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const day1 = new Date(2026, 0, 10, 23, 59, 0).getTime();
  let now = day1;
  const path = join(dir, 'd.log');
  const log = new RotatingFile({ path, maxBytes: 0, daily: true, keep: 5, compress: false, now: () => now });
  log.write('day one a');
  log.write('day one b');
  await log.flush();
  now = day1 + 2 * 60_000; // 00:01 the next day
  log.write('day two');
  await log.close();
  assert.equal(await readFile(`${path}.1`, 'utf8'), 'day one a\nday one b\n');
  assert.equal(await readFile(path, 'utf8'), 'day two\n');

  // A file last written yesterday rotates on the first write today.
  const old = join(dir, 'old.log');
  await writeFile(old, 'yesterday\n');
  const yesterday = new Date(now - 86_400_000);
  await utimes(old, yesterday, yesterday);
  const log2 = new RotatingFile({ path: old, maxBytes: 0, daily: true, keep: 5, compress: false, now: () => now });
  log2.write('today');
  await log2.close();
  assert.equal(await readFile(`${old}.1`, 'utf8'), 'yesterday\n');
  assert.equal(await readFile(old, 'utf8'), 'today\n');
});

test('a line longer than the limit is kept whole in its own file; the folder is created', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const path = join(dir, 'deep', 'er', 'l.log');
  const log = new RotatingFile({ path, maxBytes: 50, daily: false, keep: 10, compress: false });
  log.write('short');
  log.write('x'.repeat(200));
  log.write('after');
  await log.close();
  assert.equal(await readFile(`${path}.2`, 'utf8'), 'short\n');
  assert.equal(await readFile(`${path}.1`, 'utf8'), 'x'.repeat(200) + '\n');
  assert.equal(await readFile(path, 'utf8'), 'after\n');
});

test('flushSync writes what is still queued (forced exit)', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const path = join(dir, 's.log');
  const log = new RotatingFile({ path, maxBytes: 0, daily: false, keep: 1, compress: false });
  log.write('queued 1');
  log.write('queued 2');
  log.flushSync();
  assert.equal(await readFile(path, 'utf8'), 'queued 1\nqueued 2\n');
  await log.close();
  assert.equal(await readFile(path, 'utf8'), 'queued 1\nqueued 2\n');
});

test('a steady stream is written in batches (a chunk or an interval each), not after every write', async (t) => {
  // Regression: lines logged while a batch was being written were written as soon as it finished,
  // a few at a time, so under load the file got a write per millisecond instead of per 64 KiB.
  const dir = await tempDir(t, 'httpcraft-log-');
  const path = join(dir, 'batch.log');
  const log = new RotatingFile({ path, maxBytes: 0, daily: false, keep: 1, compress: false });
  const started = Date.now();
  const line = 'x'.repeat(60);
  const turns = 400;
  for (let i = 0; i < turns; i++) {
    for (let j = 0; j < 50; j++) log.write(`${line} ${i}.${j}`);
    await turn();
  }
  const elapsedMs = Date.now() - started;
  await log.close();
  const text = await readFile(path, 'utf8');
  assert.equal(text.split('\n').length - 1, turns * 50);
  // One write per full 64 KiB chunk, plus at most one per 100 ms interval that ran, plus the close.
  const bound = Math.ceil(text.length / (64 * 1024)) + Math.ceil(elapsedMs / 100) + 2;
  assert.ok(log.writes <= bound, `${log.writes} writes for ${text.length} bytes in ${elapsedMs} ms (at most ${bound})`);
});
