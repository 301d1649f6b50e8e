// The server's own files (the config file it loaded, its log files and their rotations, the state
// folder) are never served (test/static/never-served.test.ts) and never written either: no PUT,
// form upload or DELETE may replace, create or remove one, whatever upload_overwrite says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from '../../src/server/http-server.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { filePart, multipartBody, rawExchange, type RawResponse } from '../support/upload-helpers.ts';

function request(port: number, method: string, path: string, fields: Record<string, string>, body: Buffer = Buffer.alloc(0)): Promise<RawResponse> {
  const head = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', `Content-Length: ${body.length}`, ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`)];
  return rawExchange(port, Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), body]));
}

test('PUT, form uploads and DELETE never replace, create or remove the config file or a log file', async () => {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'httpcraft-own-files-')));
  const drop = join(root, 'drop');
  await mkdir(drop);
  await writeFile(join(root, 'config.json'), '{"port": 8000}\n');
  await writeFile(join(drop, 'server.log'), 'log line\n');
  await writeFile(join(drop, 'server.log.1'), 'older line\n');
  const logger = createConsoleLogger('ERROR', new Writable({ write: (_c, _e, done) => done() }));
  const server = createServer({
    handler: createSiteHandler({
      documentRoot: root,
      showHiddenFiles: true,
      followSymlinks: false,
      logger,
      neverServe: { folders: [join(root, '.httpcraft')], files: [join(root, 'config.json')], logFiles: [join(drop, 'server.log')] },
      uploads: { enabled: true, overwrite: true, enableDelete: true, uploadDir: drop },
    }),
  });
  const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  try {
    // PUT would replace with upload_overwrite on: for our own files the answer is 404, as for a GET.
    for (const path of ['/config.json', '/drop/server.log', '/drop/server.log.1', '/drop/server.log.2', '/drop/server.worker-1.log']) {
      const res = await request(port, 'PUT', path, {}, Buffer.from('replaced\n'));
      assert.equal(res.status, 404, `PUT ${path}`);
    }
    // The state folder is a dot-folder: refused before anything else.
    assert.equal((await request(port, 'PUT', '/.httpcraft/tls-key.pem', {}, Buffer.from('x'))).status, 404);

    // A form upload named like one of our files is stored beside it under a numbered name.
    const form = multipartBody('B0und', [filePart('file', 'config.json', '{"evil": true}')]);
    const posted = await request(port, 'POST', '/', { 'Content-Type': 'multipart/form-data; boundary=B0und', Accept: 'application/json' }, form);
    assert.equal(posted.status, 201, posted.body);
    const stored = (JSON.parse(posted.body) as { files: { storedName: string }[] }).files[0]?.storedName;
    assert.equal(stored, 'config (1).json');

    // DELETE works inside the upload folder, but not on a log file there.
    assert.equal((await request(port, 'DELETE', '/drop/server.log', {})).status, 404);
    assert.equal((await request(port, 'DELETE', '/drop/server.log.1', {})).status, 404);

    assert.equal(await readFile(join(root, 'config.json'), 'utf8'), '{"port": 8000}\n');
    assert.equal(await readFile(join(drop, 'server.log'), 'utf8'), 'log line\n');
    assert.equal(await readFile(join(drop, 'server.log.1'), 'utf8'), 'older line\n');
    assert.deepEqual((await readdir(drop)).sort(), ['server.log', 'server.log.1']);
  } finally {
    await server.close(1000);
    await rm(root, { recursive: true, force: true });
  }
});
