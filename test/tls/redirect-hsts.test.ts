// The HTTP→HTTPS redirect listener and Strict-Transport-Security.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import { prepareHttps, startHttpsServices } from '../../src/tls/https.ts';
import { createRedirectServer, hostWithoutPort } from '../../src/tls/redirect-server.ts';
import { hstsValue } from '../../src/tls/hsts.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createServer } from '../../src/server/http-server.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { PassThrough } from 'node:stream';
import { TlsConfigError } from '../../src/tls/load-credentials.ts';
import { openTls, requestOn, startHttps, tempDir } from '../support/tls-helpers.ts';

const NAMES = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function withRedirect(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t);
  const prepared = await prepareHttps({ certFile: null, keyFile: null, pfxFile: null, password: null, stateDir: dir, devCertificateNames: NAMES });
  const { server, port } = await startHttps(t, prepared.tls, (req, res) => res.send(200, `${req.method} ${req.target} secure=${req.secure}\n`));
  const services = await startHttpsServices(prepared, server, { host: '127.0.0.1', redirectHttpPort: 0, logger: quiet });
  t.after(() => services.close(100));
  const ca = 'cert' in prepared.credentials.secure ? prepared.credentials.secure.cert : '';
  return { port, httpPort: services.redirectAddress!.port, ca, services, prepared, server };
}

/** One raw request on a fresh connection; resolves with the whole response once the server closes or it is complete. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(data)?.[1] ?? -1);
      if (end !== -1 && (request.startsWith('HEAD') ? true : data.length >= end + 4 + length)) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
    socket.write(request);
  });
}

const location = (response: string): string | undefined => /\r\nLocation: ([^\r\n]*)/i.exec(response)?.[1];

test('the redirect listener answers 308 to https://host:port/path?query, keeping path and query', async (t) => {
  const { port, httpPort } = await withRedirect(t);
  const res = await raw(httpPort, `GET /a/b%20c?x=1&y=%2F HTTP/1.1\r\nHost: localhost:${httpPort}\r\n\r\n`);
  assert.match(res, /^HTTP\/1\.1 308 Permanent Redirect\r\n/);
  assert.equal(location(res), `https://localhost:${port}/a/b%20c?x=1&y=%2F`);
  assert.match(res, /<a href="https:\/\/localhost:\d+\/a\/b%20c\?x=1&#38;y=%2F">/);
  assert.doesNotMatch(res, /Strict-Transport-Security/i, 'never HSTS over plain HTTP (RFC 6797 §7.2)');
});

test('the redirect uses the Host without its port, IPv6 literals included, and the absolute-form authority', async (t) => {
  const { port, httpPort } = await withRedirect(t);
  assert.equal(location(await raw(httpPort, 'GET / HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n')), `https://example.com:${port}/`);
  assert.equal(location(await raw(httpPort, 'GET /v6 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n')), `https://[::1]:${port}/v6`);
  assert.equal(location(await raw(httpPort, 'GET http://other.test:81/p?q HTTP/1.1\r\nHost: ignored\r\n\r\n')), `https://other.test:${port}/p?q`);
  // HTTP/1.0 without Host: the fallback host.
  assert.equal(location(await raw(httpPort, 'GET /old HTTP/1.0\r\n\r\n')), `https://127.0.0.1:${port}/old`);
});

test('the port is left out of the URL when HTTPS is on 443', async (t) => {
  const redirect = createRedirectServer({ httpsPort: 443, fallbackHost: 'localhost' });
  const { port } = (await redirect.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  t.after(() => redirect.close(100));
  assert.equal(location(await raw(port, 'GET /x?y HTTP/1.1\r\nHost: example.com:80\r\n\r\n')), 'https://example.com/x?y');
});

test('308 keeps the method: POST and HEAD are redirected as they are', async (t) => {
  const { port, httpPort } = await withRedirect(t);
  const post = await raw(httpPort, 'POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\na=1');
  assert.match(post, /^HTTP\/1\.1 308 /);
  assert.equal(location(post), `https://localhost:${port}/form`);
  const head = await raw(httpPort, 'HEAD /h HTTP/1.1\r\nHost: localhost\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 308 /);
  assert.ok(head.endsWith('\r\n\r\n'), 'no body for HEAD');
});

test('OPTIONS * and a malformed Host get 400 from the redirect listener', async (t) => {
  const { httpPort } = await withRedirect(t);
  assert.match(await raw(httpPort, 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.equal(hostWithoutPort('a.b:1x'), null);
  assert.equal(hostWithoutPort('[::1]junk'), null);
  assert.equal(hostWithoutPort('host'), 'host');
  assert.equal(hostWithoutPort('HOST:'), 'host');
});

test('fetch follows the redirect from http:// to the HTTPS site, POST body and all', async (t) => {
  const { httpPort, ca } = await withRedirect(t);
  const agent = new Agent({ connect: { ca } });
  t.after(() => agent.close());
  const res = await fetch(`http://localhost:${httpPort}/followed?z=9`, { dispatcher: agent });
  assert.equal(res.status, 200);
  assert.equal(res.url.startsWith('https://localhost:'), true);
  assert.equal(await res.text(), 'GET /followed?z=9 secure=true\n');
  const posted = await fetch(`http://localhost:${httpPort}/p`, { method: 'POST', body: 'data', dispatcher: agent });
  assert.equal(await posted.text(), 'POST /p secure=true\n');
});

test('the redirect port cannot be the HTTPS port, and a busy port is named', async (t) => {
  const { port, prepared, server } = await withRedirect(t);
  await assert.rejects(startHttpsServices(prepared, server, { redirectHttpPort: port, logger: quiet, reloadSignal: null }), (e: unknown) => e instanceof TlsConfigError && e.message === `redirect_http_port: ${port} is the HTTPS port itself; pick another port for the HTTP redirect listener`);
  const busy = createServer({ handler: (_q, r) => r.send(200, '') });
  const { port: busyPort } = (await busy.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  t.after(() => busy.close(100));
  await assert.rejects(startHttpsServices(prepared, server, { host: '127.0.0.1', redirectHttpPort: busyPort, logger: quiet, reloadSignal: null }), (e: unknown) => e instanceof TlsConfigError && e.message === `redirect_http_port: port ${busyPort} is already in use`);
});

async function siteServers(t: Parameters<typeof tempDir>[0], hstsMaxAge: number) {
  const dir = await tempDir(t);
  const root = join(dir, 'root');
  await mkdir(root);
  await writeFile(join(root, 'index.html'), '<h1>hi</h1>');
  const prepared = await prepareHttps({ certFile: null, keyFile: null, pfxFile: null, password: null, stateDir: dir, devCertificateNames: NAMES });
  const logger = createConsoleLogger('ERROR', new PassThrough());
  const handler = createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger, hstsMaxAge });
  const https = await startHttps(t, prepared.tls, handler);
  const plain = createServer({ handler });
  const { port: plainPort } = (await plain.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  t.after(() => plain.close(100));
  const ca = 'cert' in prepared.credentials.secure ? prepared.credentials.secure.cert : '';
  return { port: https.port, plainPort, ca };
}

test('hsts_max_age adds Strict-Transport-Security to HTTPS responses, error pages included', async (t) => {
  const { port, ca } = await siteServers(t, 31536000);
  const socket = await openTls(port, { ca });
  t.after(() => socket.destroy());
  assert.match(await requestOn(socket, '/'), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nStrict-Transport-Security: max-age=31536000\r\n/);
  assert.match(await requestOn(socket, '/missing'), /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\r\nStrict-Transport-Security: max-age=31536000\r\n/);
});

test('no Strict-Transport-Security over plain HTTP or when hsts_max_age is 0', async (t) => {
  const on = await siteServers(t, 600);
  assert.doesNotMatch(await raw(on.plainPort, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /Strict-Transport-Security/i);
  const off = await siteServers(t, 0);
  const socket = await openTls(off.port, { ca: off.ca });
  t.after(() => socket.destroy());
  assert.doesNotMatch(await requestOn(socket, '/'), /Strict-Transport-Security/i);
});

test('formats the HSTS value and refuses a negative max-age', () => {
  assert.equal(hstsValue({ maxAgeSeconds: 300 }), 'max-age=300');
  assert.equal(hstsValue({ maxAgeSeconds: 300, includeSubDomains: true, preload: true }), 'max-age=300; includeSubDomains; preload');
  assert.throws(() => hstsValue({ maxAgeSeconds: -1 }), RangeError);
});
