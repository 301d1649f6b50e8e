// The sans-IO session behind a tiny test shell (test/support/h2-session-shell.ts) on 127.0.0.1,
// against real clients: node:http2 (nghttp2) with prior knowledge, and curl --http2-prior-knowledge.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createHash, randomBytes } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pattern, startShell } from '../support/h2-session-shell.ts';

const TIMEOUT = { timeout: 30_000 };

function request(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers);
    const parts: Buffer[] = [];
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve({ status, body: Buffer.concat(parts) }));
    req.on('error', reject);
    req.end(body);
  });
}

async function withClient(fn: (client: http2.ClientHttp2Session, shell: Awaited<ReturnType<typeof startShell>>) => Promise<void>): Promise<void> {
  const shell = await startShell();
  const client = http2.connect(`http://127.0.0.1:${shell.port}`);
  client.on('error', () => {});
  try {
    await fn(client, shell);
  } finally {
    client.destroy();
    await shell.close();
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('node:http2: GET, and a 1 MiB POST that lands byte-exact', TIMEOUT, async () => {
  await withClient(async (client, shell) => {
    const get = await request(client, { ':path': '/hello' });
    assert.equal(get.status, 200);
    assert.equal(get.body.toString(), 'hello');
    const body = randomBytes(1 << 20);
    const post = await request(client, { ':method': 'POST', ':path': '/upload' }, body);
    assert.equal(post.status, 200);
    assert.deepEqual(JSON.parse(post.body.toString()), { length: body.length, sha256: sha(body) });
    assert.deepEqual(shell.stats.connectionErrors, []);
  });
});

test('node:http2: 50 concurrent streams, and a response far larger than the initial window (flow control)', TIMEOUT, async () => {
  await withClient(async (client, shell) => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => request(client, { ':path': `/big?n=${1000 + i * 3000}` })));
    results.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(pattern(1000 + i * 3000)), `stream ${i}`);
    });
    const big = await request(client, { ':path': '/big?n=3000000' });
    assert.equal(big.body.length, 3_000_000);
    assert.equal(sha(big.body), sha(pattern(3_000_000)));
    assert.deepEqual(shell.stats.connectionErrors, []);
  });
});

test("node:http2: the client's RST_STREAM mid-body resets that stream only", TIMEOUT, async () => {
  await withClient(async (client, shell) => {
    const req = client.request({ ':method': 'POST', ':path': '/sink' });
    req.on('error', () => {});
    req.write(randomBytes(100_000));
    await new Promise((r) => setTimeout(r, 100));
    req.close(http2.constants.NGHTTP2_CANCEL);
    await new Promise((r) => req.on('close', r));
    for (let i = 0; i < 50 && shell.stats.resets.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(shell.stats.resets, [http2.constants.NGHTTP2_CANCEL]);
    const after = await request(client, { ':path': '/hello' });
    assert.equal(after.body.toString(), 'hello');
    assert.deepEqual(shell.stats.connectionErrors, []);
  });
});

test('node:http2: graceful shutdown lets the response in flight finish, then the client sees GOAWAY and the socket ends', TIMEOUT, async () => {
  await withClient(async (client, shell) => {
    await request(client, { ':path': '/hello' });
    const goaway = new Promise<number>((resolve) => client.once('goaway', (code: number) => resolve(code)));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const inFlight = request(client, { ':path': '/big?n=2000000' });
    await new Promise((r) => setTimeout(r, 20));
    shell.shutdown();
    const big = await inFlight;
    assert.equal(sha(big.body), sha(pattern(2_000_000)));
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
    await closed;
    assert.deepEqual(shell.stats.connectionErrors, []);
  });
});

const hasCurlHttp2 = ((): boolean => {
  try {
    return /HTTP2/.test(execFileSync('curl', ['-V'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '20', '--http2-prior-knowledge', ...args], { encoding: 'latin1', maxBuffer: 1 << 24 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

test('curl --http2-prior-knowledge: GET answers over HTTP/2, an upload lands byte-exact', { ...TIMEOUT, skip: hasCurlHttp2 ? false : 'curl without HTTP/2' }, async () => {
  const shell = await startShell();
  const dir = mkdtempSync(join(tmpdir(), 'h2-session-'));
  try {
    const base = `http://127.0.0.1:${shell.port}`;
    assert.equal(await curl(['-w', ' %{http_version}', `${base}/hello`]), 'hello 2');
    const body = randomBytes(1 << 20);
    const file = join(dir, 'body.bin');
    writeFileSync(file, body);
    const out = await curl(['--data-binary', `@${file}`, `${base}/upload`]);
    assert.deepEqual(JSON.parse(out), { length: body.length, sha256: sha(body) });
    const big = await curl([`${base}/big?n=500000`]);
    assert.equal(sha(Buffer.from(big, 'latin1')), sha(pattern(500_000)));
    assert.deepEqual(shell.stats.connectionErrors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await shell.close();
  }
});
