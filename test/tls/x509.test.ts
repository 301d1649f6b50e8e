import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCertificate, ipBytes, isDnsName } from '../../src/tls/x509.ts';
import { hasBinary, makeCert, run, tempDir } from '../support/tls-helpers.ts';

const OPENSSL = hasBinary('openssl');

test('builds a self-signed ECDSA P-256 certificate that node:crypto parses and verifies', () => {
  const cert = makeCert({ dnsNames: ['localhost', 'example.test'], ipAddresses: ['127.0.0.1', '::1', '10.1.2.3'] });
  const x = cert.x509;
  assert.equal(x.subject, 'CN=localhost');
  assert.equal(x.issuer, 'CN=localhost');
  assert.ok(x.verify(cert.publicKey), 'signature verifies with its own key');
  assert.ok(x.checkPrivateKey(cert.privateKey));
  assert.equal(x.ca, false);
  assert.equal(x.checkHost('example.test'), 'example.test');
  assert.equal(x.checkHost('other.test'), undefined);
  assert.equal(x.checkIP('::1'), '::1');
  assert.equal(x.checkIP('10.1.2.3'), '10.1.2.3');
  assert.equal(x.checkIP('10.1.2.4'), undefined);
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1']); // node's keyUsage is the extended key usage: serverAuth
  assert.ok(x.fingerprint256.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/));
});

test('signs with RSA and Ed25519 keys too', () => {
  for (const keyType of ['rsa', 'ed25519'] as const) {
    const cert = makeCert({ keyType });
    assert.ok(cert.x509.verify(cert.publicKey), keyType);
    assert.ok(cert.x509.checkPrivateKey(cert.privateKey), keyType);
  }
});

test('builds a chain: a CA signs an intermediate that signs a server certificate', () => {
  const root = makeCert({ commonName: 'Test Root', isCa: true });
  const mid = makeCert({ commonName: 'Test Intermediate', isCa: true, issuer: root });
  const leaf = makeCert({ commonName: 'localhost', issuer: mid });
  assert.equal(root.x509.ca, true);
  assert.ok(leaf.x509.checkIssued(mid.x509));
  assert.ok(leaf.x509.verify(mid.publicKey));
  assert.ok(mid.x509.verify(root.publicKey));
  assert.ok(!leaf.x509.verify(root.publicKey));
  assert.equal(leaf.x509.issuer, 'CN=Test Intermediate');
});

test('keeps serials positive and validity dates exact', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const notBefore = new Date(Date.UTC(2030, 0, 1, 0, 0, 0));
  const notAfter = new Date(Date.UTC(2051, 5, 1, 12, 0, 0)); // GeneralizedTime territory
  const { pem } = buildCertificate({ subject: { commonName: 'x', organization: 'Org' }, publicKey, signingKey: privateKey, serial: Buffer.from([0xff, 0x01]), notBefore, notAfter });
  const x = new X509Certificate(pem);
  // The builder prefixes a zero octet so a serial with its top bit set stays positive.
  assert.match(x.serialNumber, /^(00)?FF01$/i);
  assert.equal(new Date(x.validFrom).getTime(), notBefore.getTime());
  assert.equal(new Date(x.validTo).getTime(), notAfter.getTime());
  assert.equal(x.subject, 'O=Org\nCN=x');
  assert.throws(() => buildCertificate({ subject: { commonName: 'x' }, publicKey, signingKey: privateKey, serial: Buffer.alloc(21, 1), notBefore, notAfter }), RangeError);
});

test('encodes IPv4 and every IPv6 spelling as iPAddress octets', () => {
  assert.equal(ipBytes('192.168.1.20').toString('hex'), 'c0a80114');
  assert.equal(ipBytes('::1').toString('hex'), '00000000000000000000000000000001');
  assert.equal(ipBytes('::').toString('hex'), '0'.repeat(32));
  assert.equal(ipBytes('fe80::1%eth0').toString('hex'), 'fe800000000000000000000000000001');
  assert.equal(ipBytes('2001:db8::8:800:200c:417a').toString('hex'), '20010db80000000000080800200c417a');
  assert.equal(ipBytes('::ffff:1.2.3.4').toString('hex'), '00000000000000000000ffff01020304');
  assert.equal(ipBytes('1:2:3:4:5:6:7:8').toString('hex'), '00010002000300040005000600070008');
  assert.equal(ipBytes('1::').toString('hex'), '0001' + '0'.repeat(28));
  assert.throws(() => ipBytes('300.1.1.1'), RangeError);
});

test('accepts only LDH host names as DNS names', () => {
  assert.ok(isDnsName('localhost'));
  assert.ok(isDnsName('my-host.local'));
  assert.ok(!isDnsName('under_score'));
  assert.ok(!isDnsName('-bad'));
  assert.ok(!isDnsName(''));
  assert.ok(!isDnsName('a..b'));
});

test('openssl accepts the certificate and shows the v3 extensions', { skip: OPENSSL ? false : 'openssl is not installed' }, async (t) => {
  const dir = await tempDir(t);
  const cert = makeCert({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] });
  const file = join(dir, 'cert.pem');
  await writeFile(file, cert.certPem);
  const out = await run('openssl', ['x509', '-in', file, '-noout', '-text']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /Version: 3 \(0x2\)/);
  assert.match(out.stdout, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(out.stdout, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(out.stdout, /X509v3 Key Usage: critical\s+Digital Signature/);
  assert.match(out.stdout, /TLS Web Server Authentication/);
  assert.match(out.stdout, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
  assert.match(out.stdout, /Subject Key Identifier/);
  // openssl's ASN.1 parser walks every element without complaint.
  const parsed = await run('openssl', ['asn1parse', '-in', file]);
  assert.equal(parsed.code, 0, parsed.stderr);
  assert.doesNotMatch(parsed.stdout + parsed.stderr, /error/i);
});

test('openssl verifies a chain built by our builder', { skip: OPENSSL ? false : 'openssl is not installed' }, async (t) => {
  const dir = await tempDir(t);
  const root = makeCert({ commonName: 'Test Root', isCa: true });
  const mid = makeCert({ commonName: 'Test Intermediate', isCa: true, issuer: root });
  const leaf = makeCert({ issuer: mid, keyType: 'rsa' });
  await writeFile(join(dir, 'root.pem'), root.certPem);
  await writeFile(join(dir, 'mid.pem'), mid.certPem);
  await writeFile(join(dir, 'leaf.pem'), leaf.certPem);
  const ok = await run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'mid.pem'), join(dir, 'leaf.pem')]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const missing = await run('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'leaf.pem')]);
  assert.notEqual(missing.code, 0);
});
