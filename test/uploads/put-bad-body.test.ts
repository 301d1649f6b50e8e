import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listTree, rawExchange, startUploadServer } from '../support/upload-helpers.ts';

// Found by the server fuzz target: a ParseError carries a code (BAD_CHUNK_END), which the PUT handler
// took for a failed system call, so a client's broken chunking was logged as an ERROR with a stack.
test('a PUT whose chunked body is malformed is a 400 for the client, not an error of ours in the log', async () => {
  const s = await startUploadServer();
  try {
    await mkdir(join(s.root, 'uploads'));
    for (const body of ['5\r\nabc\r\n0\r\n\r\n', '3\r\nabcdefgh\r\n0\r\n\r\n', 'zz\r\nabc\r\n']) {
      const res = await rawExchange(s.port, Buffer.from(`PUT /uploads/f.txt HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${body}`));
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(s.logs, []);
    assert.deepEqual(await listTree(join(s.root, 'uploads')), [], 'no file and no temporary file');
  } finally {
    await s.close();
  }
});
