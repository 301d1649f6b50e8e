// What reaches the HTTPS port that is not a TLS handshake: plain HTTP gets a readable 400 and a
// close, anything else a clean close, silence a close after the first-byte timeout; never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Agent, fetch } from 'undici';
import { prepareHttps } from '../../src/tls/https.ts';
import { createServer } from '../../src/server/http-server.ts';
import type { AddressInfo } from 'node:net';
import { hasBinary, openTls, requestOn, run, startHttps, tempDir } from '../support/tls-helpers.ts';

const NAMES = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };

async function server(t: Parameters<typeof tempDir>[0], headersTimeoutMs = 20_000) {
  const dir = await tempDir(t);
  const prepared = await prepareHttps({ certFile: null, keyFile: null, pfxFile: null, password: null, stateDir: dir, devCertificateNames: NAMES });
  const ca = 'cert' in prepared.credentials.secure ? prepared.credentials.secure.cert : '';
  const started = await startHttps(t, prepared.tls, undefined, { timeouts: { headersTimeoutMs } });
  return { ...started, ca };
}

/** Sends bytes on a raw TCP connection; resolves with everything received once the server closes. */
function rawExchange(port: number, bytes: string | Buffer | null, halfClose = false): Promise<{ data: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ data, socket }));
    socket.on('connect', () => {
      if (bytes !== null) socket.write(bytes);
      if (halfClose) socket.end();
    });
  });
}

test('plain HTTP sent to the HTTPS port gets 400 "This port speaks HTTPS" and a close', async (t) => {
  const { port } = await server(t);
  const { data } = await rawExchange(port, `GET /page?x=1 HTTP/1.1\r\nHost: localhost:${port}\r\nUser-Agent: test\r\n\r\n`);
  const [head = '', body = ''] = data.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(head, /\r\nConnection: close(\r\n|$)/);
  assert.match(head, /\r\nContent-Type: text\/plain; charset=utf-8/);
  assert.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body));
  assert.match(body, /This port speaks HTTPS/);
  assert.ok(body.includes(`https://localhost:${port}/page?x=1`), body);
});

test('the 400 does not echo a hostile Host or target', async (t) => {
  const { port } = await server(t);
  const { data } = await rawExchange(port, 'GET /<script>alert(1)</script> HTTP/1.1\r\nHost: evil"<b>\r\n\r\n');
  assert.match(data, /^HTTP\/1\.1 400 /);
  assert.ok(!data.includes('<script>') && !data.includes('<b>'), data);
  assert.match(data, /Use https:\/\/ instead of http:\/\/\./);
});

test('curl speaking http:// to the HTTPS port sees the 400 and the hint', { skip: hasBinary('curl') ? false : 'curl is not installed' }, async (t) => {
  const { port } = await server(t);
  const out = await run('curl', ['-sS', '-w', '\n%{http_code}', `http://localhost:${port}/x`]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /This port speaks HTTPS.*https:\/\/localhost:\d+\/x instead\.\n\n400$/s);
});

test('bytes that are neither TLS nor HTTP get a clean close with no answer', async (t) => {
  const { port } = await server(t);
  const { data } = await rawExchange(port, Buffer.from([0x00, 0x01, 0x02, 0xff, 0x0a]));
  assert.equal(data, '');
});

test('a silent connection is closed after the first-byte timeout, and one that hangs up at once too', async (t) => {
  const { port } = await server(t, 300);
  assert.equal((await rawExchange(port, null)).data, '');
  assert.equal((await rawExchange(port, null, true)).data, '');
});

test('the HTTPS port keeps serving TLS after plain-HTTP and garbage visitors', async (t) => {
  const { port, ca } = await server(t);
  await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await rawExchange(port, 'hello');
  const socket = await openTls(port, { ca });
  t.after(() => socket.destroy());
  assert.match(await requestOn(socket, '/'), /^HTTP\/1\.1 200 OK[\s\S]*hello over https\n$/);
});

test('an HTTPS client that half-closes after its request still gets the response', async (t) => {
  const { port, ca } = await server(t);
  const socket = await openTls(port, { ca });
  const data = await new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.end('GET /bye HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
  assert.match(data, /^HTTP\/1\.1 200 OK[\s\S]*hello over https\n$/);
});

test('a client that rejects the certificate mid-handshake does not hold up shutdown', async (t) => {
  const dir = await tempDir(t);
  const prepared = await prepareHttps({ certFile: null, keyFile: null, pfxFile: null, password: null, stateDir: dir, devCertificateNames: NAMES });
  const srv = createServer({ handler: (_req, res) => res.send(200, 'x'), tls: prepared.tls });
  const { port } = (await srv.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  const strict = new Agent();
  t.after(() => strict.close());
  await assert.rejects(fetch(`https://localhost:${port}/`, { dispatcher: strict }));
  // A connection waiting for its first byte is closed by shutdown too.
  const idle = connect(port, '127.0.0.1');
  await new Promise((resolve) => idle.on('connect', resolve));
  const idleClosed = new Promise((resolve) => idle.on('close', resolve));
  // The grace period is long: close() must finish because nothing is left open, not by force.
  await srv.close(60_000);
  await idleClosed;
  assert.equal(srv.stats.open, 0);
});

test('a client typing by hand gets the answer after its first letter', async (t) => {
  const { port } = await server(t);
  const { data } = await rawExchange(port, 'G');
  assert.match(data, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*This port speaks HTTPS/);
});
