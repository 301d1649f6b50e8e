// The server's own files are never served nor listed, whatever show_hidden_files says: the state
// folder (the development TLS private key), the log file with its rotations and per-worker files,
// the config file that was loaded, version-control folders and upload temp files. Through the real
// CLI (`httpcraft . --ssl --show-hidden-files`, as a user would start it) and through the site handler.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir } from '../support/config-helpers.ts';
import { makeTree, raw, startSite } from '../support/static-helpers.ts';
import { logFamilyPattern, protectedPaths } from '../../src/static/protected-paths.ts';
import { logFileFor } from '../../src/cluster/cli-server.ts';
import { tempPathIn } from '../../src/uploads/save-upload.ts';
import { isUploadTempName } from '../../src/uploads/temp-name.ts';

/** GET over HTTPS, trusting the self-signed development certificate (this test only). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const NEVER = [
  '/.httpcraft/tls/dev-key.pem',
  '/.httpcraft/tls/',
  '/.httpcraft/',
  '/.httpcraft',
  '/config.json',
  '/server.log',
  '/server.log.1',
  '/server.log.2.gz',
  '/server.worker-1.log',
  '/server.worker-1.log.1',
  '/access.log',
  '/access.log.1',
  '/access.worker-2.log',
  '/.~upload-AbC123.part',
  '/sub/.~upload-XyZ.part',
  '/.git/config',
  '/key-link.pem',
  '/config-link.json',
  '/sub/log-link',
];

test('httpcraft . --ssl --show-hidden-files: the TLS key, logs, config file and temp files are 404 and not listed', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t, 'httpcraft-never-');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ directory_listing: true, log_file: 'server.log', access_log: 'access.log' }));
  for (const name of ['server.log.1', 'server.log.2.gz', 'server.worker-1.log', 'server.worker-1.log.1', 'access.log.1', 'access.worker-2.log', '.~upload-AbC123.part', 'visible.txt', '.env']) await writeFile(join(dir, name), 'secret-ish\n');
  await mkdir(join(dir, 'sub'));
  await mkdir(join(dir, '.git'));
  await writeFile(join(dir, '.git', 'config'), '[core]\n');
  await writeFile(join(dir, 'sub', '.~upload-XyZ.part'), 'partial');
  await writeFile(join(dir, 'sub', 'ok.txt'), 'ok');
  // Links inside the root to protected files (the key does not exist yet: the server makes it).
  await symlink(join(dir, '.httpcraft', 'tls', 'dev-key.pem'), join(dir, 'key-link.pem'));
  await symlink(join(dir, 'config.json'), join(dir, 'config-link.json'));
  await symlink(join(dir, 'server.log.1'), join(dir, 'sub', 'log-link'));

  const run = startCli(['.', '--ssl', '--show-hidden-files', '-H', '127.0.0.1', '-p', '0'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/https:\/\/127\.0\.0\.1:(\d+)\//);
  const p = Number(port);

  // Sanity: hidden files are shown here, so what follows is not the dotfile rule at work.
  assert.equal((await get(p, '/.env')).status, 200);
  assert.equal((await get(p, '/visible.txt')).status, 200);
  for (const path of NEVER) {
    const r = await get(p, path);
    assert.equal(r.status, 404, path);
    assert.ok(!r.body.includes('PRIVATE KEY') && !r.body.includes('secret-ish') && !r.body.includes('directory_listing'), path);
  }
  assert.equal((await get(p, '/sub/ok.txt')).status, 200);

  const html = (await get(p, '/')).body;
  const json = JSON.parse((await get(p, '/?format=json')).body) as { entries: { name: string }[] };
  const names = json.entries.map((e) => e.name);
  assert.ok(names.includes('.env') && names.includes('visible.txt') && names.includes('sub'), names.join(', '));
  for (const name of ['.httpcraft', 'config.json', 'server.log', 'server.log.1', 'server.log.2.gz', 'server.worker-1.log', 'server.worker-1.log.1', 'access.log.1', 'access.worker-2.log', '.~upload-AbC123.part', '.git', 'key-link.pem', 'config-link.json']) {
    assert.ok(!names.includes(name), `${name} is in the JSON listing`);
    assert.ok(!html.includes(`>${name}<`) && !html.includes(`>${name}/<`), `${name} is in the HTML listing`);
  }
  const sub = JSON.parse((await get(p, '/sub/?format=json')).body) as { entries: { name: string }[] };
  assert.deepEqual(sub.entries.map((e) => e.name), ['ok.txt']);
  run.child.kill('SIGTERM');
  await run.exited;
});

test('an explicit -c config file elsewhere in the root, and a log file in a subfolder, are protected too', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t, 'httpcraft-never-');
  await mkdir(join(dir, 'www', 'conf'), { recursive: true });
  await mkdir(join(dir, 'www', 'logs'));
  await writeFile(join(dir, 'www', 'conf', 'site.json'), JSON.stringify({ document_root: '..', log_file: '../logs/app.log', directory_listing: true }));
  await writeFile(join(dir, 'www', 'logs', 'app.log.3'), 'old');
  await writeFile(join(dir, 'www', 'logs', 'other.log'), 'not ours');
  const run = startCli(['-c', 'www/conf/site.json', '-H', '127.0.0.1', '-p', '0'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const p = Number(port);
  for (const path of ['/conf/site.json', '/logs/app.log', '/logs/app.log.3']) assert.equal((await raw(p, path)).status, 404, path);
  assert.equal((await raw(p, '/logs/other.log')).status, 200);
  const logs = JSON.parse((await raw(p, '/logs/?format=json')).body.toString()) as { entries: { name: string }[] };
  assert.deepEqual(logs.entries.map((e) => e.name), ['other.log']);
  run.child.kill('SIGTERM');
  await run.exited;
});

test('createSiteHandler: neverServe folders, files and log families answer 404 (not 403) with show_hidden_files on', async () => {
  const tree = await makeTree({
    'state/tls/dev-key.pem': '-----BEGIN PRIVATE KEY-----',
    'app.json': '{}',
    'logs/access.log': 'x',
    'logs/access.log.1.gz': 'x',
    'logs/access.worker-12.log.4': 'x',
    'logs/access.logbook': 'ours to serve',
    'ok.txt': 'ok',
    'alias.pem': { symlink: 'state/tls/dev-key.pem' },
  });
  const site = await startSite(tree.root, {
    showHiddenFiles: true,
    directoryListing: true,
    neverServe: { folders: [tree.path('state')], files: [tree.path('app.json')], logFiles: [tree.path('logs/access.log'), null] },
  });
  try {
    for (const path of ['/state/tls/dev-key.pem', '/state/', '/state', '/app.json', '/logs/access.log', '/logs/access.log.1.gz', '/logs/access.worker-12.log.4', '/alias.pem', '/STATE/../state/tls/dev-key.pem']) {
      assert.equal((await raw(site.port, path)).status, 404, path);
    }
    assert.equal((await raw(site.port, '/logs/access.logbook')).status, 200);
    const root = JSON.parse((await raw(site.port, '/?format=json')).body.toString()) as { entries: { name: string }[] };
    assert.deepEqual(root.entries.map((e) => e.name).sort(), ['logs', 'ok.txt']);
  } finally {
    await site.close();
    await tree.cleanup();
  }
});

test('the protected names match what the writers create: log rotations, worker log files, upload temp files', () => {
  const family = logFamilyPattern('/var/log/httpcraft/server.log');
  for (const slot of ['1', '2', '17']) assert.ok(family.test(logFileFor('server.log', slot)), slot);
  for (const name of ['server.log', 'server.log.1', 'server.log.12.gz', 'server.log.1.gz.tmp', 'server.worker-3.log.2']) assert.ok(family.test(name), name);
  for (const name of ['server.logx', 'server.log.old', 'xserver.log', 'server.worker-.log']) assert.ok(!family.test(name), name);
  assert.ok(logFamilyPattern('/x/plain').test(logFileFor('plain', '4')));
  for (let i = 0; i < 20; i++) assert.ok(isUploadTempName(tempPathIn('/d').slice(3)));
  // A protected-looking name above the root does not hide the whole site.
  const p = protectedPaths('/srv/.git/site', {});
  assert.equal(p.has('/srv/.git/site/index.html'), false);
  assert.equal(p.has('/srv/.git/site/a/.git/HEAD'), true);
  assert.equal(p.has('/srv/.git/site/a/.github/x'), false);
});
