// The JSON Schema subset: each keyword's errors (pointer, keyword, message), every failing field
// reported at once, coercion for strings from the path and query, and refusal of keywords outside
// the subset when a schema is compiled.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchema, SchemaCompileError } from '../../src/app/schema-validator.ts';
import { fieldName } from '../../src/app/problem.ts';

const NOTE = {
  type: 'object',
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 10 },
    body: { type: 'string' },
    tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, maxItems: 3, uniqueItems: true },
    stars: { type: 'integer', minimum: 0, maximum: 5 },
    email: { type: 'string', format: 'email' },
    kind: { enum: ['a', 'b'] },
  },
  required: ['title', 'body'],
  additionalProperties: false,
};

describe('errors', () => {
  const v = compileSchema(NOTE);
  test('a valid value has no errors', () => assert.deepEqual(v({ title: 'x', body: '', tags: ['a'], stars: 5 }).errors, []));
  test('every failing field at once, each with its pointer', () => {
    const { errors } = v({ body: 3, tags: ['ok', 'NO', 'ok'], stars: 2.5, email: 'nope', kind: 'c', extra: 1 });
    assert.deepEqual(
      errors.map((e) => [e.pointer, e.keyword]),
      [
        ['/title', 'required'],
        ['/body', 'type'],
        ['/tags/1', 'pattern'],
        ['/tags', 'uniqueItems'],
        ['/stars', 'type'],
        ['/email', 'format'],
        ['/kind', 'enum'],
        ['/extra', 'additionalProperties'],
      ],
    );
    assert.equal(errors[0]!.message, 'is required');
    assert.equal(errors[1]!.message, 'must be string, not number');
    assert.equal(errors[6]!.message, 'must be one of "a", "b"');
  });
  test('lengths count code points, not UTF-16 units', () => {
    assert.deepEqual(v({ title: '😀'.repeat(10), body: '' }).errors, []);
    assert.equal(v({ title: '😀'.repeat(11), body: '' }).errors[0]!.keyword, 'maxLength');
    assert.equal(v({ title: '', body: '' }).errors[0]!.message, 'must not be empty');
  });
  test('numbers: bounds, exclusive bounds, multipleOf, integer', () => {
    const n = compileSchema({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10, multipleOf: 0.5 });
    assert.deepEqual(n(0).errors.map((e) => e.keyword), ['exclusiveMinimum']);
    assert.deepEqual(n(10).errors.map((e) => e.keyword), ['exclusiveMaximum']);
    assert.deepEqual(n(2.25).errors.map((e) => e.keyword), ['multipleOf']);
    assert.deepEqual(n(2.5).errors, []);
    assert.deepEqual(compileSchema({ type: 'integer' })(1.0).errors, []);
    assert.deepEqual(compileSchema({ type: 'number' })(3).errors, []);
  });
  test('anyOf, allOf, not, const, type lists, null', () => {
    const s = compileSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    assert.deepEqual(s(null).errors, []);
    assert.equal(s(1).errors[0]!.keyword, 'anyOf');
    assert.equal(compileSchema({ not: { const: 'x' } })('x').errors[0]!.keyword, 'not');
    assert.deepEqual(compileSchema({ allOf: [{ minLength: 2 }, { maxLength: 3 }] })('abcd').errors.map((e) => e.keyword), ['maxLength']);
    assert.deepEqual(compileSchema({ type: ['string', 'integer'] })(true).errors[0]!.message, 'must be string or integer, not boolean');
  });
  test('formats: date, date-time, uri, uuid', () => {
    const ok = (format: string, value: string): boolean => compileSchema({ type: 'string', format })(value).errors.length === 0;
    assert.ok(ok('date', '2024-02-29') && !ok('date', '2023-02-29') && !ok('date', '2024-2-1'));
    assert.ok(ok('date-time', '2024-01-01T10:00:00Z') && !ok('date-time', '2024-01-01 10:00'));
    assert.ok(ok('uri', 'https://example.com/x') && !ok('uri', '/relative'));
    assert.ok(ok('uuid', '123e4567-e89b-12d3-a456-426614174000') && !ok('uuid', '123'));
  });
  test('boolean schemas', () => {
    assert.deepEqual(compileSchema(true)(1).errors, []);
    assert.equal(compileSchema({ type: 'object', properties: { x: false } })({ x: 1 }).errors[0]!.pointer, '/x');
  });
  test('pointers escape "~" and "/" (RFC 6901); field names read as paths', () => {
    const s = compileSchema({ type: 'object', required: ['a/b', 'c~d'] });
    assert.deepEqual(s({}).errors.map((e) => e.pointer), ['/a~1b', '/c~0d']);
    assert.equal(fieldName('/tags/0/name'), 'tags[0].name');
    assert.equal(fieldName('/a~1b'), 'a/b');
  });
});

test('coercion for the path and the query: strings become the number, integer, boolean or array asked for', () => {
  const q = compileSchema(
    { type: 'object', properties: { page: { type: 'integer', minimum: 1 }, ratio: { type: 'number' }, draft: { type: 'boolean' }, tag: { type: 'array', items: { type: 'string' } }, name: { type: 'string' } } },
    { coerce: true },
  );
  assert.deepEqual(q({ page: '2', ratio: '0.5', draft: 'true', tag: 'x', name: '12' }), { value: { page: 2, ratio: 0.5, draft: true, tag: ['x'], name: '12' }, errors: [] });
  assert.deepEqual(q({ page: '0' }).errors.map((e) => e.keyword), ['minimum']);
  assert.deepEqual(q({ page: 'two' }).errors.map((e) => [e.pointer, e.message]), [['/page', 'must be integer, not string']]);
  assert.deepEqual(q({ page: '1.5' }).errors.map((e) => e.keyword), ['type']);
  // without coerce a string stays a string
  assert.equal(compileSchema({ type: 'integer' })('2').errors[0]!.keyword, 'type');
});

test('keywords outside the subset are refused when compiling, naming where', () => {
  assert.throws(() => compileSchema({ type: 'object', properties: { a: { $ref: '#/x' } } }), (e: unknown) => e instanceof SchemaCompileError && /schema at \/properties\/a: keyword "\$ref" is not supported/.test(e.message));
  assert.throws(() => compileSchema({ oneOf: [] }), /keyword "oneOf" is not supported/);
  assert.throws(() => compileSchema({ type: 'str' }), /unknown type "str"/);
  assert.throws(() => compileSchema({ format: 'ipv4' }), /format "ipv4" is not supported/);
  assert.throws(() => compileSchema({ pattern: '(' }), /bad pattern/);
  assert.throws(() => compileSchema({ minLength: '1' }), /"minLength" must be a number/);
});
