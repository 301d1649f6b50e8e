import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from '../../src/server/http-server.ts';
import { streamMultipart, DEFAULT_FORM_LIMITS } from '../../src/uploads/form.ts';
import { rawExchange, startUploadServer } from '../support/upload-helpers.ts';

const MB = 1024 * 1024;

test('a file nobody reads yet is not buffered: the server stops reading the socket', async () => {
  const BODY_FILE_BYTES = 64 * MB;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let fileSeen!: () => void;
  const seen = new Promise<void>((r) => (fileSeen = r));
  let serverSocket: Socket | null = null;
  const server = createServer({
    limits: { maxBodyBytes: 1024 * MB },
    handler: async (req, res) => {
      const result = await streamMultipart(req, { ...DEFAULT_FORM_LIMITS, maxUploadSize: 1024 * MB }, {
        onFile: async (file) => {
          fileSeen();
          await released; // a slow consumer: it reads nothing until told
          const hash = createHash('sha256');
          let size = 0;
          for await (const chunk of file.stream as AsyncIterable<Buffer>) {
            hash.update(chunk);
            size += chunk.length;
          }
          return { size, sha: hash.digest('hex') };
        },
      });
      res.json(200, result.files);
    },
  });
  server.on('connection', (s) => (serverSocket = s));
  const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  try {
    const block = Buffer.alloc(64 * 1024, 0x61);
    const expected = createHash('sha256');
    for (let i = 0; i < BODY_FILE_BYTES / block.length; i++) expected.update(block);
    const head = Buffer.from('--XX\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n');
    const tail = Buffer.from('\r\n--XX--');
    const client = connect(port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    let response = '';
    client.on('data', (d: Buffer) => (response += d.toString()));
    const closed = new Promise((r) => client.once('close', r));
    client.write(`POST / HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: ${head.length + BODY_FILE_BYTES + tail.length}\r\nConnection: close\r\n\r\n`);
    client.write(head);
    const sending = (async () => {
      for (let sent = 0; sent < BODY_FILE_BYTES; sent += block.length) {
        if (!client.write(block)) await new Promise((r) => client.once('drain', r));
      }
      client.write(tail);
    })();
    await seen;
    // Wait until the server has stopped reading (bytesRead unchanged for a while), then check how
    // much it took in. Kernel socket buffers hold a few MB; everything else must still be unsent.
    let last = -1;
    let quiet = 0;
    while (quiet < 6) {
      await new Promise((r) => setTimeout(r, 50));
      const now = (serverSocket as Socket | null)?.bytesRead ?? 0;
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
    process.stdout.write(`# server read ${(last / MB).toFixed(2)} MB before pausing\n`);
    assert.ok(last < 16 * MB, `server read ${(last / MB).toFixed(1)} MB of a 64 MB upload nobody consumed`);
    release();
    await sending;
    await closed;
    const body = response.slice(response.indexOf('\r\n\r\n') + 4);
    assert.match(response, /^HTTP\/1\.1 200/);
    assert.deepEqual(JSON.parse(body), [{ size: BODY_FILE_BYTES, sha: expected.digest('hex') }]);
  } finally {
    await server.close(1000);
  }
});

test('Expect: 100-continue with a declared body over the limit gets 413, never 100 Continue', async () => {
  const s = await startUploadServer({ limits: { maxUploadSize: 1000 } });
  try {
    for (const [method, path, type] of [['POST', '/submit', 'multipart/form-data; boundary=x'], ['PUT', '/big.bin', 'application/octet-stream']] as const) {
      const res = await rawExchange(s.port, Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: ${type}\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n`));
      assert.equal(res.status, 413, method);
      assert.ok(!res.raw.includes('100 Continue'), method);
      assert.match(res.body, /max_upload_size/);
    }
  } finally {
    await s.close();
  }
});
