// Certificate reloads: on file change and on SIGHUP, new connections get the new certificate while
// connections already open keep working; a bad set of files leaves the old certificate in service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { prepareHttps, startHttpsServices, type HttpsServiceOptions } from '../../src/tls/https.ts';
import { makeCert, openTls, requestOn, startHttps, tempDir, writeCert, type TestCert } from '../support/tls-helpers.ts';

interface Log {
  lines: string[];
  logger: HttpsServiceOptions['logger'];
  next(pattern: RegExp): Promise<string>;
}

/** A logger whose lines can be awaited. */
function captureLog(): Log {
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const push = (level: string) => (message: string) => {
    const line = `${level} ${message}`;
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  return {
    lines,
    logger: { info: push('INFO'), warn: push('WARN'), error: push('ERROR') },
    next: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
  };
}

async function setup(t: Parameters<typeof tempDir>[0], services: Partial<HttpsServiceOptions>, minVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2') {
  const dir = await tempDir(t);
  const a = makeCert({ commonName: 'first' });
  const b = makeCert({ commonName: 'second' });
  const paths = await writeCert(dir, a);
  const prepared = await prepareHttps({ ...paths, pfxFile: null, password: null, minVersion });
  const { server, port } = await startHttps(t, prepared.tls);
  const log = captureLog();
  const running = await startHttpsServices(prepared, server, { logger: log.logger, ...services });
  t.after(() => running.close(100));
  const install = async (cert: TestCert): Promise<void> => {
    await writeFile(paths.keyFile, cert.keyPem);
    await writeFile(paths.certFile, cert.certPem);
  };
  return { a, b, paths, port, log, running, install, ca: a.certPem + b.certPem };
}

test('a changed certificate file is picked up; the open keep-alive connection keeps working', async (t) => {
  const { a, b, port, log, install, ca } = await setup(t, { pollIntervalMs: 50, debounceMs: 100, reloadSignal: null });
  const old = await openTls(port, { ca });
  t.after(() => old.destroy());
  assert.match(await requestOn(old, '/before'), /^HTTP\/1\.1 200 OK/);
  assert.equal(old.getPeerCertificate().fingerprint256, a.x509.fingerprint256);

  const reloaded = log.next(/reloaded after a file change/);
  await install(b);
  const line = await reloaded;
  assert.ok(line.includes(b.x509.fingerprint256), line);

  // The connection made before the reload is the same socket, still open, still answering.
  assert.equal(old.destroyed, false);
  assert.match(await requestOn(old, '/after'), /^HTTP\/1\.1 200 OK/);
  assert.equal(old.getPeerCertificate().fingerprint256, a.x509.fingerprint256);
  // A new connection sees the new certificate.
  const fresh = await openTls(port, { ca });
  t.after(() => fresh.destroy());
  assert.equal(fresh.getPeerCertificate().fingerprint256, b.x509.fingerprint256);
  assert.match(await requestOn(fresh, '/'), /^HTTP\/1\.1 200 OK/);
});

test('SIGHUP reloads the certificate, and the TLS settings survive the reload', async (t) => {
  const { b, port, log, install, ca } = await setup(t, { watchFiles: false, reloadSignal: 'SIGHUP' }, 'TLSv1.3');
  await install(b);
  const reloaded = log.next(/reloaded on signal/);
  process.kill(process.pid, 'SIGHUP');
  await reloaded;
  const fresh = await openTls(port, { ca });
  t.after(() => fresh.destroy());
  assert.equal(fresh.getPeerCertificate().fingerprint256, b.x509.fingerprint256);
  // min_tls_version still applies to the new context.
  await assert.rejects(openTls(port, { ca, maxVersion: 'TLSv1.2' }));
});

test('a key that does not match keeps the previous certificate in service', async (t) => {
  const { a, b, paths, port, log, running, ca } = await setup(t, { watchFiles: false, reloadSignal: null });
  await writeFile(paths.certFile, b.certPem); // the certificate changed, the key did not (yet)
  assert.equal(await running.reloader!.reload(), false);
  assert.match(log.lines.at(-1) ?? '', /^ERROR TLS certificate reload on request failed; still serving the previous certificate: ssl_key: .*: the key does not match the certificate in ssl_cert$/);
  const socket = await openTls(port, { ca });
  t.after(() => socket.destroy());
  assert.equal(socket.getPeerCertificate().fingerprint256, a.x509.fingerprint256);
  // Once the key arrives, the pair goes into service.
  await writeFile(paths.keyFile, b.keyPem);
  assert.equal(await running.reloader!.reload(), true);
  const fresh = await openTls(port, { ca });
  t.after(() => fresh.destroy());
  assert.equal(fresh.getPeerCertificate().fingerprint256, b.x509.fingerprint256);
});

test('a reload warns about an expired replacement but installs it', async (t) => {
  const { paths, log, running } = await setup(t, { watchFiles: false, reloadSignal: null });
  const expired = makeCert({ notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2021, 0, 1)) });
  await writeFile(paths.keyFile, expired.keyPem);
  await writeFile(paths.certFile, expired.certPem);
  assert.equal(await running.reloader!.reload(), true);
  assert.ok(log.lines.some((l) => /^WARN ssl_cert: .*: the certificate expired on 2021-01-01; clients will reject it$/.test(l)), log.lines.join('\n'));
});
