import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
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
      { seed: 31337, numRuns: 300 },
    );
    const left = await readdir(join(s.root, 'uploads')).catch(() => [] as string[]);
    assert.deepEqual(left.filter((n) => n.startsWith('.~upload-')), []);
    assert.deepEqual(s.logs, [], 'no server-side errors');
  } finally {
    await s.close();
  }
});
