// Accept negotiation (RFC 9110 §12.5.1) and entity-tag preconditions (§13.1.1, §13.1.2), as pure functions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonType, negotiate } from '../../src/app/negotiate.ts';
import { etagOf, ifMatchFails, noneMatchFails } from '../../src/app/json-etag.ts';

test('negotiate: q-values, specificity, q=0 as refusal, no Accept as anything', () => {
  const both = ['application/json', 'text/csv'];
  assert.equal(negotiate(undefined, both), 'application/json');
  assert.equal(negotiate('', both), 'application/json');
  assert.equal(negotiate('*/*', both), 'application/json');
  assert.equal(negotiate('text/csv', both), 'text/csv');
  assert.equal(negotiate('application/json;q=0.4, text/csv', both), 'text/csv');
  assert.equal(negotiate('text/*;q=0.5, application/json;q=0.4', both), 'text/csv');
  // the most specific range decides: */* allows, but application/json;q=0 refuses json
  assert.equal(negotiate('*/*, application/json;q=0', both), 'text/csv');
  assert.equal(negotiate('application/json;q=0', ['application/json']), null);
  assert.equal(negotiate('text/html', ['application/json']), null);
  assert.equal(negotiate('APPLICATION/JSON', ['application/json']), 'application/json');
  assert.equal(negotiate('application/*;q=0.1', ['application/json']), 'application/json');
  assert.equal(negotiate('garbage', ['application/json']), 'application/json'); // nothing readable: as if absent
});

test('isJsonType: application/json and +json types, parameters ignored', () => {
  assert.ok(isJsonType('application/json'));
  assert.ok(isJsonType('Application/JSON; charset=utf-8'));
  assert.ok(isJsonType('application/merge-patch+json'));
  assert.ok(!isJsonType('text/json+x'));
  assert.ok(!isJsonType('application/jsonl'));
  assert.ok(!isJsonType(undefined));
});

test('ETags: strong, stable, different for different bytes', () => {
  assert.equal(etagOf('{"a":1}'), etagOf(Buffer.from('{"a":1}')));
  assert.notEqual(etagOf('{"a":1}'), etagOf('{"a":2}'));
  assert.match(etagOf('x'), /^"[A-Za-z0-9_-]{22}"$/);
});

test('If-None-Match: weak comparison, lists, "*" (§13.1.2)', () => {
  const tag = '"abc"';
  assert.ok(noneMatchFails('"abc"', tag));
  assert.ok(noneMatchFails('W/"abc"', tag));
  assert.ok(noneMatchFails('"x", "abc"', tag));
  assert.ok(noneMatchFails('*', tag));
  assert.ok(!noneMatchFails('*', null));
  assert.ok(!noneMatchFails('"abcd"', tag));
  assert.ok(!noneMatchFails('abc', tag)); // not an entity-tag
});

test('If-Match: strong comparison, "*" needs a current representation (§13.1.1)', () => {
  const tag = '"abc"';
  assert.ok(!ifMatchFails('"abc"', tag));
  assert.ok(!ifMatchFails('"x" , "abc"', tag));
  assert.ok(ifMatchFails('W/"abc"', tag)); // weak tags never match strongly
  assert.ok(ifMatchFails('"x"', tag));
  assert.ok(!ifMatchFails('*', tag));
  assert.ok(ifMatchFails('*', null));
  assert.ok(ifMatchFails('"abc"', null));
});
