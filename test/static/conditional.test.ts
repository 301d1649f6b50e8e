import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateConditionals, ifRangeApplies, parseHttpDateMs } from '../../src/static/conditional.ts';
import { makeEtag, parseEtagList, strongMatch, variantEtag, weakMatch } from '../../src/static/etag.ts';

const mtime = Date.UTC(2024, 0, 15, 12, 0, 0, 250);
const v = { etag: makeEtag(1234, mtime), lastModifiedMs: mtime };
const lm = new Date(mtime).toUTCString();
const before = new Date(mtime - 60_000).toUTCString();
const after = new Date(mtime + 60_000).toUTCString();

test('entity-tags: strong from size and mtime, variants differ, lists parsed with quoted commas', () => {
  assert.equal(v.etag, `"4d2-${Math.floor(mtime).toString(16)}"`);
  assert.notEqual(makeEtag(1234, mtime + 1), v.etag);
  assert.equal(variantEtag('"abc"', 'gzip'), '"abc-gz"');
  assert.equal(variantEtag('"abc"', 'br'), '"abc-br"');
  assert.deepEqual(parseEtagList('"a", W/"b",,"c,d"'), ['"a"', 'W/"b"', '"c,d"']);
  assert.equal(parseEtagList(' * '), '*');
  assert.equal(parseEtagList('abc'), null);
  assert.equal(parseEtagList('"unterminated'), null);
  assert.ok(strongMatch('"a"', '"a"'));
  assert.ok(!strongMatch('W/"a"', '"a"'));
  assert.ok(weakMatch('W/"a"', '"a"'));
});

test('If-None-Match wins over If-Modified-Since; match gives 304 for GET/HEAD (§13.1.2)', () => {
  assert.equal(evaluateConditionals('GET', { ifNoneMatch: v.etag }, v), 'not-modified');
  assert.equal(evaluateConditionals('HEAD', { ifNoneMatch: `W/${v.etag}` }, v), 'not-modified');
  assert.equal(evaluateConditionals('GET', { ifNoneMatch: '"other", ' + v.etag }, v), 'not-modified');
  assert.equal(evaluateConditionals('GET', { ifNoneMatch: '*' }, v), 'not-modified');
  // INM present and not matching: IMS is ignored even though it would say "not modified"
  assert.equal(evaluateConditionals('GET', { ifNoneMatch: '"other"', ifModifiedSince: after }, v), 'proceed');
  assert.equal(evaluateConditionals('POST', { ifNoneMatch: v.etag }, v), 'precondition-failed');
});

test('If-Modified-Since at one-second resolution; ignored when invalid or not GET/HEAD (§13.1.3)', () => {
  assert.equal(evaluateConditionals('GET', { ifModifiedSince: lm }, v), 'not-modified');
  assert.equal(evaluateConditionals('GET', { ifModifiedSince: after }, v), 'not-modified');
  assert.equal(evaluateConditionals('GET', { ifModifiedSince: before }, v), 'proceed');
  assert.equal(evaluateConditionals('GET', { ifModifiedSince: 'yesterday' }, v), 'proceed');
  assert.equal(evaluateConditionals('GET', { ifModifiedSince: '2024-01-15' }, v), 'proceed');
  assert.equal(evaluateConditionals('POST', { ifModifiedSince: after }, v), 'proceed');
});

test('If-Match uses strong comparison and comes first (§13.1.1)', () => {
  assert.equal(evaluateConditionals('GET', { ifMatch: v.etag }, v), 'proceed');
  assert.equal(evaluateConditionals('GET', { ifMatch: '*' }, v), 'proceed');
  assert.equal(evaluateConditionals('GET', { ifMatch: `W/${v.etag}` }, v), 'precondition-failed');
  assert.equal(evaluateConditionals('GET', { ifMatch: '"nope"', ifNoneMatch: v.etag }, v), 'precondition-failed');
  // If-Match present: If-Unmodified-Since is not evaluated
  assert.equal(evaluateConditionals('GET', { ifMatch: v.etag, ifUnmodifiedSince: before }, v), 'proceed');
});

test('If-Unmodified-Since fails when modified after the date; invalid dates ignored (§13.1.4)', () => {
  assert.equal(evaluateConditionals('GET', { ifUnmodifiedSince: before }, v), 'precondition-failed');
  assert.equal(evaluateConditionals('GET', { ifUnmodifiedSince: lm }, v), 'proceed');
  assert.equal(evaluateConditionals('PUT', { ifUnmodifiedSince: 'garbage' }, v), 'proceed');
  // precedence: a 412 from step 1 beats a 304 from step 2
  assert.equal(evaluateConditionals('GET', { ifUnmodifiedSince: before, ifNoneMatch: v.etag }, v), 'precondition-failed');
});

test('If-Range: strong entity-tag or exact date; anything else means the full representation (§13.1.5)', () => {
  const now = mtime + 10_000;
  assert.ok(ifRangeApplies(undefined, v, now));
  assert.ok(ifRangeApplies(v.etag, v, now));
  assert.ok(!ifRangeApplies(`W/${v.etag}`, v, now));
  assert.ok(!ifRangeApplies('"stale"', v, now));
  assert.ok(ifRangeApplies(lm, v, now));
  assert.ok(!ifRangeApplies(before, v, now));
  assert.ok(!ifRangeApplies('not a date', v, now));
  // modified within the current second: the date is not a strong validator
  assert.ok(!ifRangeApplies(lm, v, mtime + 100));
});

test('HTTP-date parsing accepts the three formats of §5.6.7 only', () => {
  const t = Date.UTC(1994, 10, 6, 8, 49, 37);
  assert.equal(parseHttpDateMs('Sun, 06 Nov 1994 08:49:37 GMT'), t);
  assert.equal(parseHttpDateMs('Sunday, 06-Nov-94 08:49:37 GMT'), t);
  assert.equal(parseHttpDateMs('Sun Nov  6 08:49:37 1994'), t);
  assert.ok(Number.isNaN(parseHttpDateMs('1994-11-06')));
  assert.ok(Number.isNaN(parseHttpDateMs('0')));
});
