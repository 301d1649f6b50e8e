// The upstream client: keep-alive pool (reuse, max requests per connection, idle timeout, no pool),
// HTTPS backends with certificate verification and a private CA; and a property test that any
// request we accept reaches the backend with equivalent framing and content.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { RequestListener } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { httpUpstream, proxySite } from '../support/proxy-helpers.ts';
import { makeCert, tempDir } from '../support/tls-helpers.ts';
import { startCli } from '../support/config-helpers.ts';
import { SURPLUS_GRACE_MS } from '../../src/proxy/pool.ts';

async function connectionsSeen(upstream: Awaited<ReturnType<typeof httpUpstream>>): Promise<() => number> {
  let n = 0;
  upstream.server.on('connection', () => n++);
  return () => n;
}

describe('keep-alive pool', () => {
  test('sequential requests reuse one connection', async (t) => {
    const up = await httpUpstream();
    const count = await connectionsSeen(up);
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${site.url}/${i}`)).status, 200);
    assert.equal(count(), 1);
  });

  test('keepalive_requests bounds the exchanges per connection; keepalive 0 keeps none', async (t) => {
    const up = await httpUpstream();
    const count = await connectionsSeen(up);
    const site = await proxySite([
      { path: '/three/', to: [up.url], keepalive_requests: 3 },
      { path: '/none/', to: [up.url], keepalive: 0 },
    ]);
    t.after(async () => (await site.close(), await up.close()));
    for (let i = 0; i < 10; i++) await (await fetch(`${site.url}/three/${i}`)).text();
    assert.equal(count(), 4);
    for (let i = 0; i < 5; i++) await (await fetch(`${site.url}/none/${i}`)).text();
    assert.equal(count(), 9);
  });

  test('an idle pooled connection is closed after keepalive_timeout', async (t) => {
    const up = await httpUpstream();
    const count = await connectionsSeen(up);
    const site = await proxySite([{ path: '/', to: [up.url], keepalive_timeout: 0.2 }]);
    t.after(async () => (await site.close(), await up.close()));
    await (await fetch(`${site.url}/a`)).text();
    assert.equal(site.handler.proxy!.figures()[0]!.backends[0]!.idleConnections, 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(site.handler.proxy!.figures()[0]!.backends[0]!.openConnections, 0);
    await (await fetch(`${site.url}/b`)).text();
    assert.equal(count(), 2);
  });
});

describe('keep-alive pool surplus', () => {
  // keepalive bounds idle connections; more in flight than that come back in bursts. The surplus
  // stays for a grace period (SURPLUS_GRACE_MS), so steady traffic reuses it instead of reopening.
  test('keepalive 2, bursts of 6 in flight: the 6 connections are reused burst after burst, and trimmed to 2 after the grace', async (t) => {
    // The backend answers a burst only once all six of its requests are in, so six connections are
    // busy at once, and all six come back to the pool together.
    let waiting: (() => void)[] = [];
    const up = await httpUpstream((_req, res) => {
      waiting.push(() => res.end('ok'));
      if (waiting.length === 6) {
        for (const answer of waiting) answer();
        waiting = [];
      }
    });
    const count = await connectionsSeen(up);
    const site = await proxySite([{ path: '/', to: [up.url], keepalive: 2 }]);
    t.after(async () => (await site.close(), await up.close()));
    const backend = (): { idleConnections: number; openConnections: number } => site.handler.proxy!.figures()[0]!.backends[0]!;
    const port = Number(new URL(site.url).port);
    const get = (path: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
    for (let burst = 0; burst < 3; burst++) {
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => get(`/${burst}/${i}`)));
      for (const a of answers) assert.match(a, /^HTTP\/1\.1 200 /);
      assert.equal(backend().idleConnections, 6, `burst ${burst}: all six back in the pool`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(count(), 6, 'no connection reopened between bursts');
    // Idle for longer than the grace: the surplus goes, keepalive's 2 stay.
    await new Promise((r) => setTimeout(r, SURPLUS_GRACE_MS + 400));
    assert.equal(backend().idleConnections, 2);
    assert.equal(backend().openConnections, 2);
  });
});

describe('keep-alive pool timers', () => {
  test('an idle connection outlives the response timeout when keepalive_timeout is longer; each closes at its own time', async (t) => {
    const up = await httpUpstream();
    const count = await connectionsSeen(up);
    const site = await proxySite([{ path: '/', to: [up.url], timeout: 0.2, keepalive_timeout: 1 }]);
    t.after(async () => (await site.close(), await up.close()));
    const backend = (): { idleConnections: number; openConnections: number } => site.handler.proxy!.figures()[0]!.backends[0]!;
    // Two connections (two requests at once), then one of them used again 500 ms later.
    await Promise.all([fetch(`${site.url}/a`).then((r) => r.text()), fetch(`${site.url}/b`).then((r) => r.text())]);
    assert.equal(backend().idleConnections, 2);
    await new Promise((r) => setTimeout(r, 500));
    await (await fetch(`${site.url}/c`)).text(); // the warmest one is reused, and idle again from now
    assert.equal(count(), 2);
    await new Promise((r) => setTimeout(r, 750)); // the other one: idle 1250 ms, past 1000
    assert.equal(backend().openConnections, 1);
    await (await fetch(`${site.url}/d`)).text(); // idle 750 ms: longer than the timeout, still there
    assert.equal(count(), 2);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(backend().openConnections, 0);
  });
});

/** An HTTPS backend on loopback whose certificate a private CA signed (not the system's); stopped
 * after the test. `ca` is the CA's PEM, for a test to write where it needs it. */
async function privateCaBackend(t: { after(fn: () => unknown): void }, handler: RequestListener): Promise<{ server: HttpsServer; url: string; ca: string }> {
  const ca = makeCert({ commonName: 'Test CA', isCa: true });
  const leaf = makeCert({ issuer: ca, ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const server = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: ca.certPem };
}

describe('HTTPS backends', () => {
  test('verified against the system CAs by default (a private CA fails, 502); trusted with ca', async (t) => {
    const { url, ca } = await privateCaBackend(t, (req, res) => res.end(`tls ${req.url}`));
    const caFile = join(await tempDir(t), 'ca.pem');
    await writeFile(caFile, ca);
    const site = await proxySite([
      { path: '/plain/', to: [url], retries: 0 },
      { path: '/trusted/', to: [url], ca: caFile },
    ]);
    t.after(() => site.close());
    assert.equal((await fetch(`${site.url}/plain/x`)).status, 502);
    assert.ok(site.logger.lines.some((l) => l.includes(url) && /certificate|CERT|self.signed|issuer/i.test(l)), site.logger.lines.join('\n'));
    const r = await fetch(`${site.url}/trusted/x`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'tls /trusted/x');
  });
});

describe('HTTPS backends: bodies read into the connection\'s reused buffer', () => {
  // Over TLS each read is one record (up to 16 KiB of plaintext) in the connection's own reused
  // buffer: whatever the client's pace, no byte may be overwritten by the next record before it left.
  test('3 MiB of random bytes, to a fast client and to one that reads slowly, byte-exact, on one pooled connection', async (t) => {
    const bodies = [randomBytes(3 * 1024 * 1024), randomBytes(3 * 1024 * 1024)];
    const { server, url, ca } = await privateCaBackend(t, (req, res) => res.end(bodies[Number(req.url!.slice(1))]));
    let connections = 0;
    server.on('secureConnection', () => connections++);
    const caFile = join(await tempDir(t), 'ca.pem');
    await writeFile(caFile, ca);
    const site = await proxySite([{ path: '/', to: [url], ca: caFile }]);
    t.after(() => site.close());
    const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    // Fast: fetch reads as it comes.
    const fast = Buffer.from(await (await fetch(`${site.url}/0`)).arrayBuffer());
    assert.equal(fast.length, bodies[0]!.length);
    assert.equal(digest(fast), digest(bodies[0]!));
    // Slow: a raw client that reads 64 KiB every 5 ms, so the proxy's writes back up.
    const port = Number(new URL(site.url).port);
    const slow = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'));
      const parts: Buffer[] = [];
      socket.on('readable', function pull() {
        const chunk = socket.read(64 * 1024) ?? socket.read();
        if (chunk !== null) parts.push(chunk);
        if (chunk !== null) setTimeout(() => pull(), 5);
      });
      socket.on('end', () => resolve(Buffer.concat(parts)));
      socket.on('error', reject);
    });
    const bodyAt = slow.indexOf('\r\n\r\n') + 4;
    assert.match(slow.subarray(0, bodyAt).toString('latin1'), /^HTTP\/1\.1 200 /);
    const got = slow.subarray(bodyAt);
    assert.equal(got.length, bodies[1]!.length);
    assert.equal(digest(got), digest(bodies[1]!));
    assert.equal(connections, 1, 'the pooled TLS connection carried both');
  });
});

describe('HTTPS backends: the CA file of a config file', () => {
  test('"ca": "ca.pem" is read next to the config file when the server starts from another folder', async (t) => {
    const dir = await tempDir(t);
    const { url, ca } = await privateCaBackend(t, (req, res) => res.end(`tls ${req.url}`));
    // conf/ holds the config and the CA; the server runs from www/, where no ca.pem is.
    await mkdir(join(dir, 'conf'));
    await mkdir(join(dir, 'www'));
    await writeFile(join(dir, 'conf', 'ca.pem'), ca);
    await writeFile(join(dir, 'conf', 'config.json'), JSON.stringify({ proxy: [{ path: '/api/', to: [url], ca: 'ca.pem' }] }));
    const run = startCli(['-H', '127.0.0.1', '-p', '0', '-c', '../conf/config.json', '.'], { cwd: join(dir, 'www') });
    t.after(() => run.child.kill('SIGKILL'));
    const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:([1-9]\d*)\//);
    const r = await fetch(`http://127.0.0.1:${port}/api/x`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'tls /api/x');
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });
});

describe('framing towards the backend (property)', () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/).filter((n) => !/^(host|content-length|transfer-encoding|connection|keep-alive|te|upgrade|trailer|expect|via|forwarded|x-forwarded-.*|proxy-connection)$/i.test(n));
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
    path: fc.stringMatching(/^\/[a-z0-9/._~-]{0,20}$/),
    query: fc.option(fc.stringMatching(/^[a-z0-9=&]{0,12}$/), { nil: undefined }),
    fields: fc.uniqueArray(fc.tuple(token, fc.stringMatching(/^[!-~]([ !-~]{0,16}[!-~])?$/)), { maxLength: 5, selector: ([n]) => n.toLowerCase() }),
    body: fc.uint8Array({ maxLength: 2000 }),
    chunked: fc.boolean(),
    chunk: fc.integer({ min: 1, max: 700 }),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  });

  test('any request we accept reaches the upstream with the same method, target, fields and body', async (t) => {
    const up = await httpUpstream((_req, res) => res.end('ok'));
    const site = await proxySite([{ path: '/', to: [up.url] }]);
    t.after(async () => (await site.close(), await up.close()));
    const samples = fc.sample(request, { seed: 20261206, numRuns: 40 });
    for (const r of samples) {
      const body = Buffer.from(r.body);
      const target = r.path + (r.query === undefined ? '' : `?${r.query}`);
      let head = `${r.method} ${target} HTTP/1.1\r\nHost: proxied.test\r\n`;
      for (const [n, v] of r.fields) head += `${n}: ${v}\r\n`;
      const parts: Buffer[] = [];
      if (r.chunked) {
        head += 'Transfer-Encoding: chunked\r\n';
        for (let at = 0; at < body.length; at += r.chunk) {
          const piece = body.subarray(at, at + r.chunk);
          parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
        }
        parts.push(Buffer.from('0\r\n\r\n'));
      } else {
        if (body.length > 0 || r.method !== 'GET') head += `Content-Length: ${body.length}\r\n`;
        parts.push(body);
      }
      const bytes = Buffer.concat([Buffer.from(head + 'Connection: close\r\n\r\n', 'latin1'), ...parts]);
      const before = up.seen.length;
      await sendSplit(site.port, bytes, r.cuts);
      assert.equal(up.seen.length, before + 1, `not forwarded: ${head}`);
      const seen = up.seen.at(-1)!;
      assert.equal(seen.method, r.method);
      assert.equal(seen.url, target);
      assert.ok(seen.body.equals(body), 'body differs');
      for (const [n, v] of r.fields) assert.equal(seen.headers[n.toLowerCase()], v, n);
      // Exactly one framing: a length, or chunked; never both (RFC 9112 §6.1).
      const cl = seen.headers['content-length'];
      const te = seen.headers['transfer-encoding'];
      assert.ok(!(cl !== undefined && te !== undefined), 'both Content-Length and Transfer-Encoding');
      if (r.chunked) assert.equal(te, 'chunked');
      else if (body.length > 0) assert.equal(cl, String(body.length));
      assert.equal(seen.headers.host, 'proxied.test');
    }
  });
});

/** Writes bytes in pieces cut at the given points, waits for the whole answer and the close. */
function sendSplit(port: number, bytes: Buffer, cuts: number[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const out: Buffer[] = [];
    socket.on('data', (c: Buffer) => out.push(c));
    socket.on('end', () => resolve(Buffer.concat(out).toString('latin1')));
    socket.on('error', reject);
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
    let prev = 0;
    for (const p of points) {
      socket.write(bytes.subarray(prev, p));
      prev = p;
    }
    socket.write(bytes.subarray(prev));
  });
}
