// A file that changes or disappears while it is streamed, or while a copy of it is cached: a client
// gets either bytes of the file it asked for, or a response cut short (never padding, never another
// file's bytes under the first one's length), and the next request sees the file as it is now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rename, stat, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/server/http-server.ts';
import { compose } from '../../src/app/pipeline.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { serveStatic, type StaticOptions } from '../../src/static/serve-static.ts';
import { makeTree, raw } from '../support/static-helpers.ts';

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startStatic(options: StaticOptions) {
  const errors: unknown[] = [];
  const server = createServer({ handler: compose([errorHandler({ report: (e) => errors.push(e) })], serveStatic(options)) });
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  return { port, errors, close: () => server.close(1000) };
}

/** A pattern no two offsets of which share a 4-byte window: any misplaced byte shows. */
function pattern(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) b.writeUInt32BE(i, i);
  return b;
}

/** GETs path, reads the head and ~1 MiB, runs `change`, then reads to the end (or the close). */
async function getWhile(port: number, path: string, change: () => Promise<void>): Promise<{ status: number; length: number; body: Buffer; complete: boolean }> {
  const s = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let got = 0;
  let changed = false;
  const done = new Promise<void>((r) => s.once('close', () => r()));
  s.on('error', () => undefined);
  s.on('data', (c: Buffer) => {
    chunks.push(c);
    got += c.length;
    if (!changed && got > MiB) {
      changed = true;
      s.pause();
      void change().then(() => s.resume());
    }
  });
  s.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  await done;
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  const head = all.subarray(0, end).toString('latin1');
  const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
  const body = all.subarray(end + 4);
  return { status: Number(head.split(' ')[1]), length, body, complete: body.length === length };
}

test('a file truncated while streamed: the response is cut short, every byte sent is the file\'s, the next GET has the new size', async () => {
  const original = pattern(16 * MiB);
  const tree = await makeTree({ 'big.bin': original });
  const s = await startStatic({ root: tree.root });
  try {
    const path = join(tree.root, 'big.bin');
    const r = await getWhile(s.port, '/big.bin', () => truncate(path, 2 * MiB));
    assert.equal(r.status, 200);
    assert.equal(r.length, 16 * MiB);
    assert.ok(!r.complete && r.body.length < r.length, 'cut short, not padded to the promised length');
    assert.ok(original.subarray(0, r.body.length).equals(r.body), 'every byte sent is the file\'s own, in place');
    const next = await raw(s.port, '/big.bin');
    assert.equal(next.status, 200);
    assert.equal(next.h('content-length'), String(2 * MiB));
    assert.deepEqual(s.errors, [], 'a file that shrank is not a bug of ours');
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('a file deleted or replaced while streamed: the client gets the whole file it asked for; the next GET sees the change', async () => {
  const original = pattern(16 * MiB);
  const tree = await makeTree({ 'a.bin': original, 'b.bin': original });
  const s = await startStatic({ root: tree.root });
  try {
    const deleted = await getWhile(s.port, '/a.bin', () => unlink(join(tree.root, 'a.bin')));
    assert.ok(deleted.complete && deleted.body.equals(original), 'an open file outlives its name (POSIX): the whole file');
    assert.equal((await raw(s.port, '/a.bin')).status, 404);
    await writeFile(join(tree.root, 'new.bin'), 'the replacement');
    const replaced = await getWhile(s.port, '/b.bin', () => rename(join(tree.root, 'new.bin'), join(tree.root, 'b.bin')));
    assert.ok(replaced.complete && replaced.body.equals(original), 'the old file, whole: never a mix of the two');
    assert.equal((await raw(s.port, '/b.bin')).body.toString(), 'the replacement');
  } finally {
    await s.close();
    await tree.cleanup();
  }
});

test('a cached file replaced by another of the same size and modification time is served anew (the inode differs)', async () => {
  const tree = await makeTree({ 'c.txt': 'first!' });
  const s = await startStatic({ root: tree.root, statIntervalMs: 0 });
  try {
    const path = join(tree.root, 'c.txt');
    assert.equal((await raw(s.port, '/c.txt')).body.toString(), 'first!');
    assert.equal((await raw(s.port, '/c.txt')).body.toString(), 'first!'); // now from the cache
    const { mtime } = await stat(path);
    await writeFile(join(tree.root, 'next.txt'), 'second');
    await utimes(join(tree.root, 'next.txt'), mtime, mtime);
    await rename(join(tree.root, 'next.txt'), path);
    await sleep(5);
    assert.equal((await raw(s.port, '/c.txt')).body.toString(), 'second');
    await unlink(path);
    assert.equal((await raw(s.port, '/c.txt')).status, 404);
  } finally {
    await s.close();
    await tree.cleanup();
  }
});
