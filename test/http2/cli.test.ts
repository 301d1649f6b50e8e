// The contract, as a new user types it: `httpcraft --ssl` answers curl --http2 over HTTP/2
// (and --no-http2 over 1.1); `httpcraft --h2c` serves prior-knowledge HTTP/2 and HTTP/1.1 on one
// port; the access log says HTTP/2.0; with --workers 2 every worker speaks it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir } from '../support/config-helpers.ts';
import { hasBinary } from '../support/tls-helpers.ts';
import { curl } from '../support/h2-client.ts';

const skip = hasBinary('curl') ? false : 'curl is not installed';

async function site(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'htdocs'));
  await writeFile(join(dir, 'htdocs', 'index.html'), '<h1>hello</h1>');
  return dir;
}

const version = async (url: string, ...flags: string[]): Promise<string> => {
  const r = await curl(['-sSk', ...flags, '-o', '/dev/null', '-w', '%{http_version}', url]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

test('--ssl: curl -k --http2 answers over HTTP/2 and is logged HTTP/2.0; --no-http2 answers 1.1', { skip, timeout: 60_000 }, async (t) => {
  const dir = await site(t);
  const on = startCli(['-H', '127.0.0.1', '-p', '0', '--ssl', 'htdocs'], { cwd: dir });
  t.after(() => on.child.kill('SIGKILL'));
  const [, port] = await on.waitFor(/https:\/\/127\.0\.0\.1:(\d+)\//);
  assert.match(on.stdout(), /ALPN h2,http\/1\.1/);
  assert.equal(await version(`https://localhost:${port}/`, '--http2'), '2');
  await on.waitFor(/"GET \/ HTTP\/2\.0" 200 14/);
  on.child.kill('SIGTERM');
  assert.equal((await on.exited).code, 0);

  const off = startCli(['-H', '127.0.0.1', '-p', '0', '--ssl', '--no-http2', 'htdocs'], { cwd: dir });
  t.after(() => off.child.kill('SIGKILL'));
  const [, port2] = await off.waitFor(/https:\/\/127\.0\.0\.1:(\d+)\//);
  assert.match(off.stdout(), /Features +HTTPS \(HTTP\/1\.1 only\)/);
  assert.equal(await version(`https://localhost:${port2}/`, '--http2'), '1.1');
  off.child.kill('SIGTERM');
  assert.equal((await off.exited).code, 0);
});

test('--h2c: prior-knowledge HTTP/2 and plain HTTP/1.1 on the same port, with two workers', { skip, timeout: 60_000 }, async (t) => {
  const dir = await site(t);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--h2c', '--workers', '2', 'htdocs'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/Local +http:\/\/localhost:(\d+)\//);
  // Both workers accept (so the requests below are spread over both processes).
  await run.waitFor(/worker \d \(pid \d+\) listening[\s\S]*worker \d \(pid \d+\) listening/);
  assert.match(run.stdout(), /Features .*h2c/);
  for (let i = 0; i < 6; i++) {
    assert.equal(await version(`http://localhost:${port}/`, '--http2-prior-knowledge'), '2');
    assert.equal(await version(`http://localhost:${port}/`), '1.1');
  }
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});
