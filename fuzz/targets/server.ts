// The whole server over a real socket: form bodies (multipart, urlencoded, JSON) posted to the upload
// handler, PUT, and GETs with Range and conditional headers to static files and listings.
// Invariants: no response is a 500 (nor any 5xx but 501 and 505, which name what we do not
// implement); the server logs no error (an unexpected exception is logged); it keeps answering a
// fresh connection after every input; and no temporary upload file is ever left behind.

import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { startUploadServer, type UploadServer } from '../../test/support/upload-helpers.ts';
import type { FuzzTarget } from '../engine.ts';
import { BOUNDARY } from './uploads.ts';

let server: UploadServer | null = null;

/** Sends the bytes, half-closes, and returns every status line the server wrote before closing. */
function exchange(port: number, bytes: Buffer): Promise<{ statuses: number[]; raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no close within 5 s'));
    }, 5000);
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(got).toString('latin1');
      const statuses = [...raw.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, raw });
    });
    socket.end(bytes);
  });
}

async function checkServer(input: Buffer): Promise<void> {
  const s = server!;
  const logged = s.logs.length;
  const { statuses, raw } = await exchange(s.port, input);
  for (const status of statuses) assert.ok(status < 500 || status === 501 || status === 505, `status ${status} for ${JSON.stringify(input.toString('latin1').slice(0, 300))}: ${raw.slice(0, 300)}`);
  const probe = await exchange(s.port, Buffer.from('GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'));
  assert.deepEqual(probe.statuses, [200], 'the server stopped serving');
  // A handler may finish after its response went out: give it a moment to log (a logged error is a
  // bug of ours, or a client's mistake taken for one).
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(s.logs.splice(logged), [], 'the server logged an error');
}

const json = fc.oneof(
  fc.json().map((j) => j),
  fc.constantFrom('{', '[1,', '{"a":}', '"\\ud800"', '1e999999', '{"__proto__":{"x":1}}', '\ufeff{}', 'null', '', ' '),
  fc.nat({ max: 2000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
);
const multipart = fc
  .array(fc.tuple(fc.constantFrom('form-data; name="a"', 'form-data; name="f"; filename="x.txt"', 'form-data; name="f"; filename="../../etc/passwd"', "form-data; name=f; filename*=UTF-8''%C3%A9.bin", 'form-data', 'attachment; name=a', 'form-data; name="f"; filename=""'), fc.string({ maxLength: 40 })), { maxLength: 3 })
  .chain((parts) => fc.constantFrom('', `--${BOUNDARY}--`, `--${BOUNDARY}`).map((close) => parts.map(([cd, d]) => `--${BOUNDARY}\r\nContent-Disposition: ${cd}\r\n\r\n${d}\r\n`).join('') + close));
const bodyRequest = fc
  .tuple(
    fc.constantFrom('POST /submit', 'POST /', 'POST /uploads/', 'PUT /uploads/f.txt', 'PUT /f.txt', 'POST /hello.txt', 'DELETE /uploads/f.txt', 'MKCOL /uploads/d/'),
    fc.oneof(
      json.map((b) => ['application/json', b] as const),
      fc.string({ maxLength: 60 }).map((b) => ['application/x-www-form-urlencoded', b] as const),
      multipart.map((b) => [`multipart/form-data; boundary=${BOUNDARY}`, b] as const),
      fc.string({ maxLength: 30 }).map((b) => [fc.sample(fc.constantFrom('text/plain', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=latin1', 'x/y; a="'), 1)[0]!, b] as const),
    ),
    fc.constantFrom('length', 'chunked', 'short', 'long', 'bad-chunk'),
  )
  .map(([line, [type, body], framing]) => {
    const b = Buffer.from(body, 'utf8');
    const head = `${line} HTTP/1.1\r\nHost: t\r\nOrigin: http://t\r\nContent-Type: ${type}\r\nAccept: application/json\r\n`;
    if (framing === 'bad-chunk') return Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n${(b.length + 2).toString(16)}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')]);
    if (framing === 'chunked') return Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')]);
    const declared = framing === 'short' ? Math.max(0, b.length - 3) : framing === 'long' ? b.length + 5 : b.length;
    return Buffer.concat([Buffer.from(`${head}Content-Length: ${declared}\r\n\r\n`), b]);
  });
const getRequest = fc
  .tuple(
    fc.constantFrom('/hello.txt', '/', '/dir/', '/dir', '/nope', '/dir/a%20b.txt', '/%2e%2e/etc/passwd', '/hello.txt?x=1', '/?format=json', '/dir/?sort=size&order=desc'),
    fc.array(
      fc.oneof(
        fc.constantFrom('bytes=0-0', 'bytes=-5', 'bytes=3-', 'bytes=0-1,3-4', 'bytes=9999-', 'bytes=a', `bytes=${'0-0,'.repeat(100)}`).map((v) => `Range: ${v}`),
        fc.constantFrom('*', '"x"', 'W/"x"', 'garbage').map((v) => `If-None-Match: ${v}`),
        fc.constantFrom('*', '"x"').map((v) => `If-Match: ${v}`),
        fc.constantFrom('Sun, 06 Nov 1994 08:49:37 GMT', 'tomorrow', 'Fri, 31 Dec 9999 23:59:59 GMT').map((v) => `If-Modified-Since: ${v}`),
        fc.constantFrom('"x"', 'Sun, 06 Nov 1994 08:49:37 GMT').map((v) => `If-Range: ${v}`),
        fc.constantFrom('gzip', 'br;q=1, gzip;q=0', '*;q=0', 'identity;q=0').map((v) => `Accept-Encoding: ${v}`),
        fc.string({ maxLength: 20 }).map((v) => `Accept: ${v.replace(/[\r\n]/g, '')}`),
      ),
      { maxLength: 4 },
    ),
    fc.constantFrom('GET', 'HEAD', 'OPTIONS'),
  )
  .map(([path, fields, method]) => Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: t\r\n${fields.map((f) => f + '\r\n').join('')}\r\n`, 'latin1'));

export const serverRequests: FuzzTarget = {
  name: 'server',
  about: 'the whole server over a socket: JSON, urlencoded and multipart bodies, PUT/DELETE/MKCOL, static GETs with Range and conditionals',
  grammar: fc.oneof(bodyRequest, getRequest, fc.array(getRequest, { minLength: 2, maxLength: 3 }).map((r) => Buffer.concat(r))),
  check: checkServer,
  ciRuns: 300,
  async setup() {
    server = await startUploadServer({ enableDelete: true, enableMkdir: true, inListing: true, limits: { maxUploadSize: 4096, maxFieldSize: 512, maxFormParts: 8, maxUploadFiles: 2 } }, 1024 * 1024, { directoryListing: true });
    await writeFile(join(server.root, 'hello.txt'), 'hello, world\n');
    await mkdir(join(server.root, 'dir'));
    await mkdir(join(server.root, 'uploads'));
    await writeFile(join(server.root, 'dir', 'a b.txt'), 'x'.repeat(100));
    return async () => {
      const s = server!;
      server = null;
      const left = await readdir(join(s.root, 'uploads')).catch(() => [] as string[]);
      await s.close();
      assert.deepEqual(left.filter((n) => n.startsWith('.~upload-')), [], 'temporary upload files left behind');
    };
  },
};
