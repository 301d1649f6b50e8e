// access_log: where request lines go ("stdout", "off", or a file rotated like log_file), and how it
// relates to log_level (which filters server events only), through the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir } from '../support/config-helpers.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigErrors } from '../../src/config/errors.ts';

const ACCESS = /"GET \/\?n=\d+ HTTP\/1\.1" 200 5/;

async function site(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  return dir;
}

async function serveAndStop(dir: string, args: string[], requests = 3): Promise<{ stdout: string; stderr: string }> {
  const run = startCli(['-H', '127.0.0.1', '-p', '0', ...args, 'www'], { cwd: dir });
  try {
    const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:([1-9]\d*)\//);
    for (let n = 0; n < requests; n++) assert.equal(await (await fetch(`http://127.0.0.1:${port}/?n=${n}`)).text(), 'hello');
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
    return { stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    run.child.kill('SIGKILL');
  }
}

test('--access-log off: no request lines, server events still logged', async (t) => {
  const dir = await site(t);
  const { stdout } = await serveAndStop(dir, ['--access-log', 'off']);
  assert.doesNotMatch(stdout, /"GET /);
  assert.match(stdout, /INFO +httpcraft .* listening on/);
  assert.match(stdout, /INFO +stopped/);
});

test('--log-level ERROR hides server events, not the access log (that is access_log)', async (t) => {
  const dir = await site(t);
  const { stdout } = await serveAndStop(dir, ['--log-level', 'ERROR']);
  assert.doesNotMatch(stdout, /INFO/);
  assert.equal(stdout.split('\n').filter((l) => ACCESS.test(l)).length, 3);
  const quiet = await serveAndStop(dir, ['--log-level', 'ERROR', '--access-log', 'off']);
  assert.doesNotMatch(quiet.stdout, /INFO|"GET /);
});

test('access_log as a file: request lines there, server events on stdout or in log_file', async (t) => {
  const dir = await site(t);
  const { stdout } = await serveAndStop(dir, ['--access-log', 'logs/access.log']);
  assert.doesNotMatch(stdout, /"GET /);
  assert.match(stdout, /INFO +stopped/);
  const lines = (await readFile(join(dir, 'logs', 'access.log'), 'utf8')).trimEnd().split('\n');
  assert.equal(lines.length, 3);
  for (const line of lines) assert.match(line, ACCESS);

  await serveAndStop(dir, ['--access-log', 'a.log', '--log-file', 'events.log']);
  const events = await readFile(join(dir, 'events.log'), 'utf8');
  assert.doesNotMatch(events, /"GET /);
  assert.match(events, /INFO +stopped/);
  assert.equal((await readFile(join(dir, 'a.log'), 'utf8')).trimEnd().split('\n').filter((l) => ACCESS.test(l)).length, 3);
});

test('an access log file rotates with the log_* keys (log_max_size, log_keep)', async (t) => {
  const dir = await site(t);
  await serveAndStop(dir, ['--access-log', 'access.log', '--log-max-size', '200', '--log-keep', '2'], 8);
  const files = (await readdir(dir)).filter((f) => f.startsWith('access.log')).sort();
  assert.deepEqual(files, ['access.log', 'access.log.1', 'access.log.2']);
  for (const f of files) assert.ok((await readFile(join(dir, f))).length <= 200, `${f} holds at most log_max_size bytes`);
});

test('in a cluster each worker writes its own access file, as for log_file', async (t) => {
  const dir = await site(t);
  await serveAndStop(dir, ['--workers', '1', '--access-log', 'access.log']);
  const text = await readFile(join(dir, 'access.worker-1.log'), 'utf8');
  assert.equal(text.trimEnd().split('\n').filter((l) => ACCESS.test(l)).length, 3);
});

test('access_log in config files and env: words stay words, paths resolve against the config folder', async (t) => {
  const dir = await site(t);
  await mkdir(join(dir, 'conf'));
  await writeFile(join(dir, 'conf', 'a.json'), JSON.stringify({ document_root: '../www', access_log: 'logs/req.log' }));
  const fromFile = loadConfig({ argv: ['-c', 'conf/a.json'], env: {}, cwd: dir });
  assert.equal(fromFile.config.access_log, join(dir, 'conf', 'logs', 'req.log'));
  assert.equal(fromFile.sources.access_log, 'conf/a.json:$.access_log');
  for (const word of ['stdout', 'off', 'OFF', ' Stdout ']) {
    const r = loadConfig({ argv: ['www'], env: { HTTPCRAFT_ACCESS_LOG: word }, cwd: dir });
    assert.equal(r.config.access_log, word.trim().toLowerCase());
  }
  assert.equal(loadConfig({ argv: ['www'], env: {}, cwd: dir }).config.access_log, 'stdout');
  // A file literally named "stdout" is still reachable as a path.
  assert.equal(loadConfig({ argv: ['www', '--access-log', './stdout'], env: {}, cwd: dir }).config.access_log, join(dir, 'stdout'));
  await writeFile(join(dir, 'conf', 'b.json'), JSON.stringify({ document_root: '../www', access_log: '' }));
  assert.throws(
    () => loadConfig({ argv: ['-c', 'conf/b.json'], env: {}, cwd: dir }),
    (e: unknown) => e instanceof ConfigErrors && e.errors[0]!.toString() === 'conf/b.json:$.access_log: "" is not valid for access_log: expected a file system path, "stdout" or "off"',
  );
});
