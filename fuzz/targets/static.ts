// Static-file header parsers and path resolution: Range (src/static/range.ts), conditional
// requests (src/static/conditional.ts) and request path → file path (src/static/resolve-path.ts).

import assert from 'node:assert/strict';
import { resolve as resolvePath } from 'node:path';
import fc from 'fast-check';
import { MAX_RANGES, parseRange } from '../../src/static/range.ts';
import { evaluateConditionals, ifRangeApplies, parseHttpDateMs, type ConditionalHeaders } from '../../src/static/conditional.ts';
import { resolveServedPath } from '../../src/static/resolve-path.ts';
import type { FuzzTarget } from '../engine.ts';

// ---- Range ----

const SIZES = [0, 1, 7, 64, 10_000, 2 ** 40];

/** RFC 9110 §14.1.2 byte selection, written independently, for small representations: the set of
 *  selected bytes, 'ignore' for an invalid field, or null when the field is outside what it models. */
function referenceSelection(value: string, size: number): Set<number> | 'ignore' | null {
  const m = /^bytes=(.*)$/i.exec(value);
  if (m === null) return null;
  const selected = new Set<number>();
  let specs = 0;
  for (const raw of m[1]!.split(',')) {
    const spec = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (spec === '') continue;
    specs++;
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (r === null || (r[1] === '' && r[2] === '')) return 'ignore';
    if (r[1]!.length > 15 || r[2]!.length > 15) return null;
    if (r[1] === '') {
      const n = Number(r[2]);
      for (let i = Math.max(0, size - n); i < size; i++) selected.add(i);
    } else {
      const first = Number(r[1]);
      const last = r[2] === '' ? Number.POSITIVE_INFINITY : Number(r[2]);
      if (last < first) return 'ignore';
      for (let i = first; i <= Math.min(last, size - 1); i++) selected.add(i);
    }
  }
  if (specs === 0) return 'ignore';
  if (specs > MAX_RANGES) return null;
  return selected;
}

function checkRange(input: Buffer): void {
  const value = input.toString('latin1');
  for (const size of SIZES) {
    const r = parseRange(value, size);
    if (r.kind !== 'ranges') {
      if (size > 64) continue;
      const ref = referenceSelection(value, size);
      if (ref === 'ignore') assert.equal(r.kind, 'ignore', `ignored by RFC 9110 §14.1.1, ours: ${r.kind}`);
      else if (ref !== null && r.kind === 'unsatisfiable') assert.equal(ref.size, 0, 'unsatisfiable, yet bytes are selected');
      else if (ref !== null && r.kind === 'ignore') assert.fail(`a valid Range was ignored (size ${size})`);
      continue;
    }
    assert.ok(r.ranges.length >= 1 && r.ranges.length <= MAX_RANGES, 'range count out of bounds');
    let total = 0;
    for (const { start, end } of r.ranges) {
      assert.ok(Number.isSafeInteger(start) && Number.isSafeInteger(end), 'non-integer bound');
      assert.ok(start >= 0 && start <= end && end < size, `range ${start}-${end} outside 0-${size - 1}`);
      total += end - start + 1;
    }
    // Coalescing: never more bytes than the representation, whatever the overlap asked for.
    assert.ok(total <= size, `ranges select ${total} bytes of ${size}`);
    if (size <= 64) {
      const ref = referenceSelection(value, size);
      if (ref === null) continue;
      assert.notEqual(ref, 'ignore', 'ranges served for a field RFC 9110 calls invalid');
      const ours = new Set<number>();
      for (const { start, end } of r.ranges) for (let i = start; i <= end; i++) ours.add(i);
      assert.deepEqual([...ours].sort((a, b) => a - b), [...(ref as Set<number>)].sort((a, b) => a - b), 'selected bytes differ from RFC 9110 §14.1.2');
    }
  }
}

const digits = fc.oneof(fc.nat({ max: 80 }).map(String), fc.constantFrom('0', '00', '007', '18446744073709551616', '99999999999999999999', '1'.repeat(25), ''));
const specArb = fc.oneof(
  fc.tuple(digits, digits).map(([a, b]) => `${a}-${b}`),
  digits.map((d) => `-${d}`),
  fc.constantFrom('-', '--1', '1-2-3', 'a-b', ' 1-2 ', '\t0-0', '1 - 2', '+1-2', '0x1-2', '1.5-2'),
);
export const range: FuzzTarget = {
  name: 'range',
  about: 'Range: bytes=… (RFC 9110 §14.1–§14.2), with coalescing and a cap on the range count',
  grammar: fc
    .tuple(fc.constantFrom('bytes=', 'Bytes=', 'bytes =', 'items=', 'bytes', 'bytes=,'), fc.array(specArb, { maxLength: 8 }), fc.constantFrom(',', ', ', ' ,'))
    .map(([unit, specs, sep]) => Buffer.from(unit + specs.join(sep), 'latin1')),
  check: checkRange,
  ciRuns: 5000,
};

// ---- conditional requests ----

const ETAG = '"1f-18c2a4b"';
const LAST_MODIFIED_MS = Date.UTC(2024, 0, 15, 10, 30, 45, 500);
const VALIDATORS = { etag: ETAG, lastModifiedMs: LAST_MODIFIED_MS };
const NOW_MS = LAST_MODIFIED_MS + 3600_000;
const FIELDS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'] as const;

/** Input: field lines "Name: value" separated by LF; unknown names ignored, the last of a name wins. */
function headersOf(input: Buffer): { h: ConditionalHeaders; ifRange: string | undefined } {
  const h: Record<string, string> = {};
  for (const line of input.toString('latin1').split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if ((FIELDS as readonly string[]).includes(name)) h[name] = line.slice(colon + 1);
  }
  const out: ConditionalHeaders = {};
  if (h['if-match'] !== undefined) out.ifMatch = h['if-match'];
  if (h['if-none-match'] !== undefined) out.ifNoneMatch = h['if-none-match'];
  if (h['if-modified-since'] !== undefined) out.ifModifiedSince = h['if-modified-since'];
  if (h['if-unmodified-since'] !== undefined) out.ifUnmodifiedSince = h['if-unmodified-since'];
  return { h: out, ifRange: h['if-range'] };
}

function checkConditional(input: Buffer): void {
  const { h, ifRange } = headersOf(input);
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']) {
    const outcome = evaluateConditionals(method, h, VALIDATORS);
    assert.ok(outcome === 'proceed' || outcome === 'not-modified' || outcome === 'precondition-failed');
    if (method !== 'GET' && method !== 'HEAD') assert.notEqual(outcome, 'not-modified', '304 is for GET and HEAD only (RFC 9110 §13.1.2)');
    // §13.2.2 precedence: a present If-Match makes If-Unmodified-Since irrelevant, a present
    // If-None-Match makes If-Modified-Since irrelevant.
    if (h.ifMatch !== undefined) assert.equal(evaluateConditionals(method, { ...h, ifUnmodifiedSince: undefined }, VALIDATORS), outcome, 'If-Unmodified-Since counted beside If-Match');
    if (h.ifNoneMatch !== undefined) assert.equal(evaluateConditionals(method, { ...h, ifModifiedSince: undefined }, VALIDATORS), outcome, 'If-Modified-Since counted beside If-None-Match');
    // An If-Match that is exactly the current tag never fails step 1.
    if (outcome === 'precondition-failed' && h.ifMatch !== undefined && h.ifMatch.trim() === ETAG) {
      assert.ok(h.ifNoneMatch !== undefined, 'a matching If-Match failed with no If-None-Match to blame');
    }
  }
  const applies = ifRangeApplies(ifRange, VALIDATORS, NOW_MS);
  assert.equal(typeof applies, 'boolean');
  if (ifRange?.trim() === ETAG) assert.ok(applies, 'If-Range with the current strong tag must apply');
  if (ifRange?.trim().startsWith('W/')) assert.ok(!applies, 'a weak If-Range tag never applies (§13.1.5)');
  for (const value of Object.values(h)) {
    const ms = parseHttpDateMs(value as string);
    assert.ok(Number.isNaN(ms) || Number.isFinite(ms), 'a date is a finite number or NaN');
  }
}

const dateArb = fc.oneof(
  fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }).map((s) => new Date(s * 1000).toUTCString()),
  fc.constant(new Date(LAST_MODIFIED_MS).toUTCString()),
  fc.constantFrom('Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994', 'yesterday', '0', 'Mon, 32 Jan 2024 00:00:00 GMT', 'Mon, 15 Jan 2024 10:30:45 GMT'),
);
const tagArb = fc.oneof(fc.constantFrom(ETAG, `W/${ETAG}`, '*', '"other"', '"a,b"', 'W/"x", "y"', '"unterminated', 'noquotes', ''), fc.array(fc.constantFrom(ETAG, '"x"', `W/${ETAG}`), { minLength: 1, maxLength: 3 }).map((t) => t.join(', ')));
export const conditional: FuzzTarget = {
  name: 'conditional',
  about: 'If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range (RFC 9110 §13)',
  grammar: fc
    .array(fc.oneof(tagArb.map((t) => `If-Match: ${t}`), tagArb.map((t) => `If-None-Match: ${t}`), dateArb.map((d) => `If-Modified-Since: ${d}`), dateArb.map((d) => `If-Unmodified-Since: ${d}`), fc.oneof(tagArb, dateArb).map((v) => `If-Range: ${v}`)), { maxLength: 5 })
    .map((lines) => Buffer.from(lines.join('\n'), 'latin1')),
  check: checkConditional,
  ciRuns: 5000,
};

// ---- path resolution ----

const ROOTS = ['/srv/www', '/srv/www/', '/', '/srv/pub lic'];

function checkPath(input: Buffer): void {
  const urlPath = input.toString('latin1');
  for (const root of ROOTS) {
    const r = resolveServedPath(root, urlPath);
    if (!r.ok) {
      assert.ok(r.status === 400 || r.status === 404, `status ${r.status}`);
      continue;
    }
    const file = typeof r.filePath === 'string' ? r.filePath : r.filePath.toString('latin1');
    const base = root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root;
    assert.ok(file === base || file.startsWith(base === '/' ? '/' : `${base}/`), `${JSON.stringify(urlPath)} → ${file} is outside ${root}`);
    assert.ok(!file.includes('\0'), 'NUL in a file path');
    if (typeof r.filePath === 'string') assert.equal(resolvePath(file), file, 'the path is not normalised');
    for (const seg of file.slice(base.length).split('/')) assert.ok(seg !== '..' && seg !== '.', `dot segment left in ${file}`);
    for (const seg of r.segments) assert.ok(seg !== '' && seg !== '.' && seg !== '..' && !seg.includes('/'), `bad segment ${JSON.stringify(seg)}`);
    if (/%2f|%5c/i.test(urlPath)) assert.fail('an encoded slash or backslash was resolved');
  }
}

const segmentArb = fc.oneof(
  fc.constantFrom('..', '.', '', '%2e%2e', '%2E.', '.%2e', '..%2f', '%2f', '%5c', '..\\', '%00', '%c0%ae', '%ff', 'a b', '%20', '~user', '.hidden', 'é', '%C3%A9', '%', '%zz', '...'),
  fc.string({ maxLength: 6 }),
);
export const path: FuzzTarget = {
  name: 'path',
  about: 'request path → file path under the document root (never outside it)',
  grammar: fc
    .tuple(fc.constantFrom('/', '//', '/./', '', 'x/', '/%2e%2e/'), fc.array(segmentArb, { maxLength: 8 }), fc.constantFrom('', '/'))
    .map(([lead, segs, tail]) => Buffer.from(lead + segs.join('/') + tail, 'utf8')),
  check: checkPath,
  ciRuns: 6000,
};
