// Sans-IO unit tests of ResponseParser (RFC 9112 §4, §6, §7). Each case runs whole and one byte at a
// time (parseBoth), and where it matters followed by bytes that must stay unparsed.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytewise, feedResponses, parseBoth, splitAt, type ResponseEvent } from '../support/response-harness.ts';

const heads = (events: ResponseEvent[]) => events.filter((e) => e.type === 'head').map((e) => (e as { head: unknown }).head);
const body = (events: ResponseEvent[]): string => events.filter((e) => e.type === 'data').map((e) => (e as { data: string }).data).join('');
const errorOf = (events: ResponseEvent[]): string | undefined => (events.find((e) => e.type === 'error') as { code: string } | undefined)?.code;

describe('status line (RFC 9112 §4)', () => {
  test('parses version, status, reason and fields', () => {
    const ev = parseBoth('HTTP/1.1 201 Created Here\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok');
    assert.deepEqual(heads(ev), [{ status: 201, reason: 'Created Here', versionMinor: 1, rawHeaders: ['X-A', '1', 'Content-Length', '2'], framing: 'length', contentLength: 2, keepAlive: true }]);
    assert.equal(body(ev), 'ok');
    assert.equal(ev.at(-1)?.type, 'end');
  });

  test('accepts an empty reason with or without its SP', () => {
    for (const line of ['HTTP/1.1 200 ', 'HTTP/1.1 200']) {
      const ev = parseBoth(`${line}\r\nContent-Length: 0\r\n\r\n`);
      assert.equal((heads(ev)[0] as { reason: string }).reason, '');
    }
  });

  const bad: Array<[string, string, string]> = [
    ['two-digit status', 'HTTP/1.1 20 OK', 'BAD_STATUS_LINE'],
    ['four-digit status', 'HTTP/1.1 2000 OK', 'BAD_STATUS_LINE'],
    ['status 600', 'HTTP/1.1 600 X', 'BAD_STATUS_LINE'],
    ['status 099', 'HTTP/1.1 099 X', 'BAD_STATUS_LINE'],
    ['lower-case protocol', 'http/1.1 200 OK', 'BAD_STATUS_LINE'],
    ['HTTP/2.0', 'HTTP/2.0 200 OK', 'UNSUPPORTED_RESPONSE_VERSION'],
    ['garbage', 'hello world, not http', 'BAD_STATUS_LINE'],
    ['NUL in reason', 'HTTP/1.1 200 O\x00K', 'BAD_STATUS_LINE'],
    ['tab instead of SP', 'HTTP/1.1\t200 OK', 'BAD_STATUS_LINE'],
  ];
  for (const [name, line, code] of bad) {
    test(`refuses ${name}`, () => assert.equal(errorOf(parseBoth(`${line}\r\nContent-Length: 0\r\n\r\n`)), code));
  }
});

describe('field lines (RFC 9112 §5)', () => {
  const bad: Array<[string, string, string]> = [
    ['obs-fold', 'X: a\r\n b', 'OBS_FOLD'],
    ['space before colon', 'X : a', 'SPACE_BEFORE_COLON'],
    ['no colon', 'X-A', 'MISSING_COLON'],
    ['bare CR in value', 'X: a\rb', 'BARE_CR'],
    ['NUL in value', 'X: a\x00b', 'BAD_HEADER_VALUE'],
    ['empty name', ': a', 'BAD_HEADER_NAME'],
  ];
  for (const [name, line, code] of bad) {
    test(`refuses ${name}`, () => assert.equal(errorOf(parseBoth(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`)), code));
  }
  test('refuses bare LF line endings (RFC 9112 §2.2)', () => {
    assert.equal(errorOf(parseBoth('HTTP/1.1 200 OK\nContent-Length: 0\n\n')), 'BARE_LF');
    assert.equal(errorOf(parseBoth('HTTP/1.1 200 OK\r\nX: y\nContent-Length: 0\r\n\r\n')), 'BARE_LF');
  });
  test('refuses a header section past the limit', () => {
    const big = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}\r\n\r\n`;
    assert.equal(errorOf(parseBoth(big)), 'RESPONSE_HEADERS_TOO_LARGE');
  });
});

describe('framing (RFC 9112 §6.3)', () => {
  test('Content-Length body, then the next response on the same connection', () => {
    const ev = parseBoth('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204 No Content\r\n\r\n', ['GET', 'GET']);
    assert.deepEqual(heads(ev).map((h) => (h as { status: number }).status), [200, 204]);
    assert.equal(body(ev), 'abc');
    assert.equal(ev.filter((e) => e.type === 'end').length, 2);
  });

  test('chunked body with extensions and trailers (RFC 9112 §7.1, §7.1.2)', () => {
    const ev = parseBoth('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n');
    assert.equal((heads(ev)[0] as { framing: string }).framing, 'chunked');
    assert.equal(body(ev), 'abcde');
    assert.deepEqual(ev.find((e) => e.type === 'trailers'), { type: 'trailers', trailers: ['X-Sum', '5'] });
    assert.equal(ev.at(-1)?.type, 'end');
  });

  test('no body for HEAD, whatever Content-Length and Transfer-Encoding say (rule 1)', () => {
    const ev = parseBoth('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', ['HEAD', 'HEAD']);
    assert.equal(heads(ev).length, 2);
    assert.equal(body(ev), '');
    assert.deepEqual(heads(ev).map((h) => (h as { framing: string }).framing), ['none', 'none']);
  });

  test('no body for 204 and 304 (rule 1)', () => {
    const ev = parseBoth('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', ['GET', 'GET']);
    assert.deepEqual(heads(ev).map((h) => (h as { status: number }).status), [304, 204]);
    assert.equal(body(ev), '');
  });

  test('1xx are passed on and the final response follows (RFC 9110 §15.2)', () => {
    const ev = parseBoth('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx');
    assert.deepEqual(ev.slice(0, 2), [
      { type: 'inform', status: 100, fields: [] },
      { type: 'inform', status: 103, fields: ['Link', '</a.css>; rel=preload'] },
    ]);
    assert.equal((heads(ev)[0] as { status: number }).status, 200);
    assert.equal(body(ev), 'x');
  });

  test('a flood of 1xx is refused', () => {
    assert.equal(errorOf(parseBoth('HTTP/1.1 103 Early Hints\r\n\r\n'.repeat(20))), 'TOO_MANY_INFORMATIONAL');
  });

  test('close-delimited body ends at finish() and is not reusable (rule 8)', () => {
    const ev = parseBoth('HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of this until close', ['GET'], true);
    const head = heads(ev)[0] as { framing: string; keepAlive: boolean };
    assert.equal(head.framing, 'close');
    assert.equal(head.keepAlive, false);
    assert.equal(body(ev), 'all of this until close');
    assert.equal(ev.at(-1)?.type, 'end');
  });

  test('an upstream closing mid-body is an incomplete response (RFC 9112 §8)', () => {
    for (const text of ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'HTTP/1.1 200 OK\r\nX: y']) {
      assert.equal(errorOf(parseBoth(text, ['GET'], true)), 'INCOMPLETE_RESPONSE', text);
    }
  });

  test('101 ends HTTP: later bytes are held for the new protocol', () => {
    const { events, parser } = feedResponses([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi', 'latin1')]);
    assert.equal((heads(events)[0] as { status: number }).status, 101);
    assert.equal(events.at(-1)?.type, 'end');
    assert.equal(parser.takePending().toString('latin1'), '\x81\x02hi');
  });

  test('HTTP/1.0 response without Connection: keep-alive is not reusable (RFC 9112 §9.3)', () => {
    const ev = parseBoth('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx');
    assert.equal((heads(ev)[0] as { keepAlive: boolean }).keepAlive, false);
    const ka = parseBoth('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx');
    assert.equal((heads(ka)[0] as { keepAlive: boolean }).keepAlive, false);
  });

  test('bytes after a complete response are held, not parsed, until the next is expected', () => {
    const { events, parser } = feedResponses([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n\r\n')], ['GET']);
    assert.equal(heads(events).length, 1);
    assert.equal(parser.pendingBytes, 19);
  });
});

describe('ambiguous framing is refused (RFC 9112 §6.1, §6.3; RFC 9110 §8.6)', () => {
  const cases: Array<[string, string, string]> = [
    ['Content-Length with Transfer-Encoding', 'Content-Length: 3\r\nTransfer-Encoding: chunked', 'TE_AND_CL'],
    ['two different Content-Lengths', 'Content-Length: 3\r\nContent-Length: 4', 'CONFLICTING_CONTENT_LENGTH'],
    ['a Content-Length list that differs', 'Content-Length: 3, 4', 'CONFLICTING_CONTENT_LENGTH'],
    ['a non-numeric Content-Length', 'Content-Length: 3a', 'BAD_CONTENT_LENGTH'],
    ['a negative Content-Length', 'Content-Length: -1', 'BAD_CONTENT_LENGTH'],
    ['chunked not final', 'Transfer-Encoding: chunked, gzip', 'CHUNKED_NOT_FINAL'],
    ['chunked twice', 'Transfer-Encoding: chunked, chunked', 'DUPLICATE_CHUNKED'],
  ];
  for (const [name, fields, code] of cases) {
    test(`refuses ${name}`, () => assert.equal(errorOf(parseBoth(`HTTP/1.1 200 OK\r\n${fields}\r\n\r\nabc`)), code));
    test(`refuses ${name} even on a response to HEAD`, () => assert.equal(errorOf(parseBoth(`HTTP/1.1 200 OK\r\n${fields}\r\n\r\n`, ['HEAD'])), code));
  }
  test('identical repeated Content-Length is one length (RFC 9110 §8.6)', () => {
    const ev = parseBoth('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc');
    assert.equal(body(ev), 'abc');
  });
  const chunkBad: Array<[string, string, string]> = [
    ['a chunk size with junk', 'zz\r\n', 'BAD_CHUNK_SIZE'],
    ['chunk data not followed by CRLF', '3\r\nabcX\r\n0\r\n\r\n', 'BAD_CHUNK_END'],
    ['a chunk size with trailing space', '3 \r\nabc\r\n0\r\n\r\n', 'BAD_CHUNK_EXTENSION'],
  ];
  for (const [name, text, code] of chunkBad) {
    test(`refuses ${name} (RFC 9112 §7.1)`, () => assert.equal(errorOf(parseBoth(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${text}`)), code));
  }
});

describe('any chunking gives the same events (property)', () => {
  const arbResponse = fc.record({
    status: fc.constantFrom(200, 201, 204, 206, 301, 304, 404, 500),
    informs: fc.array(fc.constantFrom(100, 103), { maxLength: 2 }),
    framing: fc.constantFrom('length', 'chunked'),
    body: fc.uint8Array({ maxLength: 300 }),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
    fields: fc.array(fc.tuple(fc.constantFrom('X-A', 'Set-Cookie', 'Cache-Control', 'ETag'), fc.stringMatching(/^[!-~]([ !-~]{0,20}[!-~])?$/)), { maxLength: 4 }),
    head: fc.boolean(),
  });

  type R = typeof arbResponse extends fc.Arbitrary<infer T> ? T : never;
  function serialize(r: R): { bytes: Buffer; body: Buffer; noBody: boolean } {
    const parts: Buffer[] = [];
    for (const s of r.informs) parts.push(Buffer.from(`HTTP/1.1 ${s} Info\r\n\r\n`));
    const noBody = r.head || r.status === 204 || r.status === 304;
    const data = Buffer.from(r.body);
    let head = `HTTP/1.1 ${r.status} X\r\n`;
    for (const [n, v] of r.fields) head += `${n}: ${v}\r\n`;
    if (r.framing === 'length') head += `Content-Length: ${data.length}\r\n\r\n`;
    else head += 'Transfer-Encoding: chunked\r\n\r\n';
    parts.push(Buffer.from(head, 'latin1'));
    if (!noBody) {
      if (r.framing === 'length') parts.push(data);
      else {
        let at = 0;
        let i = 0;
        while (at < data.length) {
          const n = Math.min(r.chunkSizes[i++ % r.chunkSizes.length]!, data.length - at);
          parts.push(Buffer.from(`${n.toString(16)}\r\n`), data.subarray(at, at + n), Buffer.from('\r\n'));
          at += n;
        }
        parts.push(Buffer.from('0\r\n\r\n'));
      }
    }
    return { bytes: Buffer.concat(parts), body: noBody ? Buffer.alloc(0) : data, noBody };
  }

  test('a sequence of valid responses parses the same under any split, bodies exact', () => {
    fc.assert(
      fc.property(fc.array(arbResponse, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (responses, cuts) => {
        const ser = responses.map(serialize);
        const bytes = Buffer.concat(ser.map((s) => s.bytes));
        const methods = responses.map((r) => (r.head ? 'HEAD' : 'GET'));
        const whole = feedResponses([bytes], methods).events;
        assert.equal(whole.filter((e) => e.type === 'end').length, responses.length);
        assert.equal(errorOf(whole), undefined);
        assert.equal(body(whole), Buffer.concat(ser.map((s) => s.body)).toString('latin1'));
        assert.equal(whole.filter((e) => e.type === 'inform').length, responses.reduce((n, r) => n + r.informs.length, 0));
        const split = feedResponses(splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))), methods).events;
        assert.deepEqual(split, whole);
      }),
      { seed: 20261203, numRuns: 300 },
    );
  });

  test('mutated bytes never throw and give at most one error, the same whole and byte by byte', () => {
    fc.assert(
      fc.property(arbResponse, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (r, edits) => {
        const bytes = Buffer.from(serialize(r).bytes);
        for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
        const whole = feedResponses([bytes], [r.head ? 'HEAD' : 'GET'], true).events;
        assert.ok(whole.filter((e) => e.type === 'error').length <= 1);
        assert.deepEqual(feedResponses(bytewise(bytes), [r.head ? 'HEAD' : 'GET'], true).events, whole);
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });
});
