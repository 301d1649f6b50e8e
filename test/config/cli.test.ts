// The CLI as a user runs it: banner, exit statuses, --help/--version/--print-config, a port in use,
// access logs wired to requests, and graceful shutdown that flushes the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KEYS, kebab, type KeySpec } from '../../src/config/keys.ts';
import { VERSION } from '../../src/version.ts';
import { runCli, startCli, tempDir } from '../support/config-helpers.ts';

async function site(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; root: string }> {
  const dir = await tempDir(t);
  const root = join(dir, 'public');
  await mkdir(root);
  await writeFile(join(root, 'index.html'), '<h1>hello</h1>');
  return { dir, root };
}

test('banner: name, version, root, every URL, features; serves; SIGTERM stops cleanly', async (t) => {
  const { dir, root } = await site(t);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--directory-listing', 'public'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/Local +http:\/\/localhost:(\d+)\//);
  const banner = run.stdout();
  assert.match(banner, new RegExp(`httpcraft ${VERSION.replaceAll('.', '\\.')}`));
  assert.match(banner, new RegExp(`Serving +${root.replaceAll('/', '\\/')}`));
  assert.ok(banner.includes(`http://127.0.0.1:${port}/`));
  assert.match(banner, /Features +directory listing, cache \(100 files\), compression, workers: 1/);
  assert.ok(!banner.includes('\x1b['), 'no colors when stdout is not a terminal');
  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '<h1>hello</h1>');
  await run.waitFor(/"GET \/ HTTP\/1\.1" 200 14\n/);
  run.child.kill('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 0);
  assert.match(run.stdout(), /SIGTERM: finishing in-flight requests/);
});

test('HTTPS: the banner shows https:// URLs', async (t) => {
  const { dir } = await site(t);
  const { execFileSync } = await import('node:child_process');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--ssl', '--ssl-cert', 'cert.pem', '--ssl-key', 'key.pem', 'public'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/https:\/\/127\.0\.0\.1:(\d+)\//);
  assert.match(run.stdout(), /Features +HTTPS with HTTP\/2, /);
  const out = execFileSync('curl', ['-sk', `https://127.0.0.1:${port}/`], { encoding: 'utf8' });
  assert.equal(out, '<h1>hello</h1>');
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

test('a port in use: one line with a suggestion, exit status 1, no stack trace', async (t) => {
  const { dir } = await site(t);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => blocker.close(() => r())));
  const port = (blocker.address() as AddressInfo).port;
  const r = await runCli(['-H', '127.0.0.1', '-p', String(port), 'public'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `httpcraft: port ${port} on 127.0.0.1 is already in use (is another server running?); stop it, or pick another port: --port ${port + 1} (or -p 0 for any free port)\n`);
  assert.ok(!r.stdout.includes('Local'), 'no banner');
});

test('usage and config errors exit with status 2 before listening', async (t) => {
  const { dir } = await site(t);
  const r = await runCli(['--prot', '80', 'public'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'httpcraft: --prot: unknown option; did you mean --port? (see --help)\nhttpcraft: run "httpcraft --help" for the options\n');
  await writeFile(join(dir, 'config.json'), '{\n  "port": 8000,\n  "document_root": "public"\n  "host": "127.0.0.1"\n}\n');
  const r2 = await runCli([], { cwd: dir });
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /^httpcraft: config\.json:4:3: malformed JSON: /);
  const r3 = await runCli(['-c', 'config.json', 'nowhere'], { cwd: dir, env: { HTTPCRAFT_PORT: '99999' } });
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /HTTPCRAFT_PORT: "99999" is not valid for port: out of range/);
  const r4 = await runCli(['public'], { cwd: dir, env: { HTTPCRAFT_PROT: '1', HTTPCRAFT_CONFIG: 'none.json' } });
  assert.equal(r4.code, 2);
  assert.equal(r4.stderr, 'httpcraft: warning: HTTPCRAFT_PROT: unknown setting, ignored; did you mean HTTPCRAFT_PORT?\nhttpcraft: HTTPCRAFT_CONFIG: config file "none.json" does not exist\nhttpcraft: run "httpcraft --help" for the options\n');
});

test('a second signal during a graceful stop exits at once', async (t) => {
  const { dir } = await site(t);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--shutdown-timeout', '120', '--headers-timeout', '120', '--request-timeout', '120', 'public'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  // A request whose head never completes keeps the graceful stop waiting.
  const { connect } = await import('node:net');
  const socket = connect(Number(port), '127.0.0.1');
  t.after(() => socket.destroy());
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', r));
  // One whole request and the start of a second in one write: once the first response arrives,
  // the server has read the partial head too.
  const answered = new Promise<void>((r) => socket.once('data', () => r()));
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n');
  await answered;
  run.child.kill('SIGTERM');
  await run.waitFor(/SIGTERM: finishing in-flight requests \(up to 120s\)/);
  run.child.kill('SIGINT');
  const { code } = await run.exited;
  assert.equal(code, 1);
  assert.match(run.stdout(), /WARNING SIGINT again: exiting without waiting/);
});

test('--help lists every key\'s flag; --version prints the version; both ignore a broken config file', async (t) => {
  const { dir } = await site(t);
  await writeFile(join(dir, 'config.json'), '{ broken');
  const help = await runCli(['--help'], { cwd: dir });
  assert.equal(help.code, 0);
  for (const spec of KEYS as readonly KeySpec[]) assert.ok(help.stdout.includes(`--${kebab(spec.key)}`), spec.key);
  for (const legacy of ['--directory', '--max-threads', '--enable-directory-listing', '--no-color', '--ssl', '-H, --host', '-p, --port', '-d, --document-root']) assert.ok(help.stdout.includes(legacy), legacy);
  const version = await runCli(['-V'], { cwd: dir });
  assert.deepEqual([version.code, version.stdout], [0, `httpcraft ${VERSION}\n`]);
});

test('--print-config shows the merged values and where each came from', async (t) => {
  const { dir } = await site(t);
  await writeFile(join(dir, 'config.json'), '{"port": 8100, "enable_directory_listing": true, "log_level": "WARNING"}');
  const r = await runCli(['--print-config', '--log-level', 'ERROR'], { cwd: dir, env: { HTTPCRAFT_PORT: '8200', HTTPCRAFT_HOST: '127.0.0.1' } });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^port +8200 +# HTTPCRAFT_PORT$/m);
  assert.match(r.stdout, /^host +"127\.0\.0\.1" +# HTTPCRAFT_HOST$/m);
  assert.match(r.stdout, /^log_level +"ERROR" +# --log-level$/m);
  assert.match(r.stdout, /^directory_listing +true +# config\.json:\$\.enable_directory_listing$/m);
  assert.match(r.stdout, /^keep_alive_timeout +5 +# default$/m);
  const secret = await runCli(['--print-config', '--ssl-password', 'hunter2'], { cwd: dir, env: { HTTPCRAFT_STATUS_TOKEN: 's3cret' } });
  assert.ok(!secret.stdout.includes('hunter2') && !secret.stdout.includes('s3cret'), 'secrets are not printed');
  assert.match(secret.stdout, /^ssl_password +"\(set\)" +# --ssl-password$/m);
  assert.match(secret.stdout, /^status_token +"\(set\)" +# HTTPCRAFT_STATUS_TOKEN$/m);
  const j = await runCli(['--print-config=json'], { cwd: dir });
  assert.deepEqual((JSON.parse(j.stdout) as Record<string, unknown>).port, { value: 8100, source: 'config.json:$.port' });
});
