// The rules every write obeys (issue 21): no writes from another origin unless CORS lists it
// literally, DELETE only inside the upload folder, PUT replaces or refuses, over-limit answers in
// the client's format naming the key, switched-off methods are 405 with the same Allow as OPTIONS.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, symlink, writeFile, mkdtemp, realpath } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from '../../src/server/http-server.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { defaultConfig, type Config } from '../../src/config/schema.ts';
import { serverOptions, siteOptions } from '../../src/config/to-options.ts';
import { filePart, fieldPart, listTree, multipartBody, rawExchange, startUploadServer, type RawResponse, type UploadServer } from '../support/upload-helpers.ts';

const EVIL = 'http://evil.example';

/** One raw request (Connection: close) with the given fields and body. */
function request(port: number, method: string, path: string, fields: Record<string, string>, body: Buffer = Buffer.alloc(0)): Promise<RawResponse> {
  const head = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`)];
  if (body.length > 0 || method === 'PUT' || method === 'POST') head.push(`Content-Length: ${body.length}`);
  return rawExchange(port, Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), body]));
}

const FORM = multipartBody('B0und', [fieldPart('note', 'hi'), filePart('file', 'x.html', '<script>alert(document.cookie)</script>', 'text/html')]);
const MULTIPART = { 'Content-Type': 'multipart/form-data; boundary=B0und', Accept: 'application/json' };

function postForm(s: UploadServer, path: string, fields: Record<string, string>): Promise<RawResponse> {
  return request(s.port, 'POST', path, { ...MULTIPART, ...fields }, FORM);
}

function message(res: RawResponse): string {
  return (JSON.parse(res.body) as { error: { message: string } }).error.message;
}

test('cross-origin writes are refused (403 naming enable_cors / cors_allow_origin) and write nothing', async () => {
  const s = await startUploadServer({ enableMkdir: true, enableDelete: true });
  try {
    await mkdir(join(s.root, 'uploads'));
    await writeFile(join(s.root, 'uploads', 'keep.txt'), 'keep');
    await mkdir(join(s.root, 'docs'));
    const cross = { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' };
    // The request of the issue: a multipart form from another site.
    const submit = await postForm(s, '/submit', cross);
    assert.equal(submit.status, 403, submit.body);
    assert.match(message(submit), /Cross-origin write refused/);
    assert.match(message(submit), /enable_cors/);
    assert.match(message(submit), /cors_allow_origin/);
    assert.equal((await postForm(s, '/docs/', cross)).status, 403);
    // An older browser: Origin only. Another port on the same host is another origin (same-site).
    const put = await request(s.port, 'PUT', '/docs/evil.html', { Origin: EVIL, Accept: 'application/json' }, Buffer.from('<script></script>'));
    assert.equal(put.status, 403);
    assert.equal((await request(s.port, 'PUT', '/docs/a.txt', { Origin: `http://127.0.0.1:${s.port + 1}` }, Buffer.from('x'))).status, 403);
    assert.equal((await request(s.port, 'PUT', '/docs/a.txt', { 'Sec-Fetch-Site': 'same-site', Origin: `http://localhost:${s.port + 1}` }, Buffer.from('x'))).status, 403);
    // A sandboxed frame or a file:// page sends "null".
    assert.equal((await request(s.port, 'PUT', '/docs/a.txt', { Origin: 'null' }, Buffer.from('x'))).status, 403);
    // https page → this http server: the scheme differs, so the origin differs.
    assert.equal((await request(s.port, 'PUT', '/docs/a.txt', { Origin: `https://127.0.0.1:${s.port}` }, Buffer.from('x'))).status, 403);
    assert.equal((await request(s.port, 'DELETE', '/uploads/keep.txt', cross)).status, 403);
    assert.equal((await request(s.port, 'MKCOL', '/docs/new/', cross)).status, 403);
    // An HTML client gets the same reason on a page.
    const page = await request(s.port, 'PUT', '/docs/a.txt', { ...cross, Accept: 'text/html' }, Buffer.from('x'));
    assert.equal(page.status, 403);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.body, /cors_allow_origin/);
    assert.deepEqual(await listTree(s.root), ['docs/', 'uploads/', 'uploads/keep.txt']);
    // Reads are never checked.
    assert.equal((await request(s.port, 'GET', '/uploads/keep.txt', cross)).status, 200);
  } finally {
    await s.close();
  }
});

test('same-origin writes, user-initiated ones and requests without browser headers go through', async () => {
  const s = await startUploadServer();
  try {
    await mkdir(join(s.root, 'docs'));
    const own = `http://127.0.0.1:${s.port}`;
    assert.equal((await postForm(s, '/submit', { Origin: own, 'Sec-Fetch-Site': 'same-origin' })).status, 201);
    assert.equal((await request(s.port, 'PUT', '/docs/1.txt', { Origin: own }, Buffer.from('1'))).status, 201);
    // Host compared without the default port, and case-insensitively.
    assert.equal((await request(s.port, 'PUT', '/docs/2.txt', { 'Sec-Fetch-Site': 'none' }, Buffer.from('2'))).status, 201);
    assert.equal((await request(s.port, 'PUT', '/docs/3.txt', {}, Buffer.from('3'))).status, 201);
    assert.deepEqual(await listTree(join(s.root, 'docs')), ['1.txt', '2.txt', '3.txt']);
  } finally {
    await s.close();
  }
});

test('only an origin CORS lists literally, with the method, may write; "*" never does', async () => {
  const star = await startUploadServer({}, undefined, { enableCors: true, corsAllowOrigin: '*' });
  try {
    const res = await request(star.port, 'PUT', '/a.txt', { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', Accept: 'application/json' }, Buffer.from('x'));
    assert.equal(res.status, 403);
    assert.match(message(res), /list "http:\/\/evil\.example" in cors_allow_origin/);
    assert.deepEqual(await listTree(star.root), []);
  } finally {
    await star.close();
  }
  const app = 'http://app.example:3000';
  const listed = await startUploadServer({}, undefined, { enableCors: true, corsAllowOrigin: [`${app}/`, 'https://*.example.com'], corsAllowMethods: ['GET', 'POST'] });
  try {
    const post = await postForm(listed, '/submit', { Origin: app, 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(post.status, 201, post.body);
    assert.equal(post.headers.get('access-control-allow-origin'), app);
    // Listed, but PUT is not among cors_allow_methods.
    const put = await request(listed.port, 'PUT', '/a.txt', { Origin: app, 'Sec-Fetch-Site': 'cross-site', Accept: 'application/json' }, Buffer.from('x'));
    assert.equal(put.status, 403);
    assert.match(message(put), /add PUT to cors_allow_methods/);
    // A pattern lets origins read, never write.
    assert.equal((await postForm(listed, '/submit', { Origin: 'https://a.example.com', 'Sec-Fetch-Site': 'cross-site' })).status, 403);
    assert.equal((await postForm(listed, '/submit', { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' })).status, 403);
    assert.deepEqual(await listTree(listed.root), ['uploads/', 'uploads/x.html']);
  } finally {
    await listed.close();
  }
  // Listed, but CORS is off: the list means nothing.
  const off = await startUploadServer({}, undefined, { enableCors: false, corsAllowOrigin: [app] });
  try {
    const res = await postForm(off, '/submit', { Origin: app, 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(res.status, 403);
    assert.match(message(res), /turn on enable_cors/);
  } finally {
    await off.close();
  }
});

test('DELETE removes only files and empty folders inside upload_dir; symlinks themselves, never their targets', async () => {
  const s = await startUploadServer({ enableDelete: true });
  try {
    await writeFile(join(s.root, 'index.html'), 'home');
    await mkdir(join(s.root, 'docs'));
    await writeFile(join(s.root, 'docs', 'a.txt'), 'a');
    await mkdir(join(s.root, 'uploads', 'full'), { recursive: true });
    await writeFile(join(s.root, 'uploads', 'full', 'f.txt'), 'f');
    await writeFile(join(s.root, 'uploads', 'mine.txt'), 'mine');
    await symlink(join(s.root, 'index.html'), join(s.root, 'uploads', 'to-index'));
    await symlink(join(s.root, 'docs'), join(s.root, 'uploads', 'to-docs'));
    const del = (path: string): Promise<RawResponse> => request(s.port, 'DELETE', path, { Accept: 'application/json' });

    const outside = await del('/index.html');
    assert.equal(outside.status, 403);
    assert.match(message(outside), /inside the upload folder \(upload_dir: \/uploads\/\)/);
    assert.equal((await del('/docs/a.txt')).status, 403);
    assert.equal((await del('/docs/')).status, 403);
    // Through a symlink in the upload folder, the file really is outside it.
    assert.equal((await del('/uploads/to-docs/a.txt')).status, 403);
    assert.equal((await del('/uploads/')).status, 403);
    assert.equal((await del('/')).status, 403);
    assert.equal((await del('/uploads/full/')).status, 409);
    assert.equal((await del('/uploads/missing.txt')).status, 404);
    // OPTIONS agrees: DELETE is offered inside the upload folder only.
    assert.match((await request(s.port, 'OPTIONS', '/uploads/mine.txt', {})).headers.get('allow') ?? '', /DELETE/);
    assert.doesNotMatch((await request(s.port, 'OPTIONS', '/index.html', {})).headers.get('allow') ?? '', /DELETE/);
    assert.doesNotMatch((await request(s.port, 'OPTIONS', '/uploads/', {})).headers.get('allow') ?? '', /DELETE/);

    assert.equal((await del('/uploads/mine.txt')).status, 204);
    assert.equal((await del('/uploads/to-index')).status, 204);
    assert.equal((await del('/uploads/to-docs')).status, 204);
    assert.deepEqual(await listTree(s.root), ['docs/', 'docs/a.txt', 'index.html', 'uploads/', 'uploads/full/', 'uploads/full/f.txt']);
    assert.equal(await readFile(join(s.root, 'index.html'), 'utf8'), 'home');
  } finally {
    await s.close();
  }
  // upload_dir elsewhere: the default uploads/ folder is then just another folder.
  const other = await startUploadServer({ enableDelete: true, uploadDir: 'drop' });
  try {
    await mkdir(join(other.root, 'uploads'));
    await writeFile(join(other.root, 'uploads', 'x.txt'), 'x');
    await mkdir(join(other.root, 'drop'));
    await writeFile(join(other.root, 'drop', 'y.txt'), 'y');
    assert.equal((await request(other.port, 'DELETE', '/uploads/x.txt', {})).status, 403);
    assert.equal((await request(other.port, 'DELETE', '/drop/y.txt', {})).status, 204);
    assert.deepEqual(await listTree(other.root), ['drop/', 'uploads/', 'uploads/x.txt']);
  } finally {
    await other.close();
  }
});

test('two PUTs racing to create one file: one is 201, the other 409, no numbered copy', async () => {
  const s = await startUploadServer();
  try {
    // Both bodies are open (past the up-front check) before either finishes.
    const releases: Array<() => void> = [];
    const slowBody = (text: string): ReadableStream<Uint8Array> =>
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text));
          releases.push(() => controller.close());
        },
      });
    const puts = ['first', 'second'].map((text) => fetch(`${s.base}/race.txt`, { method: 'PUT', body: slowBody(text), duplex: 'half' } as RequestInit));
    const deadline = Date.now() + 10_000;
    while (!(await listTree(s.root)).filter((n) => n.startsWith('.~upload-')).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    while ((await listTree(s.root)).filter((n) => n.startsWith('.~upload-')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const release of releases) release();
    const statuses = (await Promise.all(puts)).map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409]);
    assert.deepEqual(await listTree(s.root), ['race.txt']);
  } finally {
    await s.close();
  }
});

/** A server built from a Config the way the CLI builds it (engine limits from to-options). */
async function startConfigured(overrides: Partial<Config>): Promise<{ port: number; root: string; close(): Promise<void> }> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'httpcraft-limits-')));
  const config = Object.assign(defaultConfig(), { document_root: root, enable_file_uploads: true }, overrides);
  const logger = createConsoleLogger('ERROR', new Writable({ write: (_c, _e, done) => done() }));
  const server = createServer(serverOptions(config, createSiteHandler(siteOptions(config, logger))));
  const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  return {
    port,
    root,
    close: async () => {
      await server.close(1000);
      await rm(root, { recursive: true, force: true });
    },
  };
}

function chunkedBody(body: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += 500) {
    const piece = body.subarray(i, i + 500);
    out.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  out.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(out);
}

function chunkedRequest(port: number, method: string, path: string, fields: Record<string, string>, body: Buffer): Promise<RawResponse> {
  const head = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Transfer-Encoding: chunked', ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`)];
  return rawExchange(port, Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), chunkedBody(body)]));
}

test('over-limit uploads: 413 in the client\'s format naming the key and its value, declared or streamed', async () => {
  // max_upload_size equal to max_body_size: the engine must not cut in with its own bare 413.
  const s = await startConfigured({ max_upload_size: 2000, max_body_size: 2000, max_upload_files: 1, max_field_size: 100, max_form_parts: 3 });
  try {
    const big = multipartBody('B0und', [filePart('file', 'big.bin', Buffer.alloc(3000))]);
    const json = { ...MULTIPART };
    const sizeMessage = 'The upload is larger than max_upload_size (2000 bytes)';
    const cases: Array<[string, Promise<RawResponse>]> = [
      ['form, Content-Length', request(s.port, 'POST', '/submit', json, big)],
      ['form, chunked', chunkedRequest(s.port, 'POST', '/submit', json, big)],
      ['PUT, Content-Length', request(s.port, 'PUT', '/big.bin', { Accept: 'application/json' }, Buffer.alloc(3000))],
      ['PUT, chunked', chunkedRequest(s.port, 'PUT', '/big.bin', { Accept: 'application/json' }, Buffer.alloc(3000))],
    ];
    for (const [what, pending] of cases) {
      const res = await pending;
      assert.equal(res.status, 413, what);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, what);
      assert.equal(message(res), sizeMessage, what);
    }
    const page = await request(s.port, 'PUT', '/big.bin', { Accept: 'text/html' }, Buffer.alloc(3000));
    assert.equal(page.status, 413);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.ok(page.body.includes(sizeMessage));
    const forms: Array<[RegExp, Buffer]> = [
      [/^The form has more files than max_upload_files \(1\)$/, multipartBody('B0und', [filePart('a', 'a.txt', 'a'), filePart('b', 'b.txt', 'b')])],
      [/^A form field is larger than max_field_size \(100 bytes\)$/, multipartBody('B0und', [fieldPart('f', 'v'.repeat(101))])],
      [/^The form has more parts than max_form_parts \(3\)$/, multipartBody('B0und', [1, 2, 3, 4].map((i) => fieldPart(`f${i}`, 'v')))],
    ];
    for (const [want, body] of forms) {
      const res = await request(s.port, 'POST', '/submit', json, body);
      assert.equal(res.status, 413, String(want));
      assert.match(message(res), want);
    }
    assert.deepEqual(await listTree(s.root), ['uploads/']);
  } finally {
    await s.close();
  }
});

test('switched-off DELETE and MKCOL are 405 with the Allow that OPTIONS reports for the same path', async () => {
  const s = await startUploadServer({ enableMkdir: false, enableDelete: false });
  try {
    await mkdir(join(s.root, 'uploads', 'sub'), { recursive: true });
    await writeFile(join(s.root, 'uploads', 'f.txt'), 'f');
    for (const path of ['/', '/uploads/', '/uploads/sub/', '/uploads/f.txt', '/uploads/missing.txt', '/new/']) {
      const options = (await request(s.port, 'OPTIONS', path, {})).headers.get('allow');
      for (const method of ['DELETE', 'MKCOL']) {
        const res = await request(s.port, method, path, { Accept: 'application/json' });
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.headers.get('allow'), options, `${method} ${path}`);
        assert.match(message(res), method === 'DELETE' ? /enable_delete/ : /enable_mkdir/);
      }
    }
    assert.equal((await request(s.port, 'OPTIONS', '/uploads/f.txt', {})).headers.get('allow'), 'GET, HEAD, OPTIONS, PUT');
    assert.equal((await request(s.port, 'OPTIONS', '/uploads/sub/', {})).headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    assert.deepEqual(await listTree(s.root), ['uploads/', 'uploads/f.txt', 'uploads/sub/']);
  } finally {
    await s.close();
  }
  // With uploads off altogether the same: known methods, turned off.
  const root = await mkdtemp(join(tmpdir(), 'httpcraft-off-'));
  const logger = createConsoleLogger('ERROR', new Writable({ write: (_c, _e, done) => done() }));
  const server = createServer({ handler: createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger }) });
  const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  try {
    for (const method of ['DELETE', 'MKCOL', 'PUT']) {
      const res = await request(port, method, '/x', { Accept: 'application/json' });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
      assert.match(message(res), /enable_file_uploads/);
    }
    assert.equal((await request(port, 'OPTIONS', '/x', {})).headers.get('allow'), 'GET, HEAD, OPTIONS');
  } finally {
    await server.close(1000);
    await rm(root, { recursive: true, force: true });
  }
});
