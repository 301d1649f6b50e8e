// Sans-IO unit tests of RequestParser. Every case runs three ways (see parse3): whole, one byte at a
// time, and followed by a request that must stay unparsed while the parser is paused.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser } from '../../src/http1/request-parser.ts';
import { EXTRA, bytewise, expectError, expectRequest, expectRequests, feed, parse3, splitAt } from '../support/parser-harness.ts';

const H = 'Host: example.test\r\n';
const get = (target = '/', extra = ''): string => `GET ${target} HTTP/1.1\r\n${H}${extra}\r\n`;
const post = (fields: string, body: string): string => `POST /upload HTTP/1.1\r\n${H}${fields}\r\n${body}`;

describe('request line (RFC 9112 §3)', () => {
  test('parses method, origin-form target and version (RFC 9112 §3, §3.2.1)', () => {
    const { head, body } = expectRequest('GET /a/b?c=d&e HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n');
    assert.equal(head.method, 'GET');
    assert.equal(head.target, '/a/b?c=d&e');
    assert.equal(head.targetForm, 'origin');
    assert.equal(head.versionMajor, 1);
    assert.equal(head.versionMinor, 1);
    assert.deepEqual(head.rawHeaders, ['Host', 'example.test', 'Accept', '*/*']);
    assert.equal(head.host, 'example.test');
    assert.equal(head.contentLength, 0);
    assert.equal(head.chunked, false);
    assert.equal(head.keepAlive, true);
    assert.equal(body, '');
  });

  test('methods are case-sensitive tokens, extension methods accepted (RFC 9110 §9.1)', () => {
    for (const method of ['get', 'PROPFIND', 'M-SEARCH', "X!#$%&'*+.^_`|~9"]) {
      assert.equal(expectRequest(`${method} / HTTP/1.1\r\n${H}\r\n`).head.method, method);
    }
  });

  test('accepts VCHARs browsers leave unescaped in the target (RFC 9112 §3.2)', () => {
    const target = '/a|b^c{d}e"f<g>h\\i`j?q=[1]';
    assert.equal(expectRequest(get(target)).head.target, target);
  });

  test('ignores a few leading empty lines before the request line (RFC 9112 §2.2)', () => {
    const { head } = expectRequest(`\r\n\r\n${get('/x')}`);
    assert.equal(head.target, '/x');
  });

  test('refuses more than 4 leading empty lines (RFC 9112 §2.2 "at least one")', () => {
    expectError(`\r\n\r\n\r\n\r\n\r\n${get()}`, 'BAD_REQUEST_LINE', 400);
  });

  const badLines: Array<[string, string, string]> = [
    ['no spaces', 'GET\r\n', 'BAD_REQUEST_LINE'],
    ['one space', 'GET /\r\n', 'BAD_REQUEST_LINE'],
    ['empty method', ' / HTTP/1.1\r\n', 'BAD_REQUEST_LINE'],
    ['two spaces between method and target', 'GET  / HTTP/1.1\r\n', 'BAD_REQUEST_LINE'],
    ['trailing space after version', 'GET / HTTP/1.1 \r\n', 'BAD_VERSION'],
    ['space inside the target', 'GET /a b HTTP/1.1\r\n', 'BAD_VERSION'],
    ['HTAB as separator', 'GET\t/ HTTP/1.1\r\n', 'BAD_REQUEST_LINE'],
    ['lower-case protocol name', 'GET / http/1.1\r\n', 'BAD_VERSION'],
    ['version without minor', 'GET / HTTP/1\r\n', 'BAD_VERSION'],
    ['two-digit major', 'GET / HTTP/11.1\r\n', 'BAD_VERSION'],
    ['letters in version', 'GET / HTTP/1.x\r\n', 'BAD_VERSION'],
    ['bare CR inside the line', 'GET /\r HTTP/1.1\r\n', 'BARE_CR'],
    ['CR before CRLF', 'GET / HTTP/1.1\r\r\n', 'BARE_CR'],
  ];
  for (const [what, line, code] of badLines) {
    test(`rejects a request line with ${what} (RFC 9112 §3)`, () => {
      expectError(`${line}${H}\r\n`, code, 400);
    });
  }

  test('rejects invalid method characters with 400 (RFC 9110 §9.1: method = token)', () => {
    for (const method of ['G(ET', 'GE:T', 'GE\x00T', 'G\x7fET', 'GÉT', 'GET,', 'G"ET', 'G/ET']) {
      expectError(`${method} / HTTP/1.1\r\n${H}\r\n`, 'BAD_METHOD', 400);
    }
  });

  test('rejects controls, DEL and non-ASCII bytes in the target (RFC 9112 §3.2, RFC 3986 §2)', () => {
    for (const bad of ['\x00', '\x01', '\x1f', '\x7f', '\x80', '\xff', '\t']) {
      expectError(`GET /a${bad}b HTTP/1.1\r\n${H}\r\n`, bad === '\t' ? 'BAD_TARGET' : 'BAD_TARGET', 400);
    }
  });

  test('answers 505 to an HTTP major version other than 1 (RFC 9110 §15.6.6)', () => {
    for (const v of ['HTTP/2.0', 'HTTP/0.9', 'HTTP/3.0', 'HTTP/9.9']) expectError(`GET / ${v}\r\n${H}\r\n`, 'UNSUPPORTED_VERSION', 505);
  });

  test('handles HTTP/1.x with x > 1 as HTTP/1.1 (RFC 9110 §6.2)', () => {
    const { head } = expectRequest(`GET / HTTP/1.9\r\n${H}\r\n`);
    assert.equal(head.versionMinor, 1);
    assert.equal(head.keepAlive, true);
  });

  test('answers 414 to a request line over maxRequestLineBytes (RFC 9112 §3)', () => {
    const limits = { maxRequestLineBytes: 64 };
    const fits = `GET /${'a'.repeat(64 - 'GET / HTTP/1.1'.length)} HTTP/1.1`;
    assert.equal(fits.length, 64);
    expectRequest(`${fits}\r\n${H}\r\n`, limits);
    const over = `GET /${'a'.repeat(65 - 'GET / HTTP/1.1'.length)} HTTP/1.1`;
    expectError(`${over}\r\n${H}\r\n`, 'URI_TOO_LONG', 414, limits);
  });

  test('answers 414 to an endless request line before its end arrives (RFC 9112 §3)', () => {
    const { events, parser } = feed([Buffer.from(`GET /${'a'.repeat(100)}`)], { limits: { maxRequestLineBytes: 64 } });
    assert.deepEqual(events, [{ type: 'error', code: 'URI_TOO_LONG', status: 414 }]);
    assert.ok(parser.dead);
    const bytes = feed(bytewise(Buffer.from(`GET /${'a'.repeat(100)}`)), { limits: { maxRequestLineBytes: 64 } });
    assert.deepEqual(bytes.events, events);
  });
});

describe('request-target forms (RFC 9112 §3.2)', () => {
  test('accepts absolute-form with any method (RFC 9112 §3.2.2)', () => {
    const { head } = expectRequest(`GET http://example.test:8080/p?q HTTP/1.1\r\n${H}\r\n`);
    assert.equal(head.targetForm, 'absolute');
    assert.equal(head.target, 'http://example.test:8080/p?q');
    assert.equal(expectRequest(`POST https://x.test HTTP/1.1\r\n${H}\r\n`).head.targetForm, 'absolute');
  });

  test('accepts authority-form for CONNECT (RFC 9112 §3.2.3)', () => {
    for (const authority of ['example.test:443', '127.0.0.1:8443', '[::1]:443']) {
      const { head } = expectRequest(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
      assert.equal(head.targetForm, 'authority');
      assert.equal(head.target, authority);
    }
  });

  test('refuses CONNECT with anything but host:port (RFC 9112 §3.2.3)', () => {
    for (const target of ['/', 'example.test', 'http://example.test:443/', '*', ':443', 'example.test:', 'example.test:44x', 'user@example.test:443', 'example.test:443/x', 'example.test:1234567', '[::1]', 'a:1:2']) {
      expectError(`CONNECT ${target} HTTP/1.1\r\n${H}\r\n`, 'BAD_TARGET', 400);
    }
  });

  test('accepts asterisk-form for OPTIONS only (RFC 9112 §3.2.4)', () => {
    const { head } = expectRequest(`OPTIONS * HTTP/1.1\r\n${H}\r\n`);
    assert.equal(head.targetForm, 'asterisk');
    assert.equal(head.target, '*');
    for (const method of ['GET', 'HEAD', 'POST', 'options']) expectError(`${method} * HTTP/1.1\r\n${H}\r\n`, 'BAD_TARGET', 400);
  });

  test('refuses authority-form outside CONNECT and targets of no form (RFC 9112 §3.2)', () => {
    for (const target of ['example.test', 'a/b', '?q', '1http://x/', ':x', '*/']) {
      expectError(`GET ${target} HTTP/1.1\r\n${H}\r\n`, 'BAD_TARGET', 400);
    }
  });
});

describe('field lines (RFC 9112 §5, RFC 9110 §5)', () => {
  test('keeps names as sent and trims OWS around values (RFC 9112 §5.1)', () => {
    const { head } = expectRequest(get('/', 'X-A:  v1 \t\r\nx-b:\tv 2\r\nX-Empty:\r\nX-Ws:   \r\n'));
    assert.deepEqual(head.rawHeaders, ['Host', 'example.test', 'X-A', 'v1', 'x-b', 'v 2', 'X-Empty', '', 'X-Ws', '']);
  });

  test('accepts obs-text (bytes 0x80-0xFF) in field values (RFC 9110 §5.5)', () => {
    const { head } = expectRequest(get('/', 'X-Name: caf\xe9 \xff\r\n'));
    assert.equal(head.rawHeaders[3], 'caf\xe9 \xff');
  });

  test('accepts every tchar in a field name (RFC 9110 §5.1)', () => {
    const name = "!#$%&'*+-.^_`|~09azAZ";
    assert.equal(expectRequest(get('/', `${name}: v\r\n`)).head.rawHeaders[2], name);
  });

  test('rejects whitespace between field name and colon (RFC 9112 §5.1)', () => {
    expectError(get('/', 'X-A : v\r\n'), 'SPACE_BEFORE_COLON', 400);
    expectError(get('/', 'X-A\t: v\r\n'), 'SPACE_BEFORE_COLON', 400);
  });

  test('rejects obs-fold line folding (RFC 9112 §5.2)', () => {
    expectError(get('/', 'X-A: v\r\n  continued\r\n'), 'OBS_FOLD', 400);
    expectError(get('/', 'X-A: v\r\n\tcontinued\r\n'), 'OBS_FOLD', 400);
  });

  test('rejects whitespace before the first field line (RFC 9112 §2.2)', () => {
    expectError(`GET / HTTP/1.1\r\n ${H}\r\n`, 'OBS_FOLD', 400);
  });

  test('rejects invalid field-name characters (RFC 9110 §5.1: field-name = token)', () => {
    for (const name of ['X(A)', 'X/A', 'X\x00A', 'X\x7fA', 'X\xe9A', 'X"A', 'X{A}', 'X@A', 'X,A']) {
      expectError(get('/', `${name}: v\r\n`), 'BAD_HEADER_NAME', 400);
    }
  });

  test('rejects an empty field name and a line without colon (RFC 9112 §5)', () => {
    expectError(get('/', ': v\r\n'), 'BAD_HEADER_NAME', 400);
    expectError(get('/', 'X-A\r\n'), 'MISSING_COLON', 400);
  });

  test('rejects NUL and control characters in field values (RFC 9110 §5.5)', () => {
    for (const ctl of ['\x00', '\x01', '\x08', '\x0b', '\x0c', '\x1b', '\x1f', '\x7f']) {
      expectError(get('/', `X-A: a${ctl}b\r\n`), 'BAD_HEADER_VALUE', 400);
    }
  });

  test('rejects a bare CR in a field value or name (RFC 9112 §2.2)', () => {
    expectError(get('/', 'X-A: a\rb\r\n'), 'BARE_CR', 400);
    expectError(get('/', 'X-A: ab\r\r\n'), 'BARE_CR', 400);
    expectError(get('/', 'X-A\r: ab\r\n'), 'BARE_CR', 400);
  });

  test('rejects bare LF line endings (RFC 9112 §2.2: we require CRLF to avoid smuggling)', () => {
    expectError('GET / HTTP/1.1\n' + H + '\r\n', 'BARE_LF', 400);
    expectError(`GET / HTTP/1.1\r\nHost: example.test\n\r\n`, 'BARE_LF', 400);
    expectError(`GET / HTTP/1.1\r\n${H}\n`, 'BARE_LF', 400);
    expectError(get('/', 'X-A: a\nb\r\n'), 'BARE_LF', 400);
  });

  test('answers 431 when the header section exceeds maxHeaderBytes (RFC 6585 §5)', () => {
    // The section is counted as field lines with their CRLFs plus the final CRLF.
    const fields = `${H}X-A: ${'a'.repeat(20)}\r\n`;
    const size = fields.length + 2;
    expectRequest(`GET / HTTP/1.1\r\n${fields}\r\n`, { maxHeaderBytes: size });
    expectError(`GET / HTTP/1.1\r\n${fields}\r\n`, 'HEADERS_TOO_LARGE', 431, { maxHeaderBytes: size - 1 });
  });

  test('answers 431 to an endless field line before its end arrives (RFC 6585 §5)', () => {
    const input = Buffer.from(`GET / HTTP/1.1\r\n${H}X-A: ${'a'.repeat(500)}`);
    const { events } = feed([input], { limits: { maxHeaderBytes: 100 } });
    assert.deepEqual(events, [{ type: 'error', code: 'HEADERS_TOO_LARGE', status: 431 }]);
    assert.deepEqual(feed(splitAt(input, [20, 40, 77]), { limits: { maxHeaderBytes: 100 } }).events, events);
  });

  test('answers 431 when there are more than maxHeaderCount fields (RFC 6585 §5)', () => {
    const fields = (n: number): string => Array.from({ length: n - 1 }, (_, i) => `X-${i}: v\r\n`).join('');
    assert.equal(expectRequest(get('/', fields(5)), { maxHeaderCount: 5 }).head.rawHeaders.length, 10);
    expectError(get('/', fields(6)), 'TOO_MANY_HEADERS', 431, { maxHeaderCount: 5 });
  });
});

describe('Host (RFC 9112 §3.2, RFC 9110 §7.2)', () => {
  test('rejects an HTTP/1.1 request without Host with 400 (RFC 9112 §3.2)', () => {
    expectError('GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', 'MISSING_HOST', 400);
  });

  test('accepts an HTTP/1.0 request without Host (RFC 9112 §3.2)', () => {
    assert.equal(expectRequest('GET / HTTP/1.0\r\n\r\n').head.host, '');
  });

  test('accepts an empty Host (RFC 9110 §7.2: no authority in the target)', () => {
    assert.equal(expectRequest('GET / HTTP/1.1\r\nHost:\r\n\r\n').head.host, '');
  });

  test('rejects more than one Host field, even identical (RFC 9112 §3.2)', () => {
    expectError(get('/', 'Host: example.test\r\n'), 'DUPLICATE_HOST', 400);
    expectError(get('/', 'host: other.test\r\n'), 'DUPLICATE_HOST', 400);
  });

  test('accepts host, IPv4, IPv6 and port forms (RFC 3986 §3.2.2)', () => {
    for (const host of ['localhost', 'a.b-c.test:8080', '127.0.0.1', '[::1]:8000', '[fe80::1%25eth0]', '[v1.x:y]:1', 'xn--caf-dma.test', 'a:', "a!$&'()*+,;=~_.%41"]) {
      assert.equal(expectRequest(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`).head.host, host);
    }
  });

  test('rejects invalid characters in Host (RFC 3986 §3.2.2)', () => {
    for (const host of ['a b', 'a/b', 'user@host', 'a?b', 'a#b', 'a"b', 'caf\xe9', 'a\\b', 'a<b>', 'a\x9e']) {
      expectError(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'BAD_HOST', 400);
    }
  });
});

test('rejects a Host that is not uri-host [":" port] (RFC 9110 §7.2, RFC 3986 §3.2.2)', () => {
  for (const host of ['a:b', 'a:1:2', 'a:123456', ':80', '[::1', '[::1]x', '[]', 'a]', 'a[b]', '[a@b]', '[::1]:8a']) {
    expectError(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'BAD_HOST', 400);
  }
});

describe('Content-Length (RFC 9112 §6.2, §6.3; RFC 9110 §8.6)', () => {
  test('reads exactly Content-Length bytes of body (RFC 9112 §6.2)', () => {
    const { head, body } = expectRequest(post('Content-Length: 11\r\n', 'hello world'));
    assert.equal(head.contentLength, 11);
    assert.equal(body, 'hello world');
  });

  test('treats the body as opaque bytes, CRLF and NUL included (RFC 9112 §6)', () => {
    const body = 'a\r\n\r\nGET / HTTP/1.1\r\n\x00\xff';
    assert.equal(expectRequest(post(`Content-Length: ${body.length}\r\n`, body)).body, body);
  });

  test('reads no body without Content-Length or Transfer-Encoding (RFC 9112 §6.3 rule 7)', () => {
    const reqs = expectRequests(`POST / HTTP/1.1\r\n${H}\r\n${get('/next')}`);
    assert.deepEqual(reqs.map((r) => [r.head.target, r.body]), [['/', ''], ['/next', '']]);
  });

  test('accepts Content-Length: 0 and leading zeros (RFC 9110 §8.6: 1*DIGIT)', () => {
    assert.equal(expectRequest(post('Content-Length: 0\r\n', '')).body, '');
    assert.equal(expectRequest(post('Content-Length: 0000000000000000000000003\r\n', 'abc')).body, 'abc');
  });

  test('accepts identical duplicate Content-Length, as fields or a list (RFC 9110 §8.6)', () => {
    assert.equal(expectRequest(post('Content-Length: 3\r\nContent-Length: 3\r\n', 'abc')).body, 'abc');
    assert.equal(expectRequest(post('Content-Length: 3, 3\r\n', 'abc')).body, 'abc');
    assert.equal(expectRequest(post('Content-Length: 3,03\r\n', 'abc')).body, 'abc');
  });

  test('rejects differing Content-Length values (RFC 9112 §6.3 rule 5)', () => {
    expectError(post('Content-Length: 3\r\nContent-Length: 4\r\n', 'abcd'), 'CONFLICTING_CONTENT_LENGTH', 400);
    expectError(post('Content-Length: 3, 4\r\n', 'abcd'), 'CONFLICTING_CONTENT_LENGTH', 400);
    expectError(post('Content-Length: 5\r\nContent-Length: 99999999999999999999999\r\n', 'abcd'), 'CONFLICTING_CONTENT_LENGTH', 400);
  });

  test('rejects malformed Content-Length (RFC 9112 §6.3 rule 5)', () => {
    for (const v of ['', 'abc', '-1', '+3', '3a', '0x3', '3 3', '3.0', '1e3', ',', '3,', ', 3', '3;q=1', '"3"']) {
      expectError(post(`Content-Length: ${v}\r\n`, 'abc'), 'BAD_CONTENT_LENGTH', 400);
    }
  });

  test('answers 413 to Content-Length over maxBodyBytes without reading the body (RFC 9110 §15.5.14)', () => {
    const limits = { maxBodyBytes: 10 };
    assert.equal(expectRequest(post('Content-Length: 10\r\n', '0123456789'), limits).body, '0123456789');
    // Only the head is sent: the answer must not wait for the body.
    const events = expectError(post('Content-Length: 11\r\n', ''), 'BODY_TOO_LARGE', 413, limits);
    assert.equal(events.length, 1);
    expectError(post('Content-Length: 99999999999999999999999999\r\n', ''), 'BODY_TOO_LARGE', 413);
  });
});

describe('Transfer-Encoding (RFC 9112 §6.1, §6.3, §7)', () => {
  const chunked = 'Transfer-Encoding: chunked\r\n';

  test('decodes a chunked body (RFC 9112 §7.1)', () => {
    const { head, body, trailers } = expectRequest(post(chunked, '5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n'));
    assert.equal(head.chunked, true);
    assert.equal(head.contentLength, -1);
    assert.equal(body, 'hello 0123456789');
    assert.equal(trailers, null);
  });

  test('accepts upper- and lower-case hex and leading zeros in chunk sizes (RFC 9112 §7.1)', () => {
    const data = 'x'.repeat(26);
    assert.equal(expectRequest(post(chunked, `1a\r\n${data}\r\n1A\r\n${data}\r\n000000000000000000001\r\n!\r\n000\r\n\r\n`)).body, data + data + '!');
  });

  test('matches transfer coding names case-insensitively (RFC 9112 §7)', () => {
    assert.equal(expectRequest(post('Transfer-Encoding: Chunked\r\n', '1\r\na\r\n0\r\n\r\n')).body, 'a');
  });

  test('accepts valid chunk extensions, tokens and quoted strings (RFC 9112 §7.1.1)', () => {
    const exts = [';a', ';a=b', ' ;a=b', ';a = b', '; a=b;c', ';a="q"', ';a="with \\"escapes\\" and ;=,"', ';a=""', ';n=\t"x"', ';a="\xe9"'];
    for (const ext of exts) {
      assert.equal(expectRequest(post(chunked, `3${ext}\r\nabc\r\n0${ext}\r\n\r\n`)).body, 'abc', ext);
    }
  });

  test('rejects malformed chunk extensions (RFC 9112 §7.1.1)', () => {
    const exts = [';', ';=b', ';a=', ';a="unterminated', ';a="x"y', ';a=b c', ';a;;', ';a="\x00"', ';a=\x01', ';a="\\\x00"', ';a@b'];
    for (const ext of exts) {
      expectError(post(chunked, `3${ext}\r\nabc\r\n0\r\n\r\n`), 'BAD_CHUNK_EXTENSION', 400);
    }
  });

  test('rejects whitespace after the chunk size without an extension (RFC 9112 §7.1)', () => {
    expectError(post(chunked, '3 \r\nabc\r\n0\r\n\r\n'), 'BAD_CHUNK_EXTENSION', 400);
    expectError(post(chunked, '3\t\r\nabc\r\n0\r\n\r\n'), 'BAD_CHUNK_EXTENSION', 400);
    expectError(post(chunked, '3;a=b \r\nabc\r\n0\r\n\r\n'), 'BAD_CHUNK_EXTENSION', 400);
    expectError(post(chunked, '3;a \r\nabc\r\n0\r\n\r\n'), 'BAD_CHUNK_EXTENSION', 400);
  });

  test('bounds a chunk-size line by 4 KiB however it is chunked (RFC 9112 §7.1.1)', () => {
    // Regression: a long line that arrived in one piece escaped the bound that a split one met.
    const ext = `;a="${'x'.repeat(5000)}"`;
    expectError(post(chunked, `3${ext}\r\nabc\r\n0\r\n\r\n`), 'BAD_CHUNK_EXTENSION', 400);
    assert.equal(expectRequest(post(chunked, `3;a="${'x'.repeat(4000)}"\r\nabc\r\n0\r\n\r\n`)).body, 'abc');
  });

  test('rejects malformed chunk sizes (RFC 9112 §7.1)', () => {
    for (const size of ['', 'g', '-1', '+1', ' 1', '0x1', '1g', '1,', '1=']) {
      expectError(post(chunked, `${size}\r\nabc\r\n0\r\n\r\n`), 'BAD_CHUNK_SIZE', 400);
    }
  });

  test('rejects chunk data not followed by CRLF (RFC 9112 §7.1)', () => {
    expectError(post(chunked, '3\r\nabcd\r\n0\r\n\r\n'), 'BAD_CHUNK_END', 400);
    expectError(post(chunked, '3\r\nabc0\r\n\r\n'), 'BAD_CHUNK_END', 400);
    expectError(post(chunked, '3\r\nabc\n0\r\n\r\n'), 'BARE_LF', 400);
    expectError(post(chunked, '3\r\nabcxyz\n'), 'BAD_CHUNK_END', 400);
  });

  test('answers 413 to a chunk size that overflows (RFC 9112 §7.1, §8)', () => {
    expectError(post(chunked, 'ffffffffffffffffffff\r\n'), 'BODY_TOO_LARGE', 413);
    expectError(post(chunked, '10000000000000\r\n'), 'BODY_TOO_LARGE', 413);
  });

  test('answers 413 as soon as the chunked body passes maxBodyBytes (RFC 9110 §15.5.14)', () => {
    const limits = { maxBodyBytes: 10 };
    assert.equal(expectRequest(post(chunked, '5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n'), limits).body, '0123456789');
    // The 413 comes at the size line of the chunk that would pass the limit, before its data.
    const events = expectError(post(chunked, '5\r\n01234\r\n6\r\n'), 'BODY_TOO_LARGE', 413, limits);
    assert.deepEqual(events.map((e) => e.type), ['head', 'data', 'error']);
  });

  test('delivers trailers apart from the head fields (RFC 9112 §7.1.2)', () => {
    const { head, body, trailers } = expectRequest(post(chunked, '3\r\nabc\r\n0\r\nX-Checksum: 42\r\nx-other:  v \r\n\r\n'));
    assert.equal(body, 'abc');
    assert.deepEqual(trailers, ['X-Checksum', '42', 'x-other', 'v']);
    assert.ok(!head.rawHeaders.includes('X-Checksum'));
  });

  test('validates trailer fields like head fields (RFC 9112 §7.1.2)', () => {
    expectError(post(chunked, '0\r\nX-A : v\r\n\r\n'), 'SPACE_BEFORE_COLON', 400);
    expectError(post(chunked, '0\r\nX-A: v\r\n folded\r\n\r\n'), 'OBS_FOLD', 400);
    expectError(post(chunked, '0\r\nX-A: \x00\r\n\r\n'), 'BAD_HEADER_VALUE', 400);
    expectError(post(chunked, '0\r\nX-A: v\n\r\n'), 'BARE_LF', 400);
  });

  test('limits the trailer section by maxHeaderCount and maxHeaderBytes (RFC 6585 §5)', () => {
    const trailers = 'A: 1\r\nB: 2\r\nC: 3\r\n';
    expectError(post(chunked, `0\r\n${trailers}\r\n`), 'TOO_MANY_HEADERS', 431, { maxHeaderCount: 2 });
    expectError(post(chunked, `0\r\n${trailers}\r\n`), 'HEADERS_TOO_LARGE', 431, { maxHeaderBytes: 40 });
  });

  test('rejects Content-Length with Transfer-Encoding (RFC 9112 §6.3)', () => {
    expectError(post(`${chunked}Content-Length: 3\r\n`, '3\r\nabc\r\n0\r\n\r\n'), 'TE_AND_CL', 400);
    expectError(post(`Content-Length: 3\r\n${chunked}`, '3\r\nabc\r\n0\r\n\r\n'), 'TE_AND_CL', 400);
  });

  test('refuses TE with CL before judging the length, however large (RFC 9112 §6.3 rule 3)', () => {
    expectError(post(`${chunked}Content-Length: 99999999999999999999\r\n`, '0\r\n\r\n'), 'TE_AND_CL', 400);
  });

  test('answers 501 to a transfer coding before chunked it does not implement (RFC 9112 §6.1)', () => {
    expectError(post('Transfer-Encoding: gzip, chunked\r\n', '0\r\n\r\n'), 'UNSUPPORTED_TRANSFER_CODING', 501);
    expectError(post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), 'UNSUPPORTED_TRANSFER_CODING', 501);
  });

  test('rejects a transfer coding other than a final chunked (RFC 9112 §6.3 rule 4)', () => {
    for (const te of ['gzip', 'chunked, gzip', 'identity', '', ',', '"chunked"', 'chunked;q=1, gzip', 'chunked;q=1', 'chunked ;a=b', 'gzip, chunked;x=y']) {
      expectError(post(`Transfer-Encoding: ${te}\r\n`, '0\r\n\r\n'), 'CHUNKED_NOT_FINAL', 400);
    }
  });

  test('rejects chunked applied twice (RFC 9112 §7: MUST NOT apply chunked more than once)', () => {
    expectError(post('Transfer-Encoding: chunked, chunked\r\n', '0\r\n\r\n'), 'DUPLICATE_CHUNKED', 400);
    expectError(post(`${chunked}${chunked}`, '0\r\n\r\n'), 'DUPLICATE_CHUNKED', 400);
  });

  test('rejects Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)', () => {
    expectError(`POST / HTTP/1.0\r\n${chunked}\r\n0\r\n\r\n`, 'TE_IN_HTTP10', 400);
  });

  test('rejects an incomplete chunked body only by waiting, never by guessing (RFC 9112 §7.1)', () => {
    const events = parse3(post(chunked, '5\r\nhel'));
    assert.deepEqual(events.map((e) => e.type), ['head', 'data']);
  });
});

describe('persistence (RFC 9112 §9.3)', () => {
  const keepAlive = (input: string): boolean => expectRequest(input).head.keepAlive;

  test('HTTP/1.1 persists unless Connection: close (RFC 9112 §9.3)', () => {
    assert.equal(keepAlive(get()), true);
    assert.equal(keepAlive(get('/', 'Connection: close\r\n')), false);
    assert.equal(keepAlive(get('/', 'Connection: Upgrade, CLOSE\r\n')), false);
    assert.equal(keepAlive(get('/', 'Connection: keep-alive\r\nConnection: close\r\n')), false);
    // The one-token spellings matched without splitting, and the others through the list.
    assert.equal(keepAlive(get('/', 'Connection: Close\r\n')), false);
    assert.equal(keepAlive(get('/', 'Connection: CLOSE\r\n')), false);
    assert.equal(keepAlive(get('/', 'Connection: close \r\n')), false);
  });

  test('HTTP/1.0 persists only with Connection: keep-alive (RFC 9112 §9.3, Appendix C.2.2)', () => {
    assert.equal(keepAlive('GET / HTTP/1.0\r\n\r\n'), false);
    assert.equal(keepAlive('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'), true);
    assert.equal(keepAlive('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'), true);
    assert.equal(keepAlive('GET / HTTP/1.0\r\nConnection: KEEP-ALIVE\r\n\r\n'), true);
    assert.equal(keepAlive('GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n'), true);
    assert.equal(keepAlive('GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n'), false);
    assert.equal(expectRequest('GET / HTTP/1.0\r\n\r\n').head.versionMinor, 0);
  });

  test('reports Expect lower-cased (RFC 9110 §10.1.1)', () => {
    assert.equal(expectRequest(post('Expect: 100-Continue\r\nContent-Length: 1\r\n', 'x')).head.expect, '100-continue');
  });
});

describe('pipelining, pause and resume (RFC 9112 §9.3.2)', () => {
  const three = `${get('/1')}${post('Content-Length: 3\r\n', 'abc')}${post('Transfer-Encoding: chunked\r\n', '2\r\nde\r\n0\r\n\r\n')}`;

  test('parses pipelined requests in order (RFC 9112 §9.3.2)', () => {
    const reqs = expectRequests(three);
    assert.deepEqual(reqs.map((r) => [r.head.method, r.head.target, r.body, r.complete]), [
      ['GET', '/1', '', true],
      ['POST', '/upload', 'abc', true],
      ['POST', '/upload', 'de', true],
    ]);
  });

  test('holds pipelined bytes while paused and parses them on resume() (RFC 9112 §9.3.2)', () => {
    const { events, parser } = feed([Buffer.from(three)], { resume: 'never' });
    assert.deepEqual(events.map((e) => e.type), ['head', 'end']);
    assert.ok(parser.paused);
    assert.ok(!parser.midMessage);
    assert.equal(parser.pendingBytes, three.length - get('/1').length);
    parser.push(Buffer.from(EXTRA));
    assert.equal(events.length, 2, 'bytes pushed while paused wait too');
    parser.resume();
    assert.deepEqual(events.map((e) => e.type), ['head', 'end', 'head', 'data', 'end']);
    parser.resume();
    parser.resume();
    assert.deepEqual(events.filter((e) => e.type === 'head').map((e) => e.type === 'head' && e.head.target), ['/1', '/upload', '/upload', '/extra']);
    assert.equal(parser.pendingBytes, 0);
  });

  test('keeps byte order when several held chunks each end a request mid-chunk (RFC 9112 §9.3.2)', () => {
    const input = Buffer.from(three + EXTRA);
    const whole = feed([input]).events;
    for (const cuts of [[5, 60, 70, 120, 130], [30, 31, 90, 150], [17, 80, 81, 82, 160, 200]]) {
      const { events, parser } = feed(splitAt(input, cuts), { resume: 'never' });
      while (parser.paused) parser.resume();
      assert.deepEqual(events, whole, `cuts ${cuts.join(',')}`);
    }
  });

  test('resume() from inside onEnd continues with the same chunk', () => {
    const input = Buffer.from(three);
    assert.deepEqual(feed([input], { resume: 'in-callback' }).events, feed([input]).events);
  });

  test('resumes through thousands of held chunks without deep recursion', () => {
    // Regression: each held chunk was parsed by a recursive call from the previous one.
    const body = 'b'.repeat(200_000);
    const input = Buffer.from(get('/first') + post(`Content-Length: ${body.length}\r\n`, body) + get('/x'));
    const { events, parser } = feed(bytewise(input), { resume: 'never' });
    assert.ok(parser.paused);
    while (parser.paused) parser.resume();
    assert.equal(events.filter((e) => e.type === 'end').length, 3);
    assert.deepEqual(events.find((e) => e.type === 'data'), { type: 'data', data: body });
  });

  test('accepts bytes pushed from inside a callback, in order', () => {
    const events: string[] = [];
    let parser: RequestParser;
    let injected = false;
    parser = new RequestParser({
      onHead: (head) => {
        events.push(head.target);
        if (!injected) {
          injected = true;
          parser.push(Buffer.from(get('/injected')));
        }
      },
      onData: () => {},
      onTrailers: () => {},
      onEnd: () => events.push('end'),
      onError: (e) => events.push(e.code),
    });
    parser.push(Buffer.from(get('/a') + get('/b')));
    while (parser.paused) parser.resume();
    assert.deepEqual(events, ['/a', 'end', '/b', 'end', '/injected', 'end']);
  });

  test('takePending() hands back held bytes unparsed (protocol upgrade)', () => {
    const { parser } = feed([Buffer.from(get('/', 'Upgrade: x\r\nConnection: upgrade\r\n') + 'raw\x00bytes')], { resume: 'never' });
    assert.equal(parser.takePending().toString('latin1'), 'raw\x00bytes');
    assert.equal(parser.pendingBytes, 0);
  });

  test('reports midMessage only between the first byte of a request and its end', () => {
    const { parser } = feed([], {});
    assert.equal(parser.midMessage, false);
    parser.push(Buffer.from('GE'));
    assert.equal(parser.midMessage, true);
    parser.push(Buffer.from(`T / HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nx`));
    assert.equal(parser.midMessage, true);
    parser.push(Buffer.from('y'));
    assert.equal(parser.midMessage, false);
    assert.equal(parser.paused, true);
  });

  test('emits one error and ignores all later input (RFC 9112 §11.2: framing lost, close)', () => {
    const { events, parser } = feed([Buffer.from('BAD\r\n'), Buffer.from(get()), Buffer.from('more')]);
    assert.deepEqual(events, [{ type: 'error', code: 'BAD_REQUEST_LINE', status: 400 }]);
    assert.ok(parser.dead);
    assert.equal(parser.pendingBytes, 0);
  });

  test('an error in a pipelined request comes after the earlier requests complete (RFC 9112 §9.3.2)', () => {
    const events = parse3(`${get('/ok')}GET / HTTP/1.1\r\nX : y\r\n\r\n`);
    assert.deepEqual(events.map((e) => e.type), ['head', 'end', 'error']);
  });
});

describe('chunking independence', () => {
  test('every split point of a complex stream gives the same events (RFC 9112 §2.2)', () => {
    const input = Buffer.from(
      `\r\nPOST /a?b HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;x="y"\r\nabc\r\n0\r\nT: 1\r\n\r\n` +
        `PUT /c HTTP/1.0\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nwxyz` +
        `OPTIONS * HTTP/1.1\r\n${H}\r\n`,
      'latin1',
    );
    const whole = feed([input]).events;
    assert.equal(whole.filter((e) => e.type === 'end').length, 3);
    for (let i = 1; i < input.length; i++) {
      assert.deepEqual(feed(splitAt(input, [i])).events, whole, `split at ${i}`);
      assert.deepEqual(feed(splitAt(input, [i, i + 1, i + 7])).events, whole, `split at ${i}, ${i + 1}, ${i + 7}`);
    }
  });
});
