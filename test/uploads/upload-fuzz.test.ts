import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { filePart, fieldPart, multipartBody, rawExchange, startUploadServer } from '../support/upload-helpers.ts';

// Mangled forms over real sockets: whatever arrives, the answer is a clear 2xx/4xx (never a 500,
// never a dropped connection without an answer), and no temporary file is ever left behind.
test('mangled uploads over the wire: always a clear answer, never a leftover temporary file', async () => {
  const s = await startUploadServer({ limits: { maxUploadSize: 64 * 1024, maxFieldSize: 2048, maxFormParts: 8, maxUploadFiles: 3 } });
  try {
    const base = multipartBody('Bnd', [fieldPart('username', 'ada'), filePart('profile_picture', 'me.png', Buffer.alloc(3000, 7)), filePart('f', '../x.txt', 'hello')]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat({ max: base.length }), cut: fc.nat({ max: 12 }), insert: fc.uint8Array({ maxLength: 12 }) }), { maxLength: 4 }),
        fc.boolean(),
        async (edits, chunkedBody) => {
          let body = base;
          for (const e of edits) body = Buffer.concat([body.subarray(0, e.at), Buffer.from(e.insert), body.subarray(e.at + e.cut)]);
          let request: Buffer[];
          if (chunkedBody) {
            const head = 'POST /submit HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=Bnd\r\nTransfer-Encoding: chunked\r\nAccept: application/json\r\n\r\n';
            request = [Buffer.from(head), Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')];
          } else {
            request = [Buffer.from(`POST /submit HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=Bnd\r\nContent-Length: ${body.length}\r\nAccept: application/json\r\n\r\n`), body];
          }
          const res = await rawExchange(s.port, request);
          assert.ok([200, 201, 400, 413].includes(res.status), `${res.status} ${res.body}`);
          if (res.status >= 400) assert.match(res.body, /"message"/);
        },
      ),
      { seed: Number(process.env.UPLOADS_FUZZ_SEED ?? 31337), numRuns: 300 * Number(process.env.UPLOADS_FUZZ_SCALE ?? 1) },
    );
    const left = await readdir(join(s.root, 'uploads')).catch(() => [] as string[]);
    assert.deepEqual(left.filter((n) => n.startsWith('.~upload-')), []);
    assert.deepEqual(s.logs, [], 'no server-side errors');
  } finally {
    await s.close();
  }
});

test('clients vanishing at any byte of an upload leave nothing behind, and the server keeps serving', async () => {
  const s = await startUploadServer();
  try {
    const body = multipartBody('Bnd', [fieldPart('username', 'ada'), filePart('a', 'a.bin', Buffer.alloc(300_000, 1)), filePart('b', 'b.bin', Buffer.alloc(1000, 2))]);
    const head = Buffer.from(`POST /submit HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=Bnd\r\nContent-Length: ${body.length}\r\n\r\n`);
    const whole = Buffer.concat([head, body]);
    const dir = join(s.root, 'uploads');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: whole.length - 1 }), async (cut) => {
        const socket = connect(s.port, '127.0.0.1');
        socket.on('error', () => undefined);
        await new Promise((r) => socket.once('connect', r));
        await new Promise<void>((r) => socket.write(whole.subarray(0, cut), () => r()));
        socket.destroy();
        // Complete or absent: once the server has noticed, no file and no temporary file remain.
        const start = Date.now();
        while ((await readdir(dir).catch(() => [] as string[])).length > 0) {
          if (Date.now() - start > 10_000) assert.fail(`left behind after a cut at ${cut}: ${(await readdir(dir)).join(', ')}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }),
      { seed: 4711, numRuns: 40 },
    );
    // The server is still fine: a complete upload works.
    const res = await rawExchange(s.port, whole);
    assert.equal(res.status, 201);
    assert.deepEqual((await readdir(dir)).sort(), ['a.bin', 'b.bin']);
  } finally {
    await s.close();
  }
});
