// The CLI on a first run (issue 21), as a user sees it: what the banner says (config file, write
// features, status access, the folder and port it fell back to), the default port moving on when
// busy while an asked-for port stays an error, and --open with a fake browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openerFor } from '../../src/open-browser.ts';
import { runCli, startCli, tempDir } from '../support/config-helpers.ts';

async function site(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'public'));
  await writeFile(join(dir, 'public', 'index.html'), '<h1>hello</h1>');
  return dir;
}

function listenOn(port: number, host: string): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null)); // already taken by someone else: busy all the same
    s.listen(port, host, () => resolve(s));
  });
}

test('banner: "Config none", read-only, status for loopback only; a ./config.json of another tool is named as ignored', async (t) => {
  const dir = await site(t);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', dependencies: {} }));
  const run = startCli(['-H', '127.0.0.1', '-p', '0', 'public'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const banner = run.stdout();
  assert.match(banner, /\n {2}Config {4}none \(config\.json is not an httpcraft config: ignored\)\n/);
  assert.match(banner, /\n {2}Writes {4}none \(read-only\)\n/);
  assert.match(banner, /\n {2}Status {4}\/server-status, \/metrics: loopback clients only\n/);
  assert.match(run.stderr(), /^httpcraft: warning: \.\/config\.json is not an httpcraft config \(none of its keys is an httpcraft setting: "name", "version", "dependencies"\), so it is ignored; "-c config\.json" reads it anyway, --no-config skips it\n$/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

test('banner: the config file loaded, every write feature that is on, and who may see status', async (t) => {
  const dir = await site(t);
  await writeFile(join(dir, 'site.json'), JSON.stringify({ document_root: 'public', enable_file_uploads: true, enable_delete: true, enable_mkdir: true, status_allow: ['10.0.0.0/8'], status_token: 'tok' }));
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '-c', 'site.json'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor(/Press Ctrl\+C/);
  const banner = run.stdout();
  assert.match(banner, /\n {2}Config {4}site\.json\n/);
  const writes = banner.slice(banner.indexOf('  Writes'), banner.indexOf('  Status'));
  assert.match(writes, /^ {2}Writes {4}uploads enabled .*POST \/submit → .*uploads\n/);
  for (const part of [/PUT /, /MKCOL/, /DELETE/]) assert.match(writes, part);
  assert.match(banner, /\n {2}Status {4}\/server-status, \/metrics: clients in 10\.0\.0\.0\/8, or with the status token\n/);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

test('no root and no ./htdocs: the current folder is served, and the banner says so', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'hello.txt'), 'from the current folder');
  const run = startCli(['-H', '127.0.0.1', '-p', '0'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  assert.match(run.stdout(), /\n {2}Serving {3}\S+ \(the current folder: no \.\/htdocs here\)\n/);
  const res = await fetch(`http://127.0.0.1:${port}/hello.txt`);
  assert.equal(await res.text(), 'from the current folder');
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

test('the default port busy and no port given: the next free one, said in the banner and the log', async (t) => {
  const dir = await site(t);
  // 8000 is taken (by us, or already by something else on this machine).
  const blocker = await listenOn(8000, '127.0.0.1');
  t.after(() => blocker?.close());
  const run = startCli(['-H', '127.0.0.1', 'public'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const p = Number(port);
  assert.ok(p > 8000 && p < 8020, `port ${p}`);
  assert.match(run.stdout(), new RegExp(`\\n {2}Port {6}${p} \\(8000 is in use\\)\\n`));
  await run.waitFor(new RegExp(`INFO +port 8000 is in use; listening on ${p} instead`));
  assert.equal((await fetch(`http://127.0.0.1:${p}/`)).status, 200);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

test('a port that was asked for (PORT, HTTPCRAFT_PORT, config file) stays a clear start-up error when busy', async (t) => {
  const dir = await site(t);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => blocker.close(() => r())));
  const busy = (blocker.address() as AddressInfo).port;
  const expected = `httpcraft: port ${busy} on 127.0.0.1 is already in use (is another server running?); stop it, or pick another port: --port ${busy + 1} (or -p 0 for any free port)\n`;
  for (const env of [{ PORT: String(busy) }, { HTTPCRAFT_PORT: String(busy) }]) {
    const r = await runCli(['-H', '127.0.0.1', 'public'], { cwd: dir, env });
    assert.deepEqual([r.code, r.stderr], [1, expected], JSON.stringify(env));
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify({ port: busy }));
  const r = await runCli(['-H', '127.0.0.1', 'public'], { cwd: dir });
  assert.deepEqual([r.code, r.stderr], [1, expected]);
});

test('--open starts $BROWSER with the first local URL, after listening', async (t) => {
  const dir = await site(t);
  const opened = join(dir, 'opened.txt');
  const fake = join(dir, 'fake-browser.sh');
  await writeFile(fake, `#!/bin/sh\nprintf '%s' "$*" > '${opened}'\n`);
  await chmod(fake, 0o755);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--open', 'public'], { cwd: dir, env: { BROWSER: fake } });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  let text = '';
  for (let i = 0; i < 100 && text === ''; i++) {
    text = await readFile(opened, 'utf8').catch(() => '');
    if (text === '') await sleep(50);
  }
  assert.equal(text, `http://localhost:${port}/`);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

test('--open with a browser that cannot run is a warning; the server keeps serving', async (t) => {
  const dir = await site(t);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--open', 'public'], { cwd: dir, env: { BROWSER: join(dir, 'no-such-browser') } });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  await run.waitFor(/WARNING --open: cannot open a browser \(\S+no-such-browser is not installed\); open http:\/\/localhost:\d+\/ yourself/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

test('the opener by platform; $BROWSER with arguments, %s, a list, or "none"', () => {
  const url = 'http://localhost:8000/';
  assert.deepEqual(openerFor(url, 'linux', {}), { command: 'xdg-open', args: [url] });
  assert.deepEqual(openerFor(url, 'darwin', {}), { command: 'open', args: [url] });
  assert.deepEqual(openerFor(url, 'win32', {}), { command: 'cmd', args: ['/c', 'start', '""', url] });
  assert.deepEqual(openerFor(url, 'linux', { BROWSER: 'firefox --new-tab' }), { command: 'firefox', args: ['--new-tab', url] });
  assert.deepEqual(openerFor(url, 'linux', { BROWSER: 'chromium --app=%s' }), { command: 'chromium', args: [`--app=${url}`] });
  assert.deepEqual(openerFor(url, 'linux', { BROWSER: 'w3m:lynx' }), { command: 'w3m', args: [url] });
  assert.equal(openerFor(url, 'linux', { BROWSER: 'none' }), null);
});
