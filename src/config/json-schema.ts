// A JSON Schema (draft 2020-12) of config.json, generated from the key table, so editors can
// complete and check a config file ("$schema": "./config.schema.json"). Legacy names are accepted
// and marked deprecated.

import { KEYS, type KeySpec } from './keys.ts';
import { describeKind, type Kind } from './kinds.ts';

function kindSchema(kind: Kind): Record<string, unknown> {
  const orNull = (s: Record<string, unknown>, nullable: boolean | undefined): Record<string, unknown> => (nullable === true ? { anyOf: [s, { type: 'null' }] } : s);
  const sizeString = { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgG]([iI]?[bB])?|[bB])?\\s*$' };
  switch (kind.type) {
    case 'bool':
      return { type: 'boolean' };
    case 'int':
      return kind.auto === true ? { anyOf: [{ type: 'integer', minimum: kind.min, maximum: kind.max }, { const: 'auto' }] } : orNull({ type: 'integer', minimum: kind.min, maximum: kind.max }, kind.nullable);
    case 'bytes':
      return { anyOf: [{ type: 'integer', minimum: kind.min, maximum: kind.max }, sizeString] };
    case 'seconds':
      return { type: 'number', minimum: kind.min, maximum: kind.max };
    case 'port':
      return orNull({ type: 'integer', minimum: 0, maximum: 65535 }, kind.nullable);
    case 'string':
      return orNull({ type: 'string', ...(kind.nonEmpty === true ? { minLength: 1 } : {}), ...(kind.prefix === undefined ? {} : { pattern: `^${kind.prefix}` }) }, kind.nullable);
    case 'path':
      return orNull({ type: 'string', minLength: 1 }, kind.nullable);
    case 'enum':
      return { enum: [...kind.values] };
    case 'list':
      return { type: 'array', items: { type: 'string' } };
    case 'string-or-list':
      return { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
    case 'header-map':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'cache-rules':
      return { type: 'array', items: { type: 'object', required: ['pattern', 'value'], additionalProperties: false, properties: { pattern: { type: 'string', minLength: 1 }, value: { type: 'string' } } } };
    case 'cidr-list':
      return { type: 'array', items: { type: 'string' } };
    case 'rate-limits':
      return {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'rate'],
          additionalProperties: false,
          properties: { path: { type: 'string', minLength: 1 }, per: { enum: ['ip', 'user'] }, rate: { type: 'string', pattern: '^\\s*\\d+\\s*/' }, burst: { type: 'integer', minimum: 1 }, name: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      };
    case 'store-url':
      return { type: 'string', pattern: '^(memory$|rediss?://)' };
    case 'records':
      return { ...kind.schema };
  }
}

export function configJsonSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = { $schema: { type: 'string' } };
  for (const spec of KEYS as readonly KeySpec[]) {
    const base = { description: `${spec.description} Allowed: ${describeKind(spec.kind)}.`, ...kindSchema(spec.kind) };
    properties[spec.key] = spec.key === 'server_version' ? base : { ...base, default: spec.default };
    for (const alias of spec.aliases ?? []) properties[alias] = { ...base, deprecated: true, description: `Legacy name of ${spec.key}. ${base.description}` };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'httpcraft config.json',
    type: 'object',
    additionalProperties: false,
    // Ignored by the loader too: comments and $-keys.
    patternProperties: { '^(_comment|//|\\$)': {} },
    properties,
  };
}
