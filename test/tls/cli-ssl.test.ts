// `httpcraft --ssl` end to end: the CLI makes (then reuses) the development certificate, prints its
// fingerprint, serves HTTPS; bad certificate files stop it with one line naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Agent, fetch } from 'undici';
import { makeCert, tempDir, writeCert } from '../support/tls-helpers.ts';

const CLI = resolve('dist/src/cli.js');
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Starts the CLI; resolves once the banner shows the fingerprint, with the lines printed so far. */
function startCli(t: Parameters<typeof tempDir>[0], cwd: string, args: string[]): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (/TLS: SHA-256 fingerprint .*\n/.test(out) && /TLS: to trust it|TLS: TLSv/.test(out)) done({ child, lines: out.split('\n') });
    });
    child.on('exit', (code) => fail(new Error(`cli exited (${code}): ${err}${out}`)));
  });
}

function stopCli(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => done(code));
    child.kill('SIGTERM');
  });
}

function runCli(cwd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code, stderr }));
  });
}

test('--ssl with no files makes a development certificate, shows its fingerprint, serves HTTPS and reuses it', async (t) => {
  const dir = await tempDir(t);
  const root = join(dir, 'site');
  await mkdir(root);
  await writeFile(join(root, 'index.html'), 'hello over tls\n');
  const { child, lines } = await startCli(t, dir, ['--ssl', '-H', '127.0.0.1', '-p', '0', root]);
  const url = /(https:\/\/127\.0\.0\.1:\d+\/)/.exec(lines.join('\n'))?.[1];
  assert.ok(url, lines.join('\n'));
  const fingerprint = /TLS: SHA-256 fingerprint ([0-9A-F:]+)/.exec(lines.join('\n'))?.[1];
  assert.match(lines.join('\n'), /self-signed development certificate \(new: there was none\)/);
  const certFile = join(dir, '.httpcraft', 'tls', 'dev-cert.pem');
  const cert = await readFile(certFile);
  assert.equal(new X509Certificate(cert).fingerprint256, fingerprint);
  assert.equal((await stat(join(dir, '.httpcraft', 'tls', 'dev-key.pem'))).mode & 0o777, 0o600);
  const agent = new Agent({ connect: { ca: cert } });
  t.after(() => agent.close());
  const res = await fetch(url, { dispatcher: agent });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'hello over tls\n');
  assert.equal(await stopCli(child), 0);

  const again = await startCli(t, dir, ['--ssl', '-H', '127.0.0.1', '-p', '0', root]);
  assert.match(again.lines.join('\n'), /development certificate \(reused\)/);
  assert.ok(again.lines.join('\n').includes(`TLS: SHA-256 fingerprint ${fingerprint}`));
  assert.equal(await stopCli(again.child), 0);
});

test('--ssl-cert/--ssl-key problems stop the CLI with one line naming the key', async (t) => {
  const dir = await tempDir(t);
  const a = await writeCert(dir, makeCert(), 'a');
  const b = await writeCert(dir, makeCert(), 'b');
  const mismatch = await runCli(dir, ['--ssl', '--ssl-cert', a.certFile, '--ssl-key', b.keyFile, '-p', '0', dir]);
  assert.equal(mismatch.code, 2);
  assert.match(mismatch.stderr, new RegExp(`^httpcraft: ssl_key: ${escape(b.keyFile)}: the key does not match the certificate in ssl_cert\n`));
  const missing = await runCli(dir, ['--ssl-cert', join(dir, 'nope.pem'), '--ssl-key', a.keyFile, '-p', '0', dir]);
  assert.equal(missing.code, 2);
  // A certificate flag implies --ssl; the missing file is named with the flag that gave it.
  assert.match(missing.stderr, new RegExp(`^httpcraft: --ssl-cert: ssl_cert "${escape(join(dir, 'nope.pem'))}" does not exist\n`));
});

test('--ssl-cert/--ssl-key serve the given certificate', async (t) => {
  const dir = await tempDir(t);
  const cert = makeCert();
  const paths = await writeCert(dir, cert);
  const { child, lines } = await startCli(t, dir, ['--ssl', '--ssl-cert', paths.certFile, '--ssl-key', paths.keyFile, '-H', '127.0.0.1', '-p', '0', dir]);
  assert.ok(lines.join('\n').includes(`TLS: certificate ${paths.certFile} (CN=localhost)`));
  assert.ok(lines.join('\n').includes(cert.x509.fingerprint256));
  const url = /(https:\/\/127\.0\.0\.1:\d+\/)/.exec(lines.join('\n'))?.[1] ?? '';
  const agent = new Agent({ connect: { ca: cert.certPem } });
  t.after(() => agent.close());
  const res = await fetch(url + 'server-cert.pem', { dispatcher: agent });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), cert.certPem);
  assert.equal(await stopCli(child), 0);
});
