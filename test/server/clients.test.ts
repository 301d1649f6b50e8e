// Real clients against our engine: Node's global fetch (undici), undici's pipelining Client, and curl.
// Connection reuse is checked on the server side, through the server's `connection` event.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, Client } from 'undici';
import { startServer } from '../support/start-server.ts';
import type { Handler } from '../../src/server/connection.ts';

const CURL = spawnSync('curl', ['--version']).status === 0;
const NO_CURL = 'curl is not installed (CI installs it): skipping the curl client tests';

const handler: Handler = async (req, res) => {
  res.setHeader('X-Remote-Port', String(req.remotePort));
  if (req.path === '/echo') {
    const body = await req.buffer(16 * 1024 * 1024);
    res.send(200, `${body.length} ${createHash('sha256').update(body).digest('hex')}`);
    return;
  }
  if (req.path === '/stream') {
    await res.stream(Readable.from(['a', 'b', 'c'].map((s) => Buffer.from(s.repeat(10_000)))));
    return;
  }
  if (req.path.startsWith('/slow/')) await delay(Number(req.path.slice(6)));
  res.send(200, `hello ${req.path}`);
};

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr })));
  });
}

describe('fetch (undici)', () => {
  test('sequential fetches reuse one kept-alive connection (one-connection agent)', async () => {
    const s = await startServer(handler);
    // A pool of one connection: any close by the server would show up as a second connection.
    const dispatcher = new Agent({ connections: 1 });
    try {
      const ports = new Set<string>();
      for (const path of ['/a', '/b', '/c', '/d', '/e']) {
        const r = await fetch(`${s.url}${path}`, { dispatcher } as unknown as RequestInit);
        assert.equal(r.status, 200);
        assert.equal(await r.text(), `hello ${path}`);
        ports.add(r.headers.get('x-remote-port')!);
      }
      assert.equal(ports.size, 1, 'every response came over the same client port');
      assert.equal(s.sockets.length, 1, 'the server accepted one connection');
    } finally {
      await dispatcher.close();
      await s.close();
    }
  });

  test('the default fetch pool keeps connections alive across requests', async () => {
    const s = await startServer(handler);
    try {
      for (let i = 0; i < 10; i++) {
        const r = await fetch(`${s.url}/n${i}`);
        assert.equal(await r.text(), `hello /n${i}`);
      }
      // undici may open a second connection while the first is being released; never one per request.
      assert.ok(s.sockets.length <= 2, `${s.sockets.length} connections for 10 requests`);
    } finally {
      await s.close();
    }
  });

  test('a POST body round-trips and a chunked response is reassembled', async () => {
    const s = await startServer(handler);
    try {
      const body = Buffer.alloc(3 * 1024 * 1024, 7);
      const r = await fetch(`${s.url}/echo`, { method: 'POST', body });
      assert.equal(await r.text(), `${body.length} ${createHash('sha256').update(body).digest('hex')}`);
      const streamed = await fetch(`${s.url}/stream`);
      assert.equal(streamed.headers.get('transfer-encoding'), 'chunked');
      assert.equal(await streamed.text(), 'a'.repeat(10_000) + 'b'.repeat(10_000) + 'c'.repeat(10_000));
      const head = await fetch(`${s.url}/a`, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), '8');
      assert.equal(await head.text(), '');
    } finally {
      await s.close();
    }
  });

  test('undici pipelining: 10 requests on one connection, answered in order', async () => {
    const s = await startServer(handler);
    const client = new Client(s.url, { pipelining: 10 });
    try {
      const delays = [30, 0, 20, 5, 0, 25, 1, 10, 0, 15];
      const answers = await Promise.all(
        delays.map(async (ms, i) => {
          const r = await client.request({ path: `/slow/${ms}?i=${i}`, method: 'GET' });
          return `${r.statusCode} ${await r.body.text()}`;
        }),
      );
      assert.deepEqual(answers, delays.map((ms) => `200 hello /slow/${ms}`));
      assert.equal(s.sockets.length, 1);
    } finally {
      await client.close();
      await s.close();
    }
  });
});

describe('curl', () => {
  test('two URLs in one curl run share one connection', { skip: CURL ? false : NO_CURL }, async () => {
    const s = await startServer(handler);
    try {
      const { stdout, stderr } = await run('curl', ['-sv', `${s.url}/one`, `${s.url}/two`]);
      assert.equal(stdout, 'hello /onehello /two');
      assert.match(stderr, /Re-?using existing connection/i);
      assert.equal(s.sockets.length, 1, 'one connection accepted');
    } finally {
      await s.close();
    }
  });

  test('curl with Expect: 100-continue gets the 100 and uploads its file', { skip: CURL ? false : NO_CURL }, async () => {
    const s = await startServer(handler);
    const dir = await mkdtemp(join(tmpdir(), 'httpcraft-clients-'));
    try {
      const file = join(dir, 'upload.bin');
      const data = Buffer.alloc(2 * 1024 * 1024, 'u');
      await writeFile(file, data);
      const { stdout, stderr } = await run('curl', ['-sv', '-H', 'Expect: 100-continue', '--data-binary', `@${file}`, `${s.url}/echo`]);
      assert.match(stderr, /< HTTP\/1\.1 100 Continue/);
      assert.equal(stdout, `${data.length} ${createHash('sha256').update(data).digest('hex')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await s.close();
    }
  });

  test('curl --http1.0 gets a complete answer and a closed connection', { skip: CURL ? false : NO_CURL }, async () => {
    const s = await startServer(handler);
    try {
      const { stdout, stderr } = await run('curl', ['-sv', '--http1.0', `${s.url}/stream`]);
      assert.equal(stdout.length, 30_000);
      assert.match(stderr, /< Connection: close/i);
      assert.doesNotMatch(stderr, /Transfer-Encoding/i);
    } finally {
      await s.close();
    }
  });
});
