import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile, mkdtemp, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { createServer } from '../../src/server/http-server.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { isUploadTempName } from '../../src/uploads/temp-name.ts';
import { fieldPart, filePart, listTree, multipartBody, rawExchange, startUploadServer } from '../support/upload-helpers.ts';

const run = promisify(execFile);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function multipartRequest(path: string, boundary: string, body: Buffer, extra = ''): Buffer {
  return Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\nAccept: application/json\r\n${extra}\r\n`),
    body,
  ]);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('uploads are off by default: POST is not served and nothing is written', async () => {
  const root = await mkdtemp(join(tmpdir(), 'httpcraft-off-'));
  // Expected refusals are access lines only: nothing may reach the error log (issue 21, item 4).
  const logged: string[] = [];
  const quiet = new Writable({ write: (c: Buffer, _e, done) => done(void logged.push(c.toString())) });
  const server = createServer({ handler: createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger: createConsoleLogger('ERROR', quiet) }) });
  const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
  try {
    const form = new FormData();
    form.append('profile_picture', new Blob(['x']), 'a.txt');
    const res = await fetch(`http://127.0.0.1:${port}/submit`, { method: 'POST', body: form });
    // No route takes POST when uploads are off (RFC 9110 §15.6.2); PUT names the key that turns it on.
    assert.equal(res.status, 501);
    const put = await fetch(`http://127.0.0.1:${port}/x.txt`, { method: 'PUT', body: 'x' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.match(await put.text(), /enable_file_uploads/);
    assert.deepEqual(await listTree(root), []);
    assert.deepEqual(logged, []);
  } finally {
    await server.close(1000);
    await rm(root, { recursive: true, force: true });
  }
});

test("POST /submit takes the seed's example form and answers with a page or JSON", async () => {
  const s = await startUploadServer();
  try {
    const picture = randomBytes(3000);
    const form = new FormData();
    form.append('username', 'Ada <Lovelace>');
    form.append('profile_picture', new Blob([picture], { type: 'image/png' }), 'me & you.png');
    const page = await fetch(`${s.base}/submit`, { method: 'POST', body: form });
    assert.equal(page.status, 201);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /Ada &#60;Lovelace&#62;/);
    assert.match(html, /me &#38; you\.png/);
    assert.deepEqual(sha(await readFile(join(s.root, 'uploads', 'me & you.png'))), sha(picture));

    const again = await fetch(`${s.base}/submit`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
    assert.equal(again.status, 201);
    const json = (await again.json()) as { fields: Record<string, string>; files: Array<{ field: string; filename: string; storedName: string; size: number; url: string }> };
    assert.deepEqual(json.fields, { username: 'Ada <Lovelace>' });
    assert.equal(json.files.length, 1);
    assert.deepEqual({ ...json.files[0], url: undefined }, { field: 'profile_picture', filename: 'me & you.png', storedName: 'me & you (1).png', size: 3000, type: 'image/png', url: undefined, replaced: false });
    assert.equal(json.files[0]!.url, '/uploads/me%20%26%20you%20(1).png');
    // The stored file is served back at the URL reported.
    const back = await fetch(`${s.base}${json.files[0]!.url}`);
    assert.equal(sha(Buffer.from(await back.arrayBuffer())), sha(picture));
  } finally {
    await s.close();
  }
});

test('urlencoded and JSON bodies are summarised too; other types get 415', async () => {
  const s = await startUploadServer();
  try {
    const a = await fetch(`${s.base}/submit?format=json`, { method: 'POST', body: new URLSearchParams({ username: 'grace', x: 'a+b c' }) });
    assert.equal(a.status, 200);
    assert.deepEqual(((await a.json()) as { fields: unknown }).fields, { username: 'grace', x: 'a+b c' });
    const b = await fetch(`${s.base}/submit`, { method: 'POST', body: JSON.stringify({ n: [1, 2] }), headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
    assert.deepEqual(((await b.json()) as { json: unknown }).json, { n: [1, 2] });
    const c = await fetch(`${s.base}/submit`, { method: 'POST', body: '{bad', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
    assert.equal(c.status, 400);
    const d = await fetch(`${s.base}/submit`, { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/csv' } });
    assert.equal(d.status, 415);
  } finally {
    await s.close();
  }
});

test('stores files of 0 bytes, 1 byte and 10 MB intact (default limits)', async () => {
  const s = await startUploadServer({}, 10 * 1024 * 1024);
  try {
    for (const size of [0, 1, 10_000_000]) {
      const data = randomBytes(size);
      const body = multipartBody('B0und', [filePart('file', `f${size}.bin`, data)]);
      const res = await rawExchange(s.port, multipartRequest('/submit', 'B0und', body));
      assert.equal(res.status, 201, res.body);
      const stored = await readFile(join(s.root, 'uploads', `f${size}.bin`));
      assert.equal(stored.length, size);
      assert.equal(sha(stored), sha(data));
    }
    assert.deepEqual(await listTree(join(s.root, 'uploads')), ['f0.bin', 'f1.bin', 'f10000000.bin']);
  } finally {
    await s.close();
  }
});

test('over max_upload_size: 413 naming the limit, and nothing is left behind', async () => {
  const s = await startUploadServer({ limits: { maxUploadSize: 1024 * 1024 } });
  try {
    const body = multipartBody('B0und', [filePart('file', 'big.bin', randomBytes(1024 * 1024 + 1))]);
    // Declared length too big: refused before the body is read.
    const declared = await rawExchange(s.port, multipartRequest('/submit', 'B0und', body));
    assert.equal(declared.status, 413);
    assert.match(declared.body, /max_upload_size/);
    // Chunked, so only counting finds out: refused midway.
    const head = 'POST /submit HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=B0und\r\nTransfer-Encoding: chunked\r\nAccept: application/json\r\n\r\n';
    const chunks: Buffer[] = [Buffer.from(head)];
    for (let i = 0; i < body.length; i += 65536) {
      const piece = body.subarray(i, i + 65536);
      chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from('0\r\n\r\n'));
    const streamed = await rawExchange(s.port, chunks);
    assert.equal(streamed.status, 413);
    assert.match(streamed.body, /max_upload_size/);
    assert.equal(streamed.headers.get('connection'), 'close');
    await waitFor(async () => (await listTree(s.root)).every((e) => e === 'uploads/'), 'temporary files to go');
  } finally {
    await s.close();
  }
});

test('a limit hit after a first file was stored removes that file too (all or nothing)', async () => {
  const s = await startUploadServer({ limits: { maxUploadFiles: 1 } });
  try {
    const body = multipartBody('B0und', [filePart('file', 'one.txt', 'first'), filePart('file', 'two.txt', 'second')]);
    const res = await rawExchange(s.port, multipartRequest('/submit', 'B0und', body));
    assert.equal(res.status, 413);
    assert.match(res.body, /max_upload_files/);
    assert.deepEqual(await listTree(s.root), ['uploads/']);
  } finally {
    await s.close();
  }
});

test('form limits over the wire: parts, field size, part header size', async () => {
  const s = await startUploadServer({ limits: { maxFormParts: 3, maxFieldSize: 100, maxPartHeaderSize: 200 } });
  try {
    const cases: Array<[string, Buffer]> = [
      ['max_form_parts', multipartBody('B0und', [1, 2, 3, 4].map((i) => fieldPart(`f${i}`, 'v')))],
      ['max_field_size', multipartBody('B0und', [fieldPart('f', 'v'.repeat(101))])],
      ['max_part_header_size', multipartBody('B0und', [{ headers: ['Content-Disposition: form-data; name="f"', `X-Pad: ${'p'.repeat(300)}`], data: Buffer.from('v') }])],
    ];
    for (const [limit, body] of cases) {
      const res = await rawExchange(s.port, multipartRequest('/submit', 'B0und', body));
      assert.equal(res.status, 413, limit);
      assert.match(res.body, new RegExp(limit));
    }
    const bad = await rawExchange(s.port, multipartRequest('/submit', 'B0und', Buffer.from('--B0und\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated')));
    assert.equal(bad.status, 400);
    assert.match(bad.body, /closing boundary/);
  } finally {
    await s.close();
  }
});

test('a client that disconnects halfway leaves no file and no temporary file', async () => {
  const s = await startUploadServer();
  try {
    const body = multipartBody('B0und', [filePart('file', 'half.bin', randomBytes(4 * 1024 * 1024))]);
    const socket = connect(s.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /submit HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=B0und\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, body.length / 2));
    // The upload streams to disk: a temporary file appears and grows before the body is complete.
    const dir = join(s.root, 'uploads');
    await waitFor(async () => {
      const names = await readdir(dir).catch(() => [] as string[]);
      // The name the static side refuses to serve or list (temp-name.ts) is the one in use.
      const temp = names.find(isUploadTempName);
      return temp !== undefined && (await stat(join(dir, temp)).catch(() => ({ size: 0 }))).size > 0;
    }, 'the temporary file');
    socket.destroy();
    await waitFor(async () => (await readdir(dir)).length === 0, 'the temporary file to be removed');
    assert.deepEqual(await listTree(s.root), ['uploads/']);
  } finally {
    await s.close();
  }
});

test('20 concurrent uploads of one name all survive under distinct names', async () => {
  const s = await startUploadServer();
  try {
    const contents = Array.from({ length: 20 }, (_, i) => Buffer.from(`upload number ${i} ${randomBytes(2000).toString('hex')}`));
    const results = await Promise.all(
      contents.map(async (data) => {
        const form = new FormData();
        form.append('file', new Blob([data]), 'same.txt');
        const res = await fetch(`${s.base}/submit`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
        assert.equal(res.status, 201);
        return ((await res.json()) as { files: Array<{ storedName: string }> }).files[0]!.storedName;
      }),
    );
    const expectedNames = ['same.txt', ...Array.from({ length: 19 }, (_, i) => `same (${i + 1}).txt`)];
    assert.deepEqual([...results].sort(), [...expectedNames].sort());
    assert.deepEqual(await listTree(join(s.root, 'uploads')), [...expectedNames].sort());
    // Each reported name holds exactly the bytes that upload sent.
    for (const [i, name] of results.entries()) assert.deepEqual(await readFile(join(s.root, 'uploads', name)), contents[i]);
  } finally {
    await s.close();
  }
});

test('upload_overwrite replaces instead of numbering', async () => {
  const s = await startUploadServer({ overwrite: true });
  try {
    for (const text of ['old', 'new']) {
      const form = new FormData();
      form.append('file', new Blob([text]), 'a.txt');
      const res = await fetch(`${s.base}/submit`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
      const json = (await res.json()) as { files: Array<{ storedName: string; replaced: boolean }> };
      assert.equal(json.files[0]!.storedName, 'a.txt');
      assert.equal(json.files[0]!.replaced, text === 'new');
    }
    assert.equal(await readFile(join(s.root, 'uploads', 'a.txt'), 'utf8'), 'new');
  } finally {
    await s.close();
  }
});

test('hostile file names are sanitised, reported, and never escape the upload folder', async () => {
  const s = await startUploadServer();
  try {
    const names: Array<[string, RegExp]> = [
      ['../../escape.txt', /^escape\.txt$/],
      ['..\\..\\win.txt', /^win\.txt$/],
      ['.htaccess', /^htaccess$/],
      ['CON', /^_CON$/],
      ['<img src=x onerror=alert(1)>.html', /^_img src=x onerror=alert\(1\)_\.html$/],
      ['..', /^upload$/],
      ['a\u202Egnp.exe', /^agnp\.exe$/],
      [`${'x'.repeat(400)}.txt`, /^x+\.txt$/],
    ];
    for (const [sent, want] of names) {
      const form = new FormData();
      form.append('file', new Blob(['data']), sent);
      const res = await fetch(`${s.base}/submit`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
      assert.equal(res.status, 201, sent);
      const stored = ((await res.json()) as { files: Array<{ storedName: string }> }).files[0]!.storedName;
      assert.match(stored, want, sent);
    }
    const tree = await listTree(s.root);
    assert.ok(tree.every((e) => e.startsWith('uploads/')), tree.join(', '));
    assert.equal(tree.length, names.length + 1);
    // The page escapes what it echoes.
    const form = new FormData();
    form.append('file', new Blob(['x']), '<script>alert(1)</script>');
    const html = await (await fetch(`${s.base}/submit`, { method: 'POST', body: form })).text();
    assert.ok(!html.includes('<script>alert(1)'));
  } finally {
    await s.close();
  }
});

test('POST to a folder URL stores into that folder; not into files, hidden or outside folders', async () => {
  const s = await startUploadServer();
  const outside = await mkdtemp(join(tmpdir(), 'httpcraft-outside-'));
  try {
    await mkdir(join(s.root, 'docs', 'sub dir'), { recursive: true });
    await writeFile(join(s.root, 'docs', 'file.txt'), 'x');
    await mkdir(join(s.root, '.secret'));
    await symlink(outside, join(s.root, 'docs', 'link'));
    const post = async (path: string): Promise<Response> => {
      const form = new FormData();
      form.append('file', new Blob(['hello']), 'hi.txt');
      return fetch(`${s.base}${path}`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
    };
    const ok = await post('/docs/sub%20dir/');
    assert.equal(ok.status, 201);
    assert.equal(((await ok.json()) as { files: Array<{ url: string }> }).files[0]!.url, '/docs/sub%20dir/hi.txt');
    assert.equal(await readFile(join(s.root, 'docs', 'sub dir', 'hi.txt'), 'utf8'), 'hello');
    assert.equal((await post('/docs/file.txt')).status, 405);
    assert.equal((await post('/.secret/')).status, 404);
    assert.equal((await post('/docs/link/')).status, 404);
    // (fetch would normalise the dots away; a raw request keeps them.)
    const dots = multipartBody('B0und', [filePart('file', 'hi.txt', 'x')]);
    assert.equal((await rawExchange(s.port, multipartRequest('/docs/%2e%2e/%2e%2e/', 'B0und', dots))).status, 404);
    assert.equal((await post('/nope/')).status, 405);
    assert.deepEqual(await readdir(outside), []);
  } finally {
    await s.close();
    await rm(outside, { recursive: true, force: true });
  }
});

test('PUT stores a raw body (curl -T): 201 + Location; an existing file is 409 unless overwrite (204)', async () => {
  const s = await startUploadServer();
  const work = await mkdtemp(join(tmpdir(), 'httpcraft-put-'));
  try {
    const data = randomBytes(200_000);
    await writeFile(join(work, 'payload.bin'), data);
    await mkdir(join(s.root, 'files'));
    const curl = async (url: string, extra: string[] = []): Promise<{ code: number; headers: string }> => {
      const { stdout } = await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', '-T', join(work, 'payload.bin'), ...extra, url]);
      const statuses = [...stdout.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
      return { code: statuses[statuses.length - 1]!, headers: stdout }; // after any 100 Continue
    };
    const first = await curl(`${s.base}/files/data.bin`);
    assert.equal(first.code, 201);
    assert.match(first.headers, /Location: \/files\/data\.bin/i);
    assert.deepEqual(await readFile(join(s.root, 'files', 'data.bin')), data);
    // RFC 9110 §9.3.4: PUT means "replace"; with upload_overwrite off that is refused, not renamed.
    const second = await fetch(`${s.base}/files/data.bin`, { method: 'PUT', body: 'other', headers: { Accept: 'application/json' } });
    assert.equal(second.status, 409);
    assert.match(((await second.json()) as { error: { message: string } }).error.message, /upload_overwrite/);
    assert.equal((await curl(`${s.base}/files/data.bin`, ['-H', 'If-None-Match: *'])).code, 412);
    assert.equal((await curl(`${s.base}/missing/data.bin`)).code, 409);
    assert.equal((await curl(`${s.base}/.hidden`)).code, 404);
    assert.equal((await fetch(`${s.base}/files/x`, { method: 'PUT', body: 'x', headers: { 'Content-Range': 'bytes 0-0/1' } })).status, 400);
    assert.deepEqual(await listTree(join(s.root, 'files')), ['data.bin']);
    assert.deepEqual(await readFile(join(s.root, 'files', 'data.bin')), data);
  } finally {
    await s.close();
    await rm(work, { recursive: true, force: true });
  }
  const o = await startUploadServer({ overwrite: true });
  try {
    assert.equal((await fetch(`${o.base}/a.txt`, { method: 'PUT', body: 'one' })).status, 201);
    const replaced = await fetch(`${o.base}/a.txt`, { method: 'PUT', body: 'two' });
    assert.equal(replaced.status, 204);
    assert.equal(replaced.headers.get('location'), '/a.txt');
    assert.equal(await readFile(join(o.root, 'a.txt'), 'utf8'), 'two');
    assert.equal((await fetch(`${o.base}/a.txt`, { method: 'PUT', body: 'three', headers: { 'If-None-Match': '*' } })).status, 412);
    assert.equal((await fetch(`${o.base}/b.txt`, { method: 'PUT', body: 'x', headers: { 'If-Match': '*' } })).status, 412);
    assert.deepEqual(await listTree(o.root), ['a.txt']);
    assert.equal(await readFile(join(o.root, 'a.txt'), 'utf8'), 'two');
  } finally {
    await o.close();
  }
});

test('PUT over max_upload_size is 413 and leaves nothing, declared or streamed', async () => {
  const s = await startUploadServer({ limits: { maxUploadSize: 1000 } });
  try {
    const declared = await fetch(`${s.base}/big.bin`, { method: 'PUT', body: Buffer.alloc(1001) });
    assert.equal(declared.status, 413);
    assert.match(await declared.text(), /max_upload_size/);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(400));
        controller.close();
      },
    });
    const streamed = await fetch(`${s.base}/big.bin`, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(streamed.status, 413);
    await waitFor(async () => (await listTree(s.root)).length === 0, 'temporary files to go');
  } finally {
    await s.close();
  }
});

test('MKCOL and DELETE exist only when enabled', async () => {
  const off = await startUploadServer();
  try {
    await writeFile(join(off.root, 'keep.txt'), 'x');
    const del = await fetch(`${off.base}/keep.txt`, { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get('allow'), 'GET, HEAD, OPTIONS, PUT');
    const mk = await fetch(`${off.base}/new/`, { method: 'MKCOL' });
    assert.equal(mk.status, 405);
    assert.equal(mk.headers.get('allow'), 'GET, HEAD, OPTIONS');
    const form = new URLSearchParams({ mkdir: 'made' });
    assert.equal((await fetch(`${off.base}/`, { method: 'POST', body: form })).status, 403);
    assert.deepEqual(await listTree(off.root), ['keep.txt']);
  } finally {
    await off.close();
  }
  const on = await startUploadServer({ enableMkdir: true, enableDelete: true });
  try {
    const made = await fetch(`${on.base}/new%20folder/`, { method: 'MKCOL' });
    assert.equal(made.status, 201);
    assert.equal(made.headers.get('location'), '/new%20folder/');
    assert.equal((await fetch(`${on.base}/new%20folder/`, { method: 'MKCOL' })).status, 405);
    assert.equal((await fetch(`${on.base}/a/b/`, { method: 'MKCOL' })).status, 409);
    const viaForm = await fetch(`${on.base}/new%20folder/`, { method: 'POST', body: new URLSearchParams({ mkdir: '../evil' }), redirect: 'manual' });
    assert.equal(viaForm.status, 303);
    assert.equal(viaForm.headers.get('location'), '/new%20folder/');
    assert.ok((await stat(join(on.root, 'new folder', 'evil'))).isDirectory());
    // DELETE acts inside the upload folder only.
    await mkdir(join(on.root, 'uploads', 'sub'), { recursive: true });
    await writeFile(join(on.root, 'uploads', 'sub', 'f.txt'), 'x');
    assert.equal((await fetch(`${on.base}/uploads/sub/`, { method: 'DELETE' })).status, 409);
    assert.equal((await fetch(`${on.base}/uploads/sub/f.txt`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(`${on.base}/uploads/sub/f.txt`, { method: 'DELETE' })).status, 404);
    assert.equal((await fetch(`${on.base}/uploads/sub/`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(`${on.base}/uploads/`, { method: 'DELETE' })).status, 403);
    assert.equal((await fetch(`${on.base}/`, { method: 'DELETE' })).status, 403);
    assert.equal((await fetch(`${on.base}/new%20folder/evil/`, { method: 'DELETE' })).status, 403);
    assert.deepEqual(await listTree(on.root), ['new folder/', 'new folder/evil/', 'uploads/']);
  } finally {
    await on.close();
  }
});

test('stored and refused uploads are counted for the status page', async () => {
  const counts = { files: 0, bytes: 0, rejected: 0 };
  const stats = {
    recordFile: (bytes: number) => {
      counts.files++;
      counts.bytes += bytes;
    },
    recordRejected: () => void counts.rejected++,
  };
  const s = await startUploadServer({ stats, limits: { maxUploadSize: 10_000 } });
  try {
    const form = new FormData();
    form.append('a', new Blob(['12345']), 'a.txt');
    form.append('b', new Blob(['123']), 'b.txt');
    assert.equal((await fetch(`${s.base}/submit`, { method: 'POST', body: form })).status, 201);
    assert.equal((await fetch(`${s.base}/c.txt`, { method: 'PUT', body: 'xy' })).status, 201);
    assert.equal((await fetch(`${s.base}/d.txt`, { method: 'PUT', body: Buffer.alloc(20_000) })).status, 413);
    assert.deepEqual(counts, { files: 3, bytes: 10, rejected: 1 });
  } finally {
    await s.close();
  }
});
