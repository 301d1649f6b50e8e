// The issue's contract, checked as a new user would: through the real command line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { CLI, runCli, startCli, tempDir } from '../support/config-helpers.ts';
import { raw } from '../support/static-helpers.ts';

/** `printf 'secret\n' | httpcraft hash-password [args]`. */
function hashPasswordCli(input: string, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'hash-password', ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const basic = (u: string, p: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

async function site(t: { after(fn: () => Promise<void> | void): void }, config: unknown): Promise<{ dir: string; file: string }> {
  const dir = await tempDir(t, 'httpcraft-access-');
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  const file = join(dir, 'site.json');
  await writeFile(file, JSON.stringify(config));
  return { dir, file };
}

test('printf secret | httpcraft hash-password prints one line the users key accepts; the alice config answers 401/200/401', async (t) => {
  const hashed = await hashPasswordCli('secret\n');
  assert.equal(hashed.code, 0, hashed.stderr);
  const lines = hashed.stdout.split('\n');
  assert.equal(lines.length, 2);
  assert.equal(lines[1], '');
  assert.match(lines[0]!, /^\$scrypt\$ln=14,r=8,p=1\$/);
  const { dir, file } = await site(t, { users: [{ name: 'alice', password_hash: lines[0] }], access: [{ path: '/**', allow: ['alice'] }] });
  const run = startCli(['-c', file, '-p', '0', '-H', '127.0.0.1', '--access-log', 'off', join(dir, 'www')], { cwd: dir });
  t.after(() => {
    run.child.kill('SIGKILL');
  });
  const port = Number((await run.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const none = await raw(port, '/');
  assert.equal(none.status, 401);
  assert.match(none.h('www-authenticate') ?? '', /^Basic realm="httpcraft", charset="UTF-8"$/);
  const ok = await raw(port, '/', basic('alice', 'secret'));
  assert.equal(ok.status, 200);
  assert.equal(ok.body.toString(), 'hello');
  assert.equal((await raw(port, '/', basic('alice', 'wrong'))).status, 401);
  run.child.kill('SIGTERM');
  await run.exited;
});

test('hash-password refuses a password on the command line; --token hashes a token for the tokens key', async () => {
  const refused = await hashPasswordCli('', ['secret']);
  assert.equal(refused.code, 2);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /takes no password on the command line/);
  const token = await hashPasswordCli('0123456789abcdef0123\n', ['--token']);
  assert.equal(token.code, 0);
  assert.match(token.stdout, /^\$sha256\$[A-Za-z0-9+/]{43}\n$/);
  assert.equal((await hashPasswordCli('short\n', ['--token'])).code, 2);
  assert.equal((await hashPasswordCli('\n')).code, 2);
  const help = await runCli(['--help'], { cwd: process.cwd() });
  assert.match(help.stdout, /httpcraft hash-password \[--token\]/);
});

test('a plain-text password, an MD5 hash, a refused htpasswd line: the server does not start (exit 2) and says which key and user', async (t) => {
  const plain = await site(t, { users: [{ name: 'alice', password: 'secret' }] });
  const r1 = await runCli(['-c', plain.file, '-p', '0', join(plain.dir, 'www')], { cwd: plain.dir });
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /site\.json:\$\.users\[0\]\.password: .*plain-text password/);
  assert.doesNotMatch(r1.stderr, /secret/, 'the password is not echoed');

  const md5 = await site(t, { users: [{ name: 'alice', password_hash: '$apr1$abcdefgh$0123456789abcdefghijkl' }] });
  const r2 = await runCli(['-c', md5.file, '-p', '0', join(md5.dir, 'www')], { cwd: md5.dir });
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /site\.json:\$\.users\[0\]\.password_hash: .*user "alice": MD5-crypt/);

  const file = await site(t, { auth_file: 'users.htpasswd' });
  await writeFile(join(file.dir, 'users.htpasswd'), `carol:${bcrypt.hashSync('pw', 4)}\ndave:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n`);
  const r3 = await runCli(['-c', file.file, '-p', '0', join(file.dir, 'www')], { cwd: file.dir });
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /users\.htpasswd:2: user "dave": SHA-1/);

  const rules = await site(t, { access: [{ path: '/a/**', allow: '*' }, { path: '/b/**', allow: '*' }, { path: 'c/**', allow: '*' }] });
  const r4 = await runCli(['-c', rules.file, '-p', '0', join(rules.dir, 'www')], { cwd: rules.dir });
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /site\.json:\$\.access\[2\]\.path: /);

  const typo = await site(t, { users: [{ name: 'alice', password_hash: bcrypt.hashSync('pw', 4) }], access: [{ path: '/**', allow: ['alcie'] }] });
  const r5 = await runCli(['-c', typo.file, '-p', '0', join(typo.dir, 'www')], { cwd: typo.dir });
  assert.equal(r5.code, 2);
  assert.match(r5.stderr, /site\.json:\$\.access\[0\]: "alcie" is not a user or token name/);
});

test('bcrypt users from an htpasswd file sign in; --print-config never prints a hash', async (t) => {
  const hash = bcrypt.hashSync('pw', 4);
  const { dir, file } = await site(t, { auth_file: 'users.htpasswd', tokens: [{ name: 'ci', token_hash: `$sha256$${'A'.repeat(43)}` }] });
  await writeFile(join(dir, 'users.htpasswd'), `# made by htpasswd -B\ncarol:${hash.replace(/^\$2b\$/, '$2y$')}\n`);
  const printed = await runCli(['-c', file, '--print-config'], { cwd: dir });
  assert.equal(printed.code, 0);
  assert.match(printed.stdout, /tokens +\[\{"name":"ci","token_hash":"\(set\)"\}\]/);
  assert.doesNotMatch(printed.stdout, /\$sha256\$/);
  const json = await runCli(['-c', file, '--print-config=json'], { cwd: dir });
  assert.doesNotMatch(json.stdout, /AAAAAAAA/);
  const run = startCli(['-c', file, '-p', '0', '-H', '127.0.0.1', '--access-log', 'off', join(dir, 'www')], { cwd: dir });
  t.after(() => {
    run.child.kill('SIGKILL');
  });
  const port = Number((await run.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  assert.equal((await raw(port, '/')).status, 401, 'users and no rules: every path needs a sign-in');
  assert.equal((await raw(port, '/', basic('carol', 'pw'))).status, 200);
  assert.equal((await raw(port, '/', basic('carol', 'px'))).status, 401);
  run.child.kill('SIGTERM');
  await run.exited;
});

test('SIGHUP re-reads auth_file in a single process: a user added to the file can sign in, one removed cannot', async (t) => {
  const { dir, file } = await site(t, { auth_file: 'users.htpasswd' });
  const htpasswd = join(dir, 'users.htpasswd');
  await writeFile(htpasswd, `carol:${bcrypt.hashSync('pw', 4)}\n`);
  const run = startCli(['-c', file, '-p', '0', '-H', '127.0.0.1', '--access-log', 'off', join(dir, 'www')], { cwd: dir });
  t.after(() => {
    run.child.kill('SIGKILL');
  });
  const port = Number((await run.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  assert.equal((await raw(port, '/', basic('carol', 'pw'))).status, 200);
  assert.equal((await raw(port, '/', basic('erin', 'pw2'))).status, 401);
  await writeFile(htpasswd, `erin:${bcrypt.hashSync('pw2', 4)}\n`);
  run.child.kill('SIGHUP');
  await run.waitFor(/SIGHUP: .*users\.htpasswd re-read/);
  assert.equal((await raw(port, '/', basic('erin', 'pw2'))).status, 200);
  assert.equal((await raw(port, '/', basic('carol', 'pw'))).status, 401, 'a removed user is out at once, cached or not');
  run.child.kill('SIGTERM');
  await run.exited;
});
