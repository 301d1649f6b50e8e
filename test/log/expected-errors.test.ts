// Expected answers are access lines, not errors (issue 21, security bug 4): any client could send
// unsupported methods in a loop and fill the error log with stack traces. An ERROR with a stack is
// kept for our own bugs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { startCli, tempDir } from '../support/config-helpers.ts';
import { HttpError } from '../../src/app/http-error.ts';
import { isBug } from '../../src/app/error-response.ts';

const METHODS = ['DELETE', 'PATCH', 'PROPFIND', 'TRACE', 'FOO', 'POST', 'PUT', 'MKCOL'];

/** One request with a method fetch() refuses to send (TRACE), through node:http as a client. */
function send(port: number, method: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/', headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' || method === 'PUT' ? 'x=1' : undefined);
  });
}

test('unsupported methods get their answer and an access line, never an ERROR or a stack', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  for (const method of METHODS) {
    const status = await send(Number(port), method);
    assert.ok(status >= 400 && status < 600, `${method} → ${status}`);
    await run.waitFor(new RegExp(`"${method} / HTTP/1\\.1" ${status} `));
  }
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
  assert.doesNotMatch(run.stdout(), /ERROR|WARNING|\n\s+at /, run.stdout());
  assert.equal(run.stderr(), '');
});

test('isBug: only exceptions of ours are bugs, not answers chosen on purpose', () => {
  assert.equal(isBug(new Error('boom')), true);
  assert.equal(isBug(new TypeError('x is not a function')), true);
  assert.equal(isBug(new HttpError(501, 'FOO is not implemented')), false);
  assert.equal(isBug(new HttpError(503, 'busy')), false);
  assert.equal(isBug(new HttpError(405, 'no')), false);
  // A 404 for a file that vanished wraps an operational error (ENOENT), not a bug.
  assert.equal(isBug(new HttpError(404, 'Not Found', { cause: Object.assign(new Error('gone'), { code: 'ENOENT' }) })), false);
  // An HttpError hiding a programming error is still reported, through nested HttpErrors too.
  assert.equal(isBug(new HttpError(500, 'oops', { cause: new RangeError('bad offset') })), true);
  assert.equal(isBug(new HttpError(400, 'x', { cause: new HttpError(400, 'y', { cause: new TypeError('z') }) })), true);
});
