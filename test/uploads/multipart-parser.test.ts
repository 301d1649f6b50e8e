import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultipartParser, type PartHeaders } from '../../src/uploads/multipart-parser.ts';

interface Transcript {
  parts: Array<{ headers: PartHeaders; data: string }>;
  ended: boolean;
  error: string | null;
}

function parse(boundary: string, chunks: Buffer[], maxPartHeaderBytes?: number): Transcript {
  const t: Transcript = { parts: [], ended: false, error: null };
  let data: Buffer[] = [];
  const p = new MultipartParser(
    boundary,
    {
      onPartBegin: (headers) => {
        t.parts.push({ headers, data: '' });
        data = [];
      },
      onPartData: (c) => data.push(Buffer.from(c)),
      onPartEnd: () => {
        t.parts[t.parts.length - 1]!.data = Buffer.concat(data).toString('latin1');
      },
      onEnd: () => {
        t.ended = true;
      },
      onError: (e) => {
        t.error = e.code;
      },
    },
    maxPartHeaderBytes === undefined ? {} : { maxPartHeaderBytes },
  );
  for (const c of chunks) p.push(c);
  p.end();
  return t;
}

/** Whole, one byte at a time, and in every two-piece split: all must give the same transcript. */
function check(boundary: string, body: string, expected: Transcript, maxPartHeaderBytes?: number): void {
  const bytes = Buffer.from(body, 'latin1');
  assert.deepEqual(parse(boundary, [bytes], maxPartHeaderBytes), expected, 'whole');
  const bytewise = [...bytes].map((b) => Buffer.from([b]));
  assert.deepEqual(parse(boundary, bytewise, maxPartHeaderBytes), expected, 'byte at a time');
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(parse(boundary, [bytes.subarray(0, i), bytes.subarray(i)], maxPartHeaderBytes), expected, `split at ${i}`);
  }
}

const ok = (parts: Transcript['parts']): Transcript => ({ parts, ended: true, error: null });
const cd = (name: string): [string, string] => ['content-disposition', `form-data; name="${name}"`];

test('parses fields and a file (RFC 7578 §4)', () => {
  check(
    'xYz',
    '--xYz\r\nContent-Disposition: form-data; name="a"\r\n\r\nhello\r\n--xYz\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n\r\n--xYz--',
    ok([
      { headers: [cd('a')], data: 'hello' },
      { headers: [['content-disposition', 'form-data; name="f"; filename="a.txt"'], ['content-type', 'text/plain']], data: 'line1\r\nline2\r\n' },
    ]),
  );
});

test('ignores the preamble and the epilogue (RFC 2046 §5.1.1)', () => {
  check('b', 'this is a preamble\r\n--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\nepilogue --b\r\n--b\r\n', ok([{ headers: [cd('x')], data: '1' }]));
});

test('a body that opens with CRLF before the first boundary is fine', () => {
  check('b', '\r\n--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--', ok([{ headers: [cd('x')], data: '1' }]));
});

test('empty part bodies and a form with no parts', () => {
  check('b', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n\r\n--b--', ok([{ headers: [cd('x')], data: '' }]));
  check('b', '--b--', ok([]));
});

test('near-miss delimiters inside data stay data', () => {
  const data = '\r\n-\r\n--\r\n--bX\r\r\n--\r--b-';
  check('bound', `--bound\r\nContent-Disposition: form-data; name="x"\r\n\r\n${data}\r\n--bound--`, ok([{ headers: [cd('x')], data }]));
});

test('a boundary that is a prefix of the data does not end the part early', () => {
  const data = '--boundar\r\n--boundar';
  check('boundary', `--boundary\r\nContent-Disposition: form-data; name="x"\r\n\r\n${data}\r\n--boundary--`, ok([{ headers: [cd('x')], data }]));
});

test('accepts transport padding after a boundary (RFC 2046 §5.1.1)', () => {
  check('b', '--b \t\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b  \r\nContent-Disposition: form-data; name="y"\r\n\r\n2\r\n--b--', ok([
    { headers: [cd('x')], data: '1' },
    { headers: [cd('y')], data: '2' },
  ]));
});

test('unfolds folded part headers (RFC 5322 §2.2.3) and trims OWS', () => {
  check('b', '--b\r\nContent-Disposition: form-data;\r\n name="x"  \r\n\r\n1\r\n--b--', ok([{ headers: [['content-disposition', 'form-data; name="x"']], data: '1' }]));
});

test('a part with no headers is reported with none', () => {
  check('b', '--b\r\n\r\nabc\r\n--b--', ok([{ headers: [], data: 'abc' }]));
});

test('keeps every header line, duplicates included, for the form layer to judge', () => {
  check('b', '--b\r\nContent-Disposition: form-data; name="x"\r\nContent-Disposition: form-data; name="y"\r\n\r\n\r\n--b--', ok([{ headers: [cd('x'), cd('y')], data: '' }]));
});

test('reports a body that ends before the close delimiter', () => {
  for (const body of ['', '--b', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nabc', '--b\r\nContent-Disposition: form-data; name="x"\r\n', 'no boundary at all', '--b\r\nX: y\r\n\r\n1\r\n--b-']) {
    const t = parse('b', [Buffer.from(body, 'latin1')]);
    assert.equal(t.error, 'UNEXPECTED_END', JSON.stringify(body));
    assert.equal(t.ended, false);
  }
});

test('refuses a boundary line followed by anything but CRLF, padding or "--"', () => {
  for (const body of ['--bX\r\n\r\n--b--', '--b\rX', '--b\nContent-Disposition: form-data; name="x"\n\n1\n--b--', '--b-x', '--b \tx\r\n']) {
    assert.equal(parse('b', [Buffer.from(body, 'latin1')]).error, 'BAD_BOUNDARY_LINE', JSON.stringify(body));
  }
});

test('refuses malformed part headers', () => {
  for (const header of ['no colon', ': empty name', 'Bad Name: x', 'Name : space before colon', 'X: bare\rCR', 'X: nul\0', ' leading fold']) {
    const t = parse('b', [Buffer.from(`--b\r\n${header}\r\n\r\n1\r\n--b--`, 'latin1')]);
    assert.equal(t.error, 'BAD_PART_HEADER', JSON.stringify(header));
  }
});

test('refuses a part header block over the limit, in any chunking', () => {
  const body = `--b\r\nContent-Disposition: form-data; name="x"\r\nX-Pad: ${'p'.repeat(200)}\r\n\r\n1\r\n--b--`;
  const bytes = Buffer.from(body, 'latin1');
  assert.equal(parse('b', [bytes], 100).error, 'PART_HEADER_TOO_LARGE');
  assert.equal(parse('b', [...bytes].map((b) => Buffer.from([b])), 100).error, 'PART_HEADER_TOO_LARGE');
  assert.equal(parse('b', [bytes], 1000).error, null);
});

test('after an error the parser takes no more input', () => {
  const events: string[] = [];
  const p = new MultipartParser('b', {
    onPartBegin: () => events.push('begin'),
    onPartData: () => events.push('data'),
    onPartEnd: () => events.push('end'),
    onEnd: () => events.push('done'),
    onError: (e) => events.push(e.code),
  });
  p.push(Buffer.from('--bX'));
  p.push(Buffer.from('\r\n--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--'));
  p.end();
  assert.deepEqual(events, ['BAD_BOUNDARY_LINE']);
  assert.equal(p.failed, true);
});

test('data views handed out are never overwritten later', () => {
  const kept: Buffer[] = [];
  const p = new MultipartParser('bb', {
    onPartBegin: () => undefined,
    onPartData: (c) => kept.push(c),
    onPartEnd: () => undefined,
    onEnd: () => undefined,
    onError: (e) => assert.fail(e.message),
  });
  const body = Buffer.from('--bb\r\nContent-Disposition: form-data; name="x"\r\n\r\nab\r\n-\r\ncd\r\n--bb--');
  for (let i = 0; i < body.length; i += 3) p.push(Buffer.from(body.subarray(i, i + 3)));
  p.end();
  assert.equal(Buffer.concat(kept).toString(), 'ab\r\n-\r\ncd');
});
