import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseFormDisposition, parseParameterized } from '../../src/uploads/content-disposition.ts';
import { UrlencodedParser, parseUrlencoded, percentDecode } from '../../src/uploads/urlencoded.ts';
import { numberedName, sanitizeFileName, MAX_NAME_BYTES } from '../../src/uploads/sanitize-name.ts';
import { chunked, fieldPart, filePart, multipartBody, parseOurs } from '../support/upload-helpers.ts';

// ---- Content-Disposition / Content-Type ----

test('reads quoted, token and RFC 8187 extended filenames; filename* wins (RFC 6266 §4.3)', () => {
  assert.deepEqual(parseFormDisposition('form-data; name="a"; filename="x y.txt"'), { name: 'a', filename: 'x y.txt' });
  assert.deepEqual(parseFormDisposition('form-data; name=a; filename=x.txt'), { name: 'a', filename: 'x.txt' });
  assert.deepEqual(parseFormDisposition(`form-data; name="a"; filename="fallback"; filename*=UTF-8''%E2%82%AC%20rates.txt`), { name: 'a', filename: '€ rates.txt' });
  assert.deepEqual(parseFormDisposition(`form-data; name="a"; filename*=iso-8859-1'en'%E9t%E9.txt`), { name: 'a', filename: 'été.txt' });
  assert.deepEqual(parseFormDisposition('FORM-DATA; NAME="a"'), { name: 'a', filename: undefined });
});

test('unescapes quoted-pairs and reads raw UTF-8 in quoted values (what browsers send)', () => {
  assert.deepEqual(parseFormDisposition('form-data; name="a\\"b\\\\c"'), { name: 'a"b\\c', filename: undefined });
  const latin1 = Buffer.from('form-data; name="f"; filename="日本.txt"', 'utf8').toString('latin1');
  assert.deepEqual(parseFormDisposition(latin1), { name: 'f', filename: '日本.txt' });
});

test('allows empty parameters (RFC 9110 §5.6.6) and whitespace around ";"', () => {
  assert.deepEqual(parseFormDisposition('form-data;; name="a" ;\tfilename="b";'), { name: 'a', filename: 'b' });
});

test('refuses malformed dispositions with a reason', () => {
  for (const bad of ['', 'attachment; name="a"', 'form-data', 'form-data; name', 'form-data; name="a', 'form-data; name="a"; name="b"', "form-data; name=a; filename*=bogus-charset''x", "form-data; name=a; filename*=UTF-8''%ZZ", 'form-data; name=a b']) {
    assert.ok('error' in parseFormDisposition(bad), bad);
  }
});

test('parses media types with parameters', () => {
  const r = parseParameterized('Multipart/Form-Data; boundary="a b:c"; charset=utf-8', true);
  assert.ok(!('error' in r));
  assert.equal(r.type, 'multipart/form-data');
  assert.equal(r.params.get('boundary'), 'a b:c');
  assert.ok('error' in parseParameterized('multipart', true));
  assert.ok('error' in parseParameterized('multipart/', true));
});

// ---- urlencoded: URLSearchParams is the oracle (WHATWG URL §5.1) ----

test('urlencoded: agrees with URLSearchParams on arbitrary input, in any chunking', () => {
  const alphabet = [...'ab=&+%2F%zz%41%e2%82%ac%C3é日 \r\n;'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), (pieces, sizes) => {
      const text = pieces.join('');
      const got: Array<[string, string]> = [];
      const p = new UrlencodedParser({ onField: (n, v) => got.push([n, v]), onLimit: () => assert.fail('no limit') }, { maxPairs: 1e9, maxFieldBytes: 1e9 });
      for (const c of chunked(Buffer.from(text, 'utf8'), sizes)) p.push(c);
      p.end();
      // Node's URLSearchParams falls back to a byte-wise decoder that mangles non-ASCII text when a
      // pair holds an escape decodeURIComponent rejects ("日%aa" gives "\uFFFD", "%é" gives
      // "%\uFFFD"); the URL Standard percent-decodes bytes and then replaces each invalid UTF-8
      // sequence, as TextDecoder does. Those inputs are checked against that definition instead.
      const nodeIsRight = /^[\x00-\x7f]*$/.test(text) || text.split('&').every((pair) => {
        try {
          decodeURIComponent(pair.replace(/\+/g, ' '));
          return true;
        } catch {
          return false;
        }
      });
      if (nodeIsRight) assert.deepEqual(got, [...new URLSearchParams(text)]);
      else {
        const loose = new TextDecoder('utf-8');
        const want = text
          .split('&')
          .filter((pair) => pair !== '')
          .map((pair): [string, string] => {
            const eq = pair.indexOf('=');
            const [n, v] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
            return [loose.decode(percentDecode(Buffer.from(n, 'utf8'))), loose.decode(percentDecode(Buffer.from(v, 'utf8')))];
          });
        assert.deepEqual(got, want);
      }
    }),
    { seed: 7, numRuns: 2000 },
  );
  assert.deepEqual(parseUrlencoded('username=J%C3%B6rg+M&x'), [['username', 'Jörg M'], ['x', '']]);
  assert.deepEqual(parseUrlencoded('a=日%aa'), [['a', '日\uFFFD']]);
});

test('urlencoded: names the limit that was hit', () => {
  const limits: string[] = [];
  const p = new UrlencodedParser({ onField: () => undefined, onLimit: (l) => limits.push(l) }, { maxPairs: 2, maxFieldBytes: 4 });
  p.push(Buffer.from('a=1&b=2&c=3'));
  p.end();
  assert.deepEqual(limits, ['max_form_parts']);
  const q = new UrlencodedParser({ onField: () => undefined, onLimit: (l) => limits.push(l) }, { maxPairs: 10, maxFieldBytes: 4 });
  q.push(Buffer.from('a=12345'));
  q.end();
  assert.deepEqual(limits, ['max_form_parts', 'max_field_size']);
});

// ---- file names ----

test('sanitises hostile file names', () => {
  const cases: Array<[string, string]> = [
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
    ['..', 'upload'],
    ['.', 'upload'],
    ['', 'upload'],
    ['.htaccess', 'htaccess'],
    ['...hidden', 'hidden'],
    ['a\0b.txt', 'ab.txt'],
    ['a\r\nb.txt', 'ab.txt'],
    ['tab\tname.txt', 'tabname.txt'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['com1.tar.gz', '_com1.tar.gz'],
    ['lpt9', '_lpt9'],
    ['console.txt', 'console.txt'],
    ['a<b>c:d"e|f?g*h.txt', 'a_b_c_d_e_f_g_h.txt'],
    ['trailing. . ', 'trailing'],
    ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ['e\u0301te\u0301.txt', 'été.txt'],
    ['<script>alert(1)</script>.html', 'script.html'.length > 0 ? '_script_alert(1)_' + '_script_.html' : ''],
  ];
  for (const [input, want] of cases) {
    if (input.startsWith('<script>')) {
      const got = sanitizeFileName(input);
      assert.ok(!/[<>/\\]/.test(got) && got.endsWith('.html'), got);
      continue;
    }
    assert.equal(sanitizeFileName(input), want, JSON.stringify(input));
  }
});

test('caps long names in UTF-8 bytes and keeps the extension', () => {
  const long = `${'日'.repeat(300)}.jpeg`;
  const got = sanitizeFileName(long);
  assert.ok(Buffer.byteLength(got) <= MAX_NAME_BYTES, String(Buffer.byteLength(got)));
  assert.ok(got.endsWith('.jpeg'));
  assert.ok(!got.includes('\uFFFD'));
  assert.equal(numberedName('a.tar.gz', 2), 'a.tar (2).gz');
  assert.equal(numberedName('README', 1), 'README (1)');
});

test('every sanitised name is a single safe segment', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('.', '/', '\\', '\0', ' ', ':', 'C', 'O', 'N', '\u202E'), fc.string({ minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) }), (raw) => {
      const name = sanitizeFileName(raw);
      assert.ok(name.length > 0);
      assert.ok(!/[/\\\0-\x1f<>:"|?*]/.test(name), name);
      assert.ok(!name.startsWith('.') && !name.endsWith('.') && !name.endsWith(' '), name);
      assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name), name);
      assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES);
    }),
    { seed: 11, numRuns: 3000 },
  );
});

// ---- form-level rules (over our reader) ----

const CT = 'multipart/form-data; boundary=XyZ';

test('each limit is refused with 413 and a message naming it', async () => {
  const cases: Array<[string, Buffer, Record<string, number>]> = [
    ['max_form_parts', multipartBody('XyZ', [fieldPart('a', '1'), fieldPart('b', '2'), fieldPart('c', '3')]), { maxFormParts: 2 }],
    ['max_field_size', multipartBody('XyZ', [fieldPart('a', 'x'.repeat(11))]), { maxFieldSize: 10 }],
    ['max_upload_files', multipartBody('XyZ', [filePart('f', 'a', '1'), filePart('f', 'b', '2')]), { maxUploadFiles: 1 }],
    ['max_part_header_size', multipartBody('XyZ', [{ headers: ['Content-Disposition: form-data; name="a"', `X-Pad: ${'p'.repeat(300)}`], data: Buffer.from('1') }]), { maxPartHeaderSize: 100 }],
    ['max_upload_size', multipartBody('XyZ', [filePart('f', 'a', Buffer.alloc(5000))]), { maxUploadSize: 4096 }],
  ];
  for (const [limit, body, limits] of cases) {
    for (const sizes of [[1], [13], [65536]]) {
      const r = await parseOurs(CT, chunked(body, sizes), limits);
      assert.equal(r.ok, false, limit);
      if (!r.ok) {
        assert.equal(r.status, 413, limit);
        // The key, then its value in brackets: "… than max_form_parts (2)".
        assert.match(r.message, new RegExp(`\\b${limit} \\(\\d+( bytes)?(, fixed)?\\)$`));
      }
    }
  }
});

test('limits are inclusive: exactly at the limit is accepted', async () => {
  const body = multipartBody('XyZ', [fieldPart('a', 'x'.repeat(10)), filePart('f', 'a', '1')]);
  const r = await parseOurs(CT, [body], { maxFieldSize: 10, maxFormParts: 2, maxUploadFiles: 1, maxUploadSize: body.length });
  assert.equal(r.ok, true);
});

test('malformed bodies are 400 with the reason', async () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'), /ended before its closing boundary/],
    [Buffer.from('--XyZ\r\nX-Other: 1\r\n\r\nvalue\r\n--XyZ--'), /no Content-Disposition/],
    [Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="b"\r\n\r\nv\r\n--XyZ--'), /more than one Content-Disposition/],
    [Buffer.from('--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--'), /without a name/],
    [Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--XyZjunk\r\n--XyZ--'), /boundary line/],
  ];
  for (const [body, message] of cases) {
    const r = await parseOurs(CT, [body]);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.status, 400);
      assert.match(r.message, message);
    }
  }
  for (const type of ['multipart/form-data', 'multipart/form-data; boundary=""', `multipart/form-data; boundary=${'x'.repeat(71)}`]) {
    const r = await parseOurs(type, [Buffer.from('--x--')]);
    assert.equal(r.ok, false, type);
    if (!r.ok) assert.equal(r.status, 400);
  }
});

test('deliberate differences E and F: transport padding and empty parameters keep the part', async () => {
  const padded = Buffer.from('--XyZ  \r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--');
  assert.deepEqual(await parseOurs(CT, [padded]), { ok: true, fields: [['a', '1']], files: [] });
  const emptyParam = Buffer.from('--XyZ\r\nContent-Disposition: form-data;; name="a";\r\n\r\n1\r\n--XyZ--');
  assert.deepEqual(await parseOurs(CT, [emptyParam]), { ok: true, fields: [['a', '1']], files: [] });
});

test('a field part with a charset is decoded with it (RFC 7578 §4.4)', async () => {
  const body = multipartBody('XyZ', [{ headers: ['Content-Disposition: form-data; name="a"', 'Content-Type: text/plain; charset=iso-8859-1'], data: Buffer.from([0x63, 0x61, 0x66, 0xe9]) }]);
  assert.deepEqual(await parseOurs(CT, [body]), { ok: true, fields: [['a', 'café']], files: [] });
});

test('a body failing while a file consumer is still busy never becomes an uncaught error', async () => {
  // The consumer awaits something else before touching the stream; meanwhile the body ends early.
  const body = Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\npartial data, then the client goes');
  let consumerSaw: unknown = null;
  const { Readable } = await import('node:stream');
  const { streamMultipart, DEFAULT_FORM_LIMITS } = await import('../../src/uploads/form.ts');
  const req = { header: () => CT, contentLength: -1, bodyComplete: false, body: Readable.from([body]) } as unknown as Parameters<typeof streamMultipart>[0];
  await assert.rejects(
    streamMultipart(req, DEFAULT_FORM_LIMITS, {
      onFile: async (file) => {
        await new Promise((r) => setTimeout(r, 20));
        try {
          for await (const chunk of file.stream) void chunk;
        } catch (error) {
          consumerSaw = error;
          throw error;
        }
      },
    }),
    /closing boundary/,
  );
  assert.match(String(consumerSaw), /closing boundary|premature/i);
});
