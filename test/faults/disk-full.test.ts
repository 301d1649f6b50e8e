// A disk that fills up while an upload is written (ENOSPC): the client gets 507 Insufficient Storage
// (RFC 4918 §11.5), no partial file and no temporary file is left, the log says why once, and the
// server goes on serving. Two ways: a real tmpfs too small for the upload (when this machine lets us
// mount one: root), and an injected write stream that fails the way a full disk does (always).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/server/http-server.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { uploadFiles } from '../../src/uploads/save-upload.ts';
import { filePart, fieldPart, listTree, multipartBody, rawExchange, startUploadServer, type UploadServer } from '../support/upload-helpers.ts';

function post(s: UploadServer, body: Buffer): Promise<{ status: number; body: string; headers: Map<string, string> }> {
  return rawExchange(s.port, Buffer.concat([Buffer.from(`POST /submit HTTP/1.1\r\nHost: t\r\nAccept: application/json\r\nContent-Type: multipart/form-data; boundary=Bnd\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
}

function put(s: UploadServer, path: string, body: Buffer): Promise<{ status: number; body: string }> {
  return rawExchange(s.port, Buffer.concat([Buffer.from(`PUT ${path} HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
}

/** A write stream that takes `room` bytes, then fails every write with ENOSPC, as a full disk does. */
function fullDiskAfter(room: number): typeof createWriteStream {
  return ((path: string, options: Parameters<typeof createWriteStream>[1]) => {
    const real = createWriteStream(path, options);
    let written = 0;
    const w = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _e, done) {
        written += chunk.length;
        if (written > room) return done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' }));
        real.write(chunk, done);
      },
      final(done) {
        real.end(done);
      },
      destroy(error, done) {
        real.destroy();
        real.once('close', () => done(error));
      },
    });
    Object.defineProperty(w, 'bytesWritten', { get: () => written });
    Object.defineProperty(w, 'closed', { get: () => real.closed && w.destroyed });
    return w;
  }) as unknown as typeof createWriteStream;
}

test('ENOSPC part-way through a form upload and a PUT: 507, nothing left behind, and the server keeps serving', async () => {
  const s = await startUploadServer({ limits: { maxUploadSize: 8 * 1024 * 1024 } }, 16 * 1024 * 1024);
  const original = uploadFiles.createWriteStream;
  try {
    await writeFile(join(s.root, 'hello.txt'), 'hello');
    uploadFiles.createWriteStream = fullDiskAfter(100_000);
    const body = multipartBody('Bnd', [fieldPart('note', 'x'), filePart('f', 'small.txt', 'fits'), filePart('g', 'big.bin', Buffer.alloc(600_000, 1))]);
    const res = await post(s, body);
    assert.equal(res.status, 507, res.body);
    assert.match(res.body, /disk full/);
    const r2 = await put(s, '/uploads/put.bin', Buffer.alloc(300_000, 2));
    assert.equal(r2.status, 507, r2.body);
    // All or nothing: the file that fitted is removed with the one that did not; no temporary file.
    assert.deepEqual(await listTree(join(s.root, 'uploads')), []);
    uploadFiles.createWriteStream = original;
    // The disk has room again: the same upload succeeds, and files are still served.
    assert.equal((await post(s, body)).status, 201);
    assert.deepEqual(await listTree(join(s.root, 'uploads')), ['big.bin', 'small.txt']);
    assert.equal((await rawExchange(s.port, Buffer.from('GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'))).status, 200);
  } finally {
    uploadFiles.createWriteStream = original;
    await s.close();
  }
});

test('the site logs a full disk once per 10 s, saying why, not once per request, and not as a bug', async () => {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'httpcraft-enospc-')));
  const lines: string[] = [];
  const logger = createConsoleLogger('WARNING', new Writable({ write: (c: Buffer, _e, done) => done(void lines.push(c.toString())) }));
  const server = createServer({ handler: createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger, uploads: { enabled: true } }) });
  const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  const original = uploadFiles.createWriteStream;
  try {
    uploadFiles.createWriteStream = fullDiskAfter(0);
    const body = multipartBody('Bnd', [filePart('g', 'big.bin', Buffer.alloc(10_000, 1))]);
    for (let i = 0; i < 3; i++) assert.equal((await post({ port } as UploadServer, body)).status, 507);
  } finally {
    uploadFiles.createWriteStream = original;
    await server.close(1000);
    await rm(root, { recursive: true, force: true });
  }
  const warnings = lines.filter((l) => l.includes('ENOSPC'));
  assert.equal(warnings.length, 1, lines.join(''));
  assert.match(warnings[0]!, /WARNING.*POST \/submit: ENOSPC, no room left on the disk: answered 507/);
  assert.ok(!lines.some((l) => l.includes('ERROR')), 'a full disk is not logged as a bug of ours');
});

// A real file system that fills up: a 512 KiB tmpfs mounted on the upload folder (root only).
function mountTmpfs(dir: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir]).status === 0;
}

test('a real full file system (512 KiB tmpfs as upload_dir): 507, the folder is empty again, smaller uploads still work', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'httpcraft-tmpfs-'));
  await mkdir(dir, { recursive: true });
  if (!mountTmpfs(dir)) {
    await rm(dir, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root); the injected ENOSPC test above covers the same path');
    return;
  }
  const s = await startUploadServer({ uploadDir: dir, limits: { maxUploadSize: 8 * 1024 * 1024 } }, 16 * 1024 * 1024);
  try {
    const big = multipartBody('Bnd', [filePart('g', 'big.bin', Buffer.alloc(2 * 1024 * 1024, 3))]);
    const res = await post(s, big);
    assert.equal(res.status, 507, res.body);
    assert.deepEqual(await readdir(dir), []);
    const small = multipartBody('Bnd', [filePart('g', 'small.bin', Buffer.alloc(100 * 1024, 4))]);
    assert.equal((await post(s, small)).status, 201);
    assert.deepEqual(await readdir(dir), ['small.bin']);
  } finally {
    await s.close();
    spawnSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
});
