// A 2 GiB file (sparse: it takes no disk space) served to a slow client: memory must stay flat,
// because the body streams from disk with backpressure and is never read whole.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { makeTree, parseResponse, raw, startSite } from '../support/static-helpers.ts';

const SIZE = 2 * 1024 ** 3;
const MAX_RSS_GROWTH = 150 * 1024 * 1024;

test('a 2 GiB file to a paused, then slow, client keeps RSS growth bounded', { timeout: 180_000 }, async (t) => {
  const tree = await makeTree({});
  const file = await open(tree.path('huge.bin'), 'w');
  await file.truncate(SIZE);
  await file.close();
  const site = await startSite(tree.root);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const received = await new Promise<number>((resolve, reject) => {
      const socket = connect({ port: site.port, host: '127.0.0.1' });
      let bytes = 0;
      let nextPauseAt = 0;
      let first = true;
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (first) {
          first = false;
          // A client that stops reading: the server must stop reading the file too.
          socket.pause();
          setTimeout(() => socket.resume(), 500);
          nextPauseAt = bytes + 512 * 1024 * 1024;
        } else if (bytes >= nextPauseAt) {
          // ...then a slow one: short stalls every 512 MiB.
          nextPauseAt = bytes + 512 * 1024 * 1024;
          socket.pause();
          setTimeout(() => socket.resume(), 20);
        }
      });
      socket.on('end', () => resolve(bytes));
      socket.on('error', reject);
      socket.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    peak = Math.max(peak, process.memoryUsage().rss);
    t.diagnostic(`peak RSS growth ${Math.round((peak - baseline) / 1e6)} MB serving ${received} bytes`);
    assert.ok(received > SIZE && received < SIZE + 1024, `received ${received}`);
    assert.ok(peak - baseline < MAX_RSS_GROWTH, `RSS grew by ${Math.round((peak - baseline) / 1e6)} MB`);
  } finally {
    clearInterval(sampler);
    await site.close();
    await tree.cleanup();
  }
});

test('ranges beyond 32 bits and HEAD on a 2 GiB file', async () => {
  const tree = await makeTree({});
  const file = await open(tree.path('huge.bin'), 'w');
  await file.truncate(SIZE);
  await file.write(Buffer.from('END'), 0, 3, SIZE - 3);
  await file.close();
  const site = await startSite(tree.root);
  try {
    const r = await raw(site.port, '/huge.bin', { Range: 'bytes=-3' });
    assert.equal(r.status, 206);
    assert.equal(r.h('content-range'), `bytes ${SIZE - 3}-${SIZE - 1}/${SIZE}`);
    assert.equal(r.body.toString(), 'END');
    const head = await raw(site.port, '/huge.bin', {}, 'HEAD');
    assert.equal(head.h('content-length'), String(SIZE));
    assert.equal(head.h('content-type'), 'application/octet-stream');
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('concurrent downloads of a streamed file are byte-exact (recycled read buffers are never reused early)', { timeout: 120_000 }, async () => {
  const data = randomBytes(6 * 1024 * 1024 + 12345);
  const tree = await makeTree({ 'rand.bin': data });
  const site = await startSite(tree.root);
  const expected = createHash('sha256').update(data).digest('hex');
  try {
    const download = (slow: boolean, range?: string) =>
      new Promise<Buffer>((resolve, reject) => {
        const socket = connect({ port: site.port, host: '127.0.0.1' });
        const chunks: Buffer[] = [];
        let n = 0;
        socket.on('data', (c: Buffer) => {
          chunks.push(c);
          if (slow && ++n % 16 === 0) {
            socket.pause();
            setImmediate(() => socket.resume());
          }
        });
        socket.on('end', () => resolve(parseResponse(Buffer.concat(chunks)).body));
        socket.on('error', reject);
        socket.write(`GET /rand.bin HTTP/1.1\r\nHost: x\r\n${range === undefined ? '' : `Range: ${range}\r\n`}Connection: close\r\n\r\n`);
      });
    const bodies = await Promise.all([download(false), download(true), download(false), download(true), download(false, 'bytes=1000-5000000'), download(true, 'bytes=-3000000')]);
    for (const body of bodies.slice(0, 4)) assert.equal(createHash('sha256').update(body).digest('hex'), expected);
    assert.deepEqual(bodies[4], data.subarray(1000, 5000001));
    assert.deepEqual(bodies[5], data.subarray(data.length - 3000000));
  } finally {
    await site.close();
    await tree.cleanup();
  }
});
