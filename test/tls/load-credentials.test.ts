import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TlsConfigError, loadCredentials, type CredentialFiles } from '../../src/tls/load-credentials.ts';
import { httpsOptionsFromConfig, prepareHttps } from '../../src/tls/https.ts';
import { parseTlsVersion } from '../../src/tls/tls-options.ts';
import { hasBinary, makeCert, run, tempDir, writeCert } from '../support/tls-helpers.ts';

const OPENSSL = hasBinary('openssl');
const DAY = 86_400_000;
const files = (f: Partial<CredentialFiles>): CredentialFiles => ({ certFile: null, keyFile: null, pfxFile: null, password: null, ...f });

/** Asserts a TlsConfigError with this exact one-line message. */
async function rejectsWith(promise: Promise<unknown>, message: string, key: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TlsConfigError, String(error));
    assert.equal(error.message, message);
    assert.equal(error.key, key);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('loads a matching certificate and key with no warnings', async (t) => {
  const dir = await tempDir(t);
  const cert = makeCert();
  const paths = await writeCert(dir, cert);
  const creds = await loadCredentials(files(paths));
  assert.equal(creds.leaf?.fingerprint256, cert.x509.fingerprint256);
  assert.deepEqual(creds.warnings, []);
  assert.deepEqual(creds.files, [paths.certFile, paths.keyFile]);
});

test('names a missing certificate file, a missing key file and a folder', async (t) => {
  const dir = await tempDir(t);
  const paths = await writeCert(dir, makeCert());
  const nope = join(dir, 'nope.pem');
  await rejectsWith(loadCredentials(files({ certFile: nope, keyFile: paths.keyFile })), `ssl_cert: ${nope}: no such file`, 'ssl_cert');
  await rejectsWith(loadCredentials(files({ certFile: paths.certFile, keyFile: nope })), `ssl_key: ${nope}: no such file`, 'ssl_key');
  await mkdir(join(dir, 'folder'));
  await rejectsWith(loadCredentials(files({ certFile: join(dir, 'folder'), keyFile: paths.keyFile })), `ssl_cert: ${join(dir, 'folder')}: is a folder, not a file`, 'ssl_cert');
  await rejectsWith(loadCredentials(files({ keyFile: paths.keyFile })), `ssl_cert: not set, but ssl_key is (${paths.keyFile})`, 'ssl_cert');
});

test('says when a file holds no certificate or no key', async (t) => {
  const dir = await tempDir(t);
  const paths = await writeCert(dir, makeCert());
  const junk = join(dir, 'junk.txt');
  await writeFile(junk, 'hello, I am not a certificate\n');
  await rejectsWith(loadCredentials(files({ certFile: junk, keyFile: paths.keyFile })), `ssl_cert: ${junk}: no certificate found (expected PEM text starting with -----BEGIN CERTIFICATE-----)`, 'ssl_cert');
  await rejectsWith(loadCredentials(files({ certFile: paths.certFile, keyFile: junk })), `ssl_key: ${junk}: no private key found (expected PEM text starting with -----BEGIN PRIVATE KEY-----)`, 'ssl_key');
  await rejectsWith(loadCredentials(files({ certFile: paths.certFile })), `ssl_key: not set, and ${paths.certFile} holds no private key`, 'ssl_key');
  await rejectsWith(loadCredentials(files({ certFile: paths.certFile, keyFile: paths.certFile })), `ssl_key: ${paths.certFile}: no private key found (expected PEM text starting with -----BEGIN PRIVATE KEY-----)`, 'ssl_key');
});

test('refuses a key that does not match the certificate', async (t) => {
  const dir = await tempDir(t);
  const a = await writeCert(dir, makeCert(), 'a');
  const b = await writeCert(dir, makeCert(), 'b');
  await rejectsWith(loadCredentials(files({ certFile: a.certFile, keyFile: b.keyFile })), `ssl_key: ${b.keyFile}: the key does not match the certificate in ssl_cert`, 'ssl_key');
});

test('opens an encrypted key with the right password and names the wrong or missing one', async (t) => {
  const dir = await tempDir(t);
  for (const [label, keyType, type] of [
    ['pkcs8-ec', 'ec', 'pkcs8'],
    ['sec1-ec', 'ec', 'sec1'],
    ['pkcs1-rsa', 'rsa', 'pkcs1'],
  ] as const) {
    const cert = makeCert({ keyType });
    const paths = await writeCert(dir, cert, label);
    await writeFile(paths.keyFile, cert.privateKey.export({ type, format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string);
    const creds = await loadCredentials(files({ ...paths, password: 'correct horse' }));
    assert.equal(creds.leaf?.fingerprint256, cert.x509.fingerprint256, label);
    assert.ok('key' in creds.secure && !creds.secure.key.includes('ENCRYPTED'), 'the server gets the decrypted key');
    await rejectsWith(loadCredentials(files({ ...paths, password: 'wrong' })), `ssl_password: wrong password for the key in ${paths.keyFile}`, 'ssl_password');
    await rejectsWith(loadCredentials(files(paths)), `ssl_password: not set, but the key in ${paths.keyFile} is encrypted`, 'ssl_password');
  }
});

// A key encrypted with "correct horse" (PBES2, AES-256-CBC) that the password "wrong-200" decrypts
// into well-padded garbage: OpenSSL then reports ERR_OSSL_UNSUPPORTED rather than a bad decrypt.
// Found by trying "wrong-0", "wrong-1", …; about one wrong password in 256 does this.
const WELL_PADDED_WRONG_PASSWORD = 'wrong-200';
const ENCRYPTED_KEY = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiRCAruTJ6lLwICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEJI/Sx7T2B7TWz4jTcux+0AEgZDI
uoUVnN0FlhG24WzLNLhjCanq5VAPneyjy/SqL+5Wv1m3kNujYVo2BaOMLzNvotF1
JGRb6up2cSbX42d0k7zbNHngguoKhxrbDTNJvdzqEPxkO6zJN5cwhCb4Du4WxNiq
eRy3u9Phbkcco/NnaGupe2EvRFankXvAnx6sinyWaOQEIIrabu0/w5ah7rLzYQA=
-----END ENCRYPTED PRIVATE KEY-----
`;

test('a wrong password that decrypts to well-padded garbage is still named as a wrong password', async (t) => {
  const dir = await tempDir(t);
  const paths = await writeCert(dir, makeCert({ keyType: 'ec' }), 'garbage');
  await writeFile(paths.keyFile, ENCRYPTED_KEY);
  await rejectsWith(loadCredentials(files({ ...paths, password: WELL_PADDED_WRONG_PASSWORD })), `ssl_password: wrong password for the key in ${paths.keyFile}`, 'ssl_password');
  // The right password opens it (the fixture is a real key, not just any bytes).
  await assert.rejects(loadCredentials(files({ ...paths, password: 'correct horse' })), (error: unknown) => error instanceof TlsConfigError && error.key !== 'ssl_password');
});

test('accepts a certificate chain and a key in one file', async (t) => {
  const dir = await tempDir(t);
  const root = makeCert({ commonName: 'Root', isCa: true });
  const mid = makeCert({ commonName: 'Intermediate', isCa: true, issuer: root });
  const leaf = makeCert({ issuer: mid });
  const combined = join(dir, 'combined.pem');
  await writeFile(combined, leaf.certPem + mid.certPem + leaf.keyPem);
  const creds = await loadCredentials(files({ certFile: combined }));
  assert.equal(creds.chain.length, 2);
  assert.deepEqual(creds.warnings, []);
  assert.deepEqual(creds.files, [combined]);
});

test('warns about a chain in the wrong order', async (t) => {
  const dir = await tempDir(t);
  const root = makeCert({ commonName: 'Root', isCa: true });
  const mid = makeCert({ commonName: 'Intermediate', isCa: true, issuer: root });
  const leaf = makeCert({ issuer: mid });
  const certFile = join(dir, 'chain.pem');
  const keyFile = join(dir, 'key.pem');
  await writeFile(certFile, leaf.certPem + root.certPem + mid.certPem);
  await writeFile(keyFile, leaf.keyPem);
  const creds = await loadCredentials(files({ certFile, keyFile }));
  assert.deepEqual(creds.warnings, [`ssl_cert: ${certFile}: certificate #2 did not issue certificate #1; list the server certificate first, then each issuer in order`]);
});

test('warns (but loads) an expired, a not-yet-valid and a nearly expired certificate', async (t) => {
  const dir = await tempDir(t);
  const now = Date.now();
  const expired = await writeCert(dir, makeCert({ notBefore: new Date(now - 90 * DAY), notAfter: new Date(Date.UTC(2024, 0, 31)) }), 'expired');
  const creds = await loadCredentials(files(expired));
  assert.deepEqual(creds.warnings, [`ssl_cert: ${expired.certFile}: the certificate expired on 2024-01-31; clients will reject it`]);
  const future = await writeCert(dir, makeCert({ notBefore: new Date(Date.UTC(2099, 0, 1)), notAfter: new Date(Date.UTC(2099, 6, 1)) }), 'future');
  assert.match((await loadCredentials(files(future))).warnings[0] ?? '', /is not valid until 2099-01-01; clients will reject it$/);
  const soon = await writeCert(dir, makeCert({ notAfter: new Date(now + 3 * DAY) }), 'soon');
  assert.match((await loadCredentials(files(soon))).warnings[0] ?? '', /the certificate expires on \d{4}-\d\d-\d\d \(in 3 days\)$/);
});

test('prepareHttps refuses an unknown cipher list and min_tls_version', async (t) => {
  const dir = await tempDir(t);
  const paths = await writeCert(dir, makeCert());
  await rejectsWith(prepareHttps({ ...paths, pfxFile: null, password: null, ciphers: 'NOT-A-CIPHER' }), 'ssl_ciphers: "NOT-A-CIPHER" matches no cipher this OpenSSL supports', 'ssl_ciphers');
  const ok = await prepareHttps({ ...paths, pfxFile: null, password: null, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', minVersion: 'TLSv1.3' });
  assert.equal(ok.tls.minVersion, 'TLSv1.3');
  assert.equal(parseTlsVersion('tlsv1.3'), 'TLSv1.3');
  assert.throws(() => parseTlsVersion('TLSv1.1'), (e: unknown) => e instanceof TlsConfigError && e.message === 'min_tls_version: "TLSv1.1" is not one of TLSv1.2, TLSv1.3');
});

test('loads a PKCS#12 bundle and names a wrong or missing password', { skip: OPENSSL ? false : 'openssl is not installed (needed to make a PKCS#12 file)' }, async (t) => {
  const dir = await tempDir(t);
  const cert = makeCert({ notAfter: new Date(Date.UTC(2024, 5, 1)), notBefore: new Date(Date.UTC(2024, 0, 1)) });
  const paths = await writeCert(dir, cert);
  const pfxFile = join(dir, 'bundle.p12');
  const made = await run('openssl', ['pkcs12', '-export', '-inkey', paths.keyFile, '-in', paths.certFile, '-out', pfxFile, '-passout', 'pass:s3cret']);
  assert.equal(made.code, 0, made.stderr);
  const creds = await loadCredentials(files({ pfxFile, password: 's3cret' }));
  assert.equal(creds.leaf?.fingerprint256, cert.x509.fingerprint256, 'the certificate is read out of the bundle');
  assert.deepEqual(creds.warnings, [`ssl_pfx: ${pfxFile}: the certificate expired on 2024-06-01; clients will reject it`]);
  await rejectsWith(loadCredentials(files({ pfxFile, password: 'nope' })), `ssl_password: wrong password for ${pfxFile}`, 'ssl_password');
  await rejectsWith(loadCredentials(files({ pfxFile })), `ssl_password: not set, but ${pfxFile} is password-protected`, 'ssl_password');
  await rejectsWith(loadCredentials(files({ pfxFile, certFile: paths.certFile })), `ssl_pfx: ${pfxFile}: cannot be combined with ssl_cert/ssl_key; use one or the other`, 'ssl_pfx');
  await assert.rejects(loadCredentials(files({ pfxFile: paths.certFile })), /^TlsConfigError: ssl_pfx: .*: not a PKCS#12 file OpenSSL can read/);
});

test('maps the configuration keys onto prepareHttps options', async (t) => {
  const dir = await tempDir(t);
  const paths = await writeCert(dir, makeCert());
  const options = httpsOptionsFromConfig({ ssl_cert: paths.certFile, ssl_key: paths.keyFile, ssl_pfx: null, ssl_password: null, min_tls_version: 'TLSv1.3', ssl_ciphers: null, state_dir: join(dir, 'state'), http2: false });
  assert.deepEqual(options, { certFile: paths.certFile, keyFile: paths.keyFile, pfxFile: null, password: null, minVersion: 'TLSv1.3', ciphers: null, stateDir: join(dir, 'state'), http2: false });
  const prepared = await prepareHttps(options);
  assert.equal(prepared.tls.minVersion, 'TLSv1.3');
  assert.deepEqual(prepared.tls.ALPNProtocols, ['http/1.1'], 'http2 false: no h2 in ALPN');
  assert.equal(prepared.devCertificate, null);
});
