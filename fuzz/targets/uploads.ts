// Form bodies: the multipart parser (src/uploads/multipart-parser.ts), the urlencoded parser
// (src/uploads/urlencoded.ts) and Content-Disposition / Content-Type parameters
// (src/uploads/content-disposition.ts).

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MULTIPART_ERRORS, MultipartParser } from '../../src/uploads/multipart-parser.ts';
import { UrlencodedParser, type UrlencodedLimits } from '../../src/uploads/urlencoded.ts';
import { parseFormDisposition, parseParameterized } from '../../src/uploads/content-disposition.ts';
import { bytewise, splitAt } from '../../test/support/parser-harness.ts';
import type { FuzzTarget } from '../engine.ts';
import { pseudoRandomCuts } from './http1.ts';

// ---- multipart ----

export const BOUNDARY = '----fuzzBoundary7MA4YWxk';
const MAX_PART_HEADER_BYTES = 256;

type MultipartEvent = { t: 'begin'; headers: string } | { t: 'data'; d: string } | { t: 'part-end' } | { t: 'end' } | { t: 'error'; code: string; status: number };

function parseMultipart(chunks: readonly Buffer[], maxPartHeaderBytes: number): MultipartEvent[] {
  const events: MultipartEvent[] = [];
  const parser = new MultipartParser(
    BOUNDARY,
    {
      onPartBegin: (headers) => events.push({ t: 'begin', headers: JSON.stringify(headers) }),
      onPartData: (chunk) => {
        const last = events[events.length - 1];
        if (last?.t === 'data') last.d += chunk.toString('latin1');
        else events.push({ t: 'data', d: chunk.toString('latin1') });
      },
      onPartEnd: () => events.push({ t: 'part-end' }),
      onEnd: () => events.push({ t: 'end' }),
      onError: (e) => events.push({ t: 'error', code: e.code, status: e.status }),
    },
    { maxPartHeaderBytes },
  );
  for (const c of chunks) parser.push(c);
  parser.end();
  return events;
}

function checkMultipart(input: Buffer): void {
  for (const limit of [16 * 1024, MAX_PART_HEADER_BYTES]) {
    const whole = parseMultipart([input], limit);
    assert.deepEqual(parseMultipart(bytewise(input), limit), whole, 'byte-at-a-time events differ');
    assert.deepEqual(parseMultipart(splitAt(input, pseudoRandomCuts(input)), limit), whole, 'random-split events differ');
    let inPart = false;
    whole.forEach((e, i) => {
      if (e.t === 'begin') {
        assert.ok(!inPart, 'part begins inside a part');
        inPart = true;
        const headers = JSON.parse(e.headers) as Array<[string, string]>;
        const bytes = headers.reduce((n, [k, v]) => n + k.length + v.length, 0);
        assert.ok(bytes <= limit, 'part header block over the limit was accepted');
        for (const [name] of headers) assert.match(name, /^[!#$%&'*+\-.^_`|~0-9a-z]+$/, 'header names are lower-case tokens');
      } else if (e.t === 'data') assert.ok(inPart, 'data outside a part');
      else if (e.t === 'part-end') {
        assert.ok(inPart, 'part end outside a part');
        inPart = false;
      } else if (e.t === 'end') {
        assert.ok(!inPart && i === whole.length - 1, 'end is last and outside a part');
      } else {
        assert.equal(i, whole.length - 1, 'an error is the last event');
        const entry = MULTIPART_ERRORS[e.code as keyof typeof MULTIPART_ERRORS];
        assert.ok(entry !== undefined && entry[0] === e.status && (e.status === 400 || e.status === 413), `error ${e.code} ${e.status}`);
      }
    });
    const last = whole[whole.length - 1];
    assert.ok(last?.t === 'end' || last?.t === 'error', 'a body ends in end or error once the input is over');
  }
}

const headerLineArb = fc.oneof(
  fc.constantFrom(
    'Content-Disposition: form-data; name="field"',
    'Content-Disposition: form-data; name="file"; filename="a b.txt"',
    "Content-Disposition: form-data; name=f; filename*=UTF-8''%C3%A9t%C3%A9.txt",
    'content-type: text/plain; charset=utf-8',
    'Content-Type: application/octet-stream',
    'X-Long: ' + 'x'.repeat(300),
    'Bad Header',
    'NoValue:',
    ': empty-name',
  ),
  fc.string({ maxLength: 40 }).map((s) => `X-Any: ${s}`),
);
const partArb = fc
  .tuple(fc.array(headerLineArb, { maxLength: 3 }), fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom(`\r\n--${BOUNDARY.slice(0, 10)}`, '\r\n--', `--${BOUNDARY}`, '\r\r\n')), fc.constantFrom('\r\n', '\r\n', ' \t\r\n', '\n', 'x'))
  .map(([headers, data, afterBoundary]) => `--${BOUNDARY}${afterBoundary}${headers.map((h) => h + '\r\n').join('')}\r\n${data}\r\n`);

export const multipart: FuzzTarget = {
  name: 'multipart',
  about: 'multipart/form-data bodies (RFC 7578, RFC 2046 §5.1)',
  grammar: fc
    .tuple(fc.constantFrom('', 'preamble\r\n', '\r\n'), fc.array(partArb, { maxLength: 4 }), fc.constantFrom(`--${BOUNDARY}--`, `--${BOUNDARY}--\r\nepilogue`, `--${BOUNDARY}-`, '', `--${BOUNDARY}`))
    .map(([pre, parts, close]) => Buffer.from(pre + parts.join('') + close, 'utf8')),
  check: checkMultipart,
  ciRuns: 1000,
};

// ---- urlencoded ----

function parseUrlencodedChunks(chunks: readonly Buffer[], limits: UrlencodedLimits): { fields: Array<[string, string]>; limit: string | null } {
  const fields: Array<[string, string]> = [];
  let limit: string | null = null;
  const p = new UrlencodedParser({ onField: (n, v) => fields.push([n, v]), onLimit: (l) => (limit = l) }, limits);
  for (const c of chunks) p.push(c);
  p.end();
  return { fields, limit };
}

const UNLIMITED: UrlencodedLimits = { maxPairs: Number.POSITIVE_INFINITY, maxFieldBytes: Number.POSITIVE_INFINITY };
const SMALL_FORM: UrlencodedLimits = { maxPairs: 4, maxFieldBytes: 16 };

function checkUrlencoded(input: Buffer): void {
  const whole = parseUrlencodedChunks([input], UNLIMITED);
  assert.deepEqual(parseUrlencodedChunks(bytewise(input), UNLIMITED), whole, 'byte-at-a-time fields differ');
  assert.deepEqual(parseUrlencodedChunks(splitAt(input, pseudoRandomCuts(input)), UNLIMITED), whole, 'random-split fields differ');
  // Oracle: the WHATWG URL Standard's own parser, for ASCII bodies (for raw non-ASCII bytes
  // URLSearchParams would first have to guess a string). A leading "?" is stripped by URLSearchParams,
  // so one is added: the body's own first "?" is data.
  if (input.every((b) => b < 0x80)) assert.deepEqual(whole.fields, [...new URLSearchParams(`?${input.toString('latin1')}`)], 'differs from URLSearchParams');
  // With small limits: what comes out is a prefix of the unlimited result, each value within its
  // limit, and a limit reported exactly when the input went past one.
  const small = parseUrlencodedChunks([input], SMALL_FORM);
  assert.deepEqual(small, parseUrlencodedChunks(bytewise(input), SMALL_FORM), 'byte-at-a-time differs under limits');
  assert.ok(small.fields.length <= SMALL_FORM.maxPairs, 'more pairs than max_form_parts');
  assert.deepEqual(small.fields, whole.fields.slice(0, small.fields.length), 'limited fields are not a prefix');
  for (const [, v] of small.fields) assert.ok(Buffer.byteLength(v) <= SMALL_FORM.maxFieldBytes * 3, 'value over max_field_size');
  if (small.limit === null) assert.equal(small.fields.length, whole.fields.length, 'fields lost without a limit reported');
}

const pairArb = fc
  .tuple(fc.string({ maxLength: 8 }), fc.option(fc.string({ maxLength: 24 }), { nil: undefined }), fc.boolean())
  .map(([n, v, raw]) => {
    const enc = (s: string): string => (raw ? s : encodeURIComponent(s).replace(/%20/g, '+'));
    return v === undefined ? enc(n) : `${enc(n)}=${enc(v)}`;
  });

export const urlencoded: FuzzTarget = {
  name: 'urlencoded',
  about: 'application/x-www-form-urlencoded bodies (WHATWG URL §5.1)',
  grammar: fc
    .tuple(fc.array(fc.oneof(pairArb, fc.constantFrom('', '%', '%4', '%zz', '%C3%A9', '%C3', '+', '=', '==', '%00', 'a'.repeat(70))), { maxLength: 8 }))
    .map(([pairs]) => Buffer.from(pairs.join('&'), 'utf8')),
  check: checkUrlencoded,
  ciRuns: 1500,
};

// ---- Content-Disposition and Content-Type parameters ----

const wellFormed = (s: string): boolean => !/\p{Surrogate}/u.test(s);
const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
const utf8AsLatin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

function checkDisposition(input: Buffer): void {
  const value = input.toString('latin1');
  for (const slash of [false, true]) {
    const r = parseParameterized(value, slash);
    if ('error' in r) {
      assert.equal(typeof r.error, 'string');
      continue;
    }
    assert.match(r.type, slash ? /^[!#$%&'*+\-.^_`|~0-9a-z]+\/[!#$%&'*+\-.^_`|~0-9a-z]+$/ : /^[!#$%&'*+\-.^_`|~0-9a-z]+$/, 'type is lower-case token(s)');
    for (const name of r.params.keys()) assert.equal(name, name.toLowerCase(), 'parameter names are lower-cased');
  }
  const d = parseFormDisposition(value);
  if ('error' in d) return;
  assert.equal(typeof d.name, 'string');
  // Written back in canonical form (quoted-string name, RFC 8187 filename*), it reads the same.
  let canonical = `form-data; name=${quote(utf8AsLatin1(d.name))}`;
  if (d.filename !== undefined && wellFormed(d.filename)) canonical += `; filename*=UTF-8''${encodeURIComponent(d.filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  const again = parseFormDisposition(canonical);
  assert.ok(!('error' in again), `canonical form refused: ${canonical}: ${'error' in again ? again.error : ''}`);
  assert.equal(again.name, d.name, 'name differs after a round trip');
  if (d.filename !== undefined && wellFormed(d.filename)) assert.equal(again.filename, d.filename, 'filename differs after a round trip');
}

const paramArb = fc.oneof(
  fc.constantFrom('name="a"', 'name=a', 'filename="x.txt"', "filename*=UTF-8''%E2%82%AC%20rates.txt", "filename*=iso-8859-1'en'%A3%20rates", 'filename="a\\"b"', 'name="', 'name', '=x', 'name=""', "filename*=UTF-8''%", "filename*=utf-8'x'%C3"),
  fc.tuple(fc.constantFrom('name', 'filename', 'NAME', 'x'), fc.string({ maxLength: 16 })).map(([k, v]) => `${k}=${quote(utf8AsLatin1(v))}`),
);
export const contentDisposition: FuzzTarget = {
  name: 'content-disposition',
  about: 'Content-Disposition of form parts and Content-Type parameters (RFC 7578 §4.2, RFC 6266, RFC 8187, RFC 9110 §8.3.1)',
  grammar: fc
    .tuple(fc.constantFrom('form-data', 'Form-Data', 'attachment', 'multipart/form-data', ''), fc.array(fc.tuple(fc.constantFrom(';', '; ', ' ;', ';\t', ''), paramArb), { maxLength: 4 }))
    .map(([type, params]) => Buffer.from(type + params.map(([sep, p]) => sep + p).join(''), 'latin1')),
  check: checkDisposition,
  ciRuns: 5000,
};
