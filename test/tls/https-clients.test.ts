// Real TLS clients against our HTTPS server with the development certificate trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { prepareHttps } from '../../src/tls/https.ts';
import { hasBinary, openTls, requestOn, run, startHttps, tempDir, makeCert, writeCert } from '../support/tls-helpers.ts';

const NAMES = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] };

async function devServer(t: Parameters<typeof tempDir>[0], extra: Parameters<typeof prepareHttps>[0] extends infer O ? Partial<O> : never = {}) {
  const dir = await tempDir(t);
  const prepared = await prepareHttps({ certFile: null, keyFile: null, pfxFile: null, password: null, stateDir: dir, devCertificateNames: NAMES, ...extra });
  const { server, port } = await startHttps(t, prepared.tls, (req, res) => res.send(200, `secure=${req.secure} path=${req.path}\n`));
  return { dir, prepared, server, port, ca: prepared.credentials.secure && 'cert' in prepared.credentials.secure ? prepared.credentials.secure.cert : '' };
}

test('fetch (undici) gets a page over HTTPS with the development certificate trusted', async (t) => {
  const { port, ca } = await devServer(t);
  const agent = new Agent({ connect: { ca } });
  t.after(() => agent.close());
  for (const host of ['localhost', '127.0.0.1']) {
    const res = await fetch(`https://${host}:${port}/hello?x=1`, { dispatcher: agent });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'secure=true path=/hello\n');
  }
  // Without the CA the client refuses the self-signed certificate: the check is real.
  const strict = new Agent();
  t.after(() => strict.close());
  await assert.rejects(fetch(`https://localhost:${port}/`, { dispatcher: strict }), (e: Error) => /self[- ]signed|certificate/i.test(String((e as { cause?: unknown }).cause ?? e)));
});

test('negotiates h2 by ALPN when offered (http/1.1 otherwise), TLS 1.3 by default, and resumes sessions', async (t) => {
  const { port, ca } = await devServer(t);
  const h2 = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2', 'http/1.1'] });
  t.after(() => h2.destroy());
  await new Promise<void>((resolve, reject) => h2.once('secureConnect', resolve).once('error', reject));
  assert.equal(h2.alpnProtocol, 'h2');
  h2.destroy();
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    // The session (ticket) arrives after the handshake; listen from the start so none is missed.
    let session: Buffer | null = null;
    const gotSession = new Promise<void>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'], maxVersion });
      socket.on('session', (s: Buffer) => {
        session = s;
        resolve();
      });
      socket.once('secureConnect', () => {
        assert.equal(socket.alpnProtocol, 'http/1.1');
        assert.equal(socket.getProtocol(), maxVersion);
        void requestOn(socket, '/').then((answer) => {
          assert.match(answer, /^HTTP\/1\.1 200 OK/);
          socket.end();
        });
      });
    });
    await gotSession;
    const second = await openTls(port, { ca, session: session!, maxVersion });
    t.after(() => second.destroy());
    assert.equal(second.isSessionReused(), true, `${maxVersion} session resumed`);
    assert.match(await requestOn(second, '/'), /^HTTP\/1\.1 200 OK/);
    second.end();
  }
});

test('keeps a TLS connection alive across several requests', async (t) => {
  const { port, ca } = await devServer(t);
  const socket = await openTls(port, { ca });
  t.after(() => socket.destroy());
  for (let i = 0; i < 5; i++) assert.match(await requestOn(socket, `/n${i}`), new RegExp(`path=/n${i}\\n$`));
});

test('refuses TLS 1.1 by default and TLS 1.2 when min_tls_version is TLSv1.3', async (t) => {
  const base = await devServer(t);
  await assert.rejects(openTls(base.port, { ca: base.ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }));
  const strict = await devServer(t, { minVersion: 'TLSv1.3' });
  await assert.rejects(openTls(strict.port, { ca: strict.ca, maxVersion: 'TLSv1.2' }));
  const ok: TLSSocket = await openTls(strict.port, { ca: strict.ca });
  assert.equal(ok.getProtocol(), 'TLSv1.3');
  ok.destroy();
});

test('serves a certificate chain from the ssl_cert file', async (t) => {
  const dir = await tempDir(t);
  const root = makeCert({ commonName: 'Test Root', isCa: true });
  const mid = makeCert({ commonName: 'Test Intermediate', isCa: true, issuer: root });
  const leaf = makeCert({ issuer: mid });
  const certFile = join(dir, 'fullchain.pem');
  const keyFile = join(dir, 'key.pem');
  await writeFile(certFile, leaf.certPem + mid.certPem);
  await writeFile(keyFile, leaf.keyPem);
  const prepared = await prepareHttps({ certFile, keyFile, pfxFile: null, password: null });
  const { port } = await startHttps(t, prepared.tls);
  // The client trusts only the root: the handshake works because we send the intermediate.
  const socket = await openTls(port, { ca: root.certPem });
  t.after(() => socket.destroy());
  assert.equal(socket.getPeerCertificate(true).issuerCertificate?.subject?.CN, 'Test Intermediate');
  assert.match(await requestOn(socket, '/'), /^HTTP\/1\.1 200 OK/);
});

test('curl --cacert fetches a page over HTTPS', { skip: hasBinary('curl') ? false : 'curl is not installed' }, async (t) => {
  const { dir, port, ca } = await devServer(t);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca);
  const out = await run('curl', ['-sS', '--cacert', caFile, '-w', '\n%{http_code} %{http_version} %{ssl_verify_result}', `https://localhost:${port}/curl`]);
  assert.equal(out.code, 0, out.stderr);
  // curl offers h2 in ALPN and gets it (HTTP/2 is on by default over TLS).
  assert.equal(out.stdout, 'secure=true path=/curl\n\n200 2 0');
  const refused = await run('curl', ['-sS', `https://localhost:${port}/`]);
  assert.notEqual(refused.code, 0, 'curl without --cacert rejects the certificate');
});

test('openssl s_client verifies the certificate and sees ALPN h2 when it offers it', { skip: hasBinary('openssl') ? false : 'openssl is not installed' }, async (t) => {
  const { dir, port, ca, prepared } = await devServer(t);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca);
  const out = await run(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error', '-verify_hostname', 'localhost', '-alpn', 'http/1.1', '-quiet'],
    'GET /ossl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  );
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^HTTP\/1\.1 200 OK/);
  assert.match(out.stdout, /secure=true path=\/ossl/);
  const full = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-alpn', 'h2,http/1.1'], '');
  assert.match(full.stdout, /Verify return code: 0 \(ok\)/);
  assert.match(full.stdout, /ALPN protocol: h2/);
  assert.ok(full.stdout.includes(`Server certificate`));
  assert.ok(prepared.credentials.leaf !== null);
});

test('serves an RSA certificate and an ECDSA one alike', async (t) => {
  const dir = await tempDir(t);
  const cert = makeCert({ keyType: 'rsa' });
  const paths = await writeCert(dir, cert);
  const prepared = await prepareHttps({ ...paths, pfxFile: null, password: null });
  const { port } = await startHttps(t, prepared.tls);
  const socket = await openTls(port, { ca: cert.certPem, maxVersion: 'TLSv1.2' });
  t.after(() => socket.destroy());
  assert.match(socket.getCipher().name, /RSA/);
  assert.match(await requestOn(socket, '/'), /^HTTP\/1\.1 200 OK/);
});

test('serves from an encrypted key given its password', async (t) => {
  const dir = await tempDir(t);
  const cert = makeCert();
  const paths = await writeCert(dir, cert);
  await writeFile(paths.keyFile, cert.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'hunter2' }) as string);
  await assert.rejects(prepareHttps({ ...paths, pfxFile: null, password: 'hunter3' }), /ssl_password: wrong password/);
  const prepared = await prepareHttps({ ...paths, pfxFile: null, password: 'hunter2' });
  const { port } = await startHttps(t, prepared.tls);
  const socket = await openTls(port, { ca: cert.certPem });
  t.after(() => socket.destroy());
  assert.equal(socket.getPeerCertificate().fingerprint256, cert.x509.fingerprint256);
  assert.match(await requestOn(socket, '/'), /^HTTP\/1\.1 200 OK/);
});

test('serves from a PKCS#12 (PFX) bundle', { skip: hasBinary('openssl') ? false : 'openssl is not installed (needed to make a PKCS#12 file)' }, async (t) => {
  const dir = await tempDir(t);
  const cert = makeCert({ keyType: 'rsa' });
  const paths = await writeCert(dir, cert);
  const pfxFile = join(dir, 'site.pfx');
  const made = await run('openssl', ['pkcs12', '-export', '-inkey', paths.keyFile, '-in', paths.certFile, '-out', pfxFile, '-passout', 'pass:pfx-pass']);
  assert.equal(made.code, 0, made.stderr);
  const prepared = await prepareHttps({ certFile: null, keyFile: null, pfxFile, password: 'pfx-pass' });
  const { port } = await startHttps(t, prepared.tls);
  const socket = await openTls(port, { ca: cert.certPem });
  t.after(() => socket.destroy());
  assert.equal(socket.getPeerCertificate().fingerprint256, cert.x509.fingerprint256);
  assert.match(await requestOn(socket, '/'), /^HTTP\/1\.1 200 OK/);
});
