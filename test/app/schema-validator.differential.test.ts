// Differential test: on random schemas of the supported subset and random values, our validator
// accepts exactly what ajv (draft 2020-12, the reference implementation most tools use) accepts.
// Formats whose definitions differ between implementations (email, uri, date-time) are left out;
// numbers are integers and halves, so multipleOf is exact in both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { compileSchema, type JsonSchema } from '../../src/app/schema-validator.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv, ['date', 'uuid']);

const KEYS = ['a', 'b', 'c'];
const num = fc.integer({ min: -6, max: 6 }).map((n) => n / 2);
const str = fc.oneof(fc.stringMatching(/^[abc1-]{0,4}$/), fc.constantFrom('', 'a', 'ab', 'abc', 'b', '1'));

const schemaArb: fc.Arbitrary<JsonSchema> = fc.letrec<{ schema: JsonSchema }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<JsonSchema>(true, false),
    fc.record({ type: fc.constantFrom('string', 'number', 'integer', 'boolean', 'null', 'object', 'array', ['string', 'null'], ['integer', 'boolean']) }),
    fc.record({ type: fc.constant('string'), minLength: fc.integer({ min: 0, max: 3 }), maxLength: fc.integer({ min: 0, max: 3 }), pattern: fc.constantFrom('^a', 'b$', '^[a-c]*$', '1'), format: fc.constantFrom('date', 'uuid') }, { requiredKeys: [] }),
    fc.record({ type: fc.constantFrom('number', 'integer'), minimum: num, maximum: num, exclusiveMinimum: num, exclusiveMaximum: num, multipleOf: fc.constantFrom(0.5, 1, 2) }, { requiredKeys: [] }),
    fc.record({ enum: fc.array(fc.oneof(num, str, fc.constant(null), fc.array(num, { maxLength: 2 })), { minLength: 1, maxLength: 3 }) }),
    fc.record({ const: fc.oneof(num, str, fc.boolean(), fc.dictionary(fc.constantFrom(...KEYS), num, { maxKeys: 2 }).map((d) => ({ ...d }))) }),
    fc.record(
      {
        type: fc.constant('object'),
        properties: fc.dictionary(fc.constantFrom(...KEYS), tie('schema'), { maxKeys: 3 }),
        required: fc.subarray(KEYS),
        additionalProperties: fc.oneof(fc.boolean(), tie('schema')),
        minProperties: fc.integer({ min: 0, max: 2 }),
        maxProperties: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      { type: fc.constant('array'), items: tie('schema'), minItems: fc.integer({ min: 0, max: 2 }), maxItems: fc.integer({ min: 0, max: 3 }), uniqueItems: fc.boolean() },
      { requiredKeys: ['type'] },
    ),
    fc.record({ anyOf: fc.array(tie('schema'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ allOf: fc.array(tie('schema'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('schema') }),
  ),
})).schema;

const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    num,
    str,
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('2024-02-29', '2023-02-29', '123e4567-e89b-12d3-a456-426614174000'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS, 'd'), tie('value'), { maxKeys: 3 }).map((d) => ({ ...d })), // plain objects, as JSON.parse makes
  ),
})).value;

test('valid for us exactly when valid for ajv (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(schemaArb, fc.array(valueArb, { minLength: 1, maxLength: 8 }), (schema, values) => {
      const ours = compileSchema(schema);
      const theirs = ajv.compile(schema as object | boolean);
      for (const v of values) {
        const a = ours(v).errors.length === 0;
        const b = theirs(v) === true;
        assert.equal(a, b, `schema ${JSON.stringify(schema)} value ${JSON.stringify(v)}: ours ${a}, ajv ${b} ${JSON.stringify(ours(v).errors)}`);
      }
    }),
    { numRuns: 1500, seed: 20261203 },
  );
});
