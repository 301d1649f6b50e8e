import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEV_CERT_RENEW_DAYS, DEV_CERT_VALIDITY_DAYS, devCertificateNames, ensureDevCertificate } from '../../src/tls/self-signed.ts';
import { hasBinary, makeCert, run, tempDir } from '../support/tls-helpers.ts';

const NAMES = { dnsNames: ['localhost', 'devbox'], ipAddresses: ['127.0.0.1', '::1', '192.168.7.9'] };
const DAY = 86_400_000;

test('makes a development certificate for localhost, loopback and LAN names, with a private key file', async (t) => {
  const dir = await tempDir(t);
  const now = new Date();
  const dev = await ensureDevCertificate({ stateDir: join(dir, 'state'), names: NAMES, now });
  assert.equal(dev.created, true);
  assert.equal(dev.certFile, join(dir, 'state', 'tls', 'dev-cert.pem'));
  const x = new X509Certificate(await readFile(dev.certFile));
  assert.equal(x.fingerprint256, dev.x509.fingerprint256);
  for (const name of NAMES.dnsNames) assert.equal(x.checkHost(name), name);
  for (const ip of NAMES.ipAddresses) assert.equal(x.checkIP(ip), ip);
  assert.equal(x.publicKey.asymmetricKeyType, 'ec');
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(x.verify(x.publicKey));
  const days = (new Date(x.validTo).getTime() - now.getTime()) / DAY;
  assert.ok(days > DEV_CERT_VALIDITY_DAYS - 1 && days <= 398, `valid for ${days} days`);
  assert.ok(new Date(x.validFrom).getTime() < now.getTime());
  assert.equal((await stat(dev.keyFile)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'state', 'tls'))).mode & 0o077, 0);
});

test('reuses the stored certificate while it is fresh and covers every name', async (t) => {
  const dir = await tempDir(t);
  const first = await ensureDevCertificate({ stateDir: dir, names: NAMES });
  const second = await ensureDevCertificate({ stateDir: dir, names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } });
  assert.equal(second.created, false);
  assert.equal(second.x509.fingerprint256, first.x509.fingerprint256);
});

test('replaces the certificate when a new LAN address appears', async (t) => {
  const dir = await tempDir(t);
  const first = await ensureDevCertificate({ stateDir: dir, names: NAMES });
  const second = await ensureDevCertificate({ stateDir: dir, names: { ...NAMES, ipAddresses: [...NAMES.ipAddresses, '10.0.0.5'] } });
  assert.equal(second.created, true);
  assert.match(second.reason, /does not cover 10\.0\.0\.5/);
  assert.notEqual(second.x509.fingerprint256, first.x509.fingerprint256);
  assert.equal(second.x509.checkIP('10.0.0.5'), '10.0.0.5');
});

test('replaces the certificate when it nears expiry', async (t) => {
  const dir = await tempDir(t);
  await ensureDevCertificate({ stateDir: dir, names: NAMES });
  const later = new Date(Date.now() + (DEV_CERT_VALIDITY_DAYS - DEV_CERT_RENEW_DAYS + 1) * DAY);
  const renewed = await ensureDevCertificate({ stateDir: dir, names: NAMES, now: later });
  assert.equal(renewed.created, true);
  assert.match(renewed.reason, /expires on/);
  assert.ok(new Date(renewed.x509.validTo).getTime() > later.getTime() + 300 * DAY);
});

test('replaces a damaged or mismatched pair and tightens a loosened key mode', async (t) => {
  const dir = await tempDir(t);
  const dev = await ensureDevCertificate({ stateDir: dir, names: NAMES });
  await writeFile(dev.keyFile, makeCert().keyPem);
  const again = await ensureDevCertificate({ stateDir: dir, names: NAMES });
  assert.equal(again.created, true);
  assert.match(again.reason, /does not match/);
  await writeFile(again.certFile, 'garbage');
  const third = await ensureDevCertificate({ stateDir: dir, names: NAMES });
  assert.match(third.reason, /unreadable/);
  const { chmod } = await import('node:fs/promises');
  await chmod(third.keyFile, 0o644);
  const fourth = await ensureDevCertificate({ stateDir: dir, names: NAMES });
  assert.equal(fourth.created, false);
  assert.equal((await stat(fourth.keyFile)).mode & 0o777, 0o600);
});

test('lists localhost, both loopback addresses and no link-local address by default', () => {
  const names = devCertificateNames();
  assert.ok(names.dnsNames.includes('localhost'));
  assert.ok(names.ipAddresses.includes('127.0.0.1'));
  assert.ok(names.ipAddresses.includes('::1'));
  assert.ok(!names.ipAddresses.some((ip) => /^fe80/i.test(ip)));
});

test('openssl x509 reads the generated development certificate', { skip: hasBinary('openssl') ? false : 'openssl is not installed' }, async (t) => {
  const dir = await tempDir(t);
  const dev = await ensureDevCertificate({ stateDir: dir, names: NAMES });
  const out = await run('openssl', ['x509', '-in', dev.certFile, '-noout', '-text', '-fingerprint', '-sha256']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /DNS:localhost, DNS:devbox, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192\.168\.7\.9/);
  assert.ok(out.stdout.includes(dev.x509.fingerprint256), 'same SHA-256 fingerprint as node reports');
  const key = await run('openssl', ['pkey', '-in', dev.keyFile, '-noout', '-text']);
  assert.equal(key.code, 0, key.stderr);
  assert.match(key.stdout, /prime256v1|P-256/);
});
