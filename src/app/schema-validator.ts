// A JSON Schema validator for a clear subset of draft 2020-12, compiled once per schema. It reports
// every failing field (not only the first), each with a JSON Pointer (RFC 6901) to the value.
//
// Supported keywords (anything else is refused when the schema is compiled, so a schema never
// looks stricter than it is):
//   type (one or a list; "integer" = a number with no fraction), enum, const,
//   string: minLength, maxLength (in code points), pattern (u flag), format (email, uri, date,
//           date-time, uuid: checked; any other format name is refused),
//   number: minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf,
//   object: properties, required, additionalProperties (false or a schema), minProperties, maxProperties,
//   array:  items (one schema), minItems, maxItems, uniqueItems,
//   anyOf, allOf, not, and the annotations title, description, default, examples, readOnly,
//   writeOnly, deprecated, $schema, $id, $comment (ignored when validating; kept for OpenAPI).
// Coercion (for path params and the query, which are strings): with coerce on, a string is read as
// the number, integer or boolean its schema asks for, and a lone string as a one-item array.

export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

export interface SchemaError {
  /** JSON Pointer to the failing value ("/title", "/tags/2"; "" for the whole value). */
  readonly pointer: string;
  readonly keyword: string;
  readonly message: string;
}

export class SchemaCompileError extends Error {
  override name = 'SchemaCompileError';
}

type Check = (value: unknown, pointer: string, errors: SchemaError[]) => unknown;

const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', 'readOnly', 'writeOnly', 'deprecated', '$schema', '$id', '$comment']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  'type', 'enum', 'const',
  'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties',
  'items', 'minItems', 'maxItems', 'uniqueItems',
  'anyOf', 'allOf', 'not',
]);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

const FORMATS: Readonly<Record<string, (s: string) => boolean>> = {
  // RFC 5321 is far looser; this is the common "something@domain.tld" check, no spaces.
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(s),
  uri: (s) => {
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return false;
    try {
      new URL(s);
      return true;
    } catch {
      return false;
    }
  },
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z')) && new Date(s + 'T00:00:00Z').toISOString().startsWith(s),
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  uuid: (s) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s),
};

/** RFC 6901 §3: "~" and "/" in a name are escaped. */
export function pointerPart(name: string | number): string {
  return '/' + String(name).replace(/~/g, '~0').replace(/\//g, '~1');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function coerceTo(value: unknown, types: readonly string[]): unknown {
  if (typeof value !== 'string') return value;
  if (types.includes('string')) return value;
  if (types.includes('integer') && /^-?\d+$/.test(value)) return Number(value);
  if (types.includes('number') && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  if (types.includes('array')) return [value];
  return value;
}

// 0.3 / 0.1 is 2.9999999999999996 in binary floating point: compare with a relative tolerance.
function isMultiple(v: number, of: number): boolean {
  const q = v / of;
  return Math.abs(q - Math.round(q)) <= 1e-9 * Math.max(1, Math.abs(q));
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v)));

function compileAt(schema: JsonSchema, at: string, coerce: boolean): Check {
  if (schema === true) return (v) => v;
  if (schema === false) return (v, pointer, errors) => (errors.push({ pointer, keyword: 'false', message: 'is not allowed' }), v);
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new SchemaCompileError(`schema at ${at || '/'}: must be an object or a boolean`);
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new SchemaCompileError(`schema at ${at || '/'}: keyword "${k}" is not supported (see docs/apps.md for the subset)`);
  const s = schema as Record<string, unknown>;
  const checks: Check[] = [];
  const num = (k: string): number | undefined => {
    const v = s[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SchemaCompileError(`schema at ${at || '/'}: "${k}" must be a number`);
    return v;
  };

  const types = s.type === undefined ? null : Array.isArray(s.type) ? (s.type as unknown[]) : [s.type];
  if (types !== null) {
    for (const t of types) if (typeof t !== 'string' || !TYPES.has(t)) throw new SchemaCompileError(`schema at ${at || '/'}: unknown type ${show(t)}`);
  }
  const typeList = (types ?? []) as string[];

  // Coercion happens first, so every later check sees the coerced value.
  const coerceValue = coerce && typeList.length > 0 ? (v: unknown) => coerceTo(v, typeList) : null;
  if (types !== null) {
    checks.push((v, pointer, errors) => {
      if (!typeList.some((t) => matchesType(v, t))) errors.push({ pointer, keyword: 'type', message: `must be ${typeList.join(' or ')}, not ${typeOf(v) === 'integer' ? 'number' : typeOf(v)}` });
      return v;
    });
  }
  if (s.enum !== undefined) {
    if (!Array.isArray(s.enum)) throw new SchemaCompileError(`schema at ${at || '/'}: "enum" must be a list`);
    const values = s.enum as unknown[];
    checks.push((v, pointer, errors) => (values.some((e) => equal(e, v)) ? v : (errors.push({ pointer, keyword: 'enum', message: `must be one of ${values.map(show).join(', ')}` }), v)));
  }
  if ('const' in s) {
    const c = s.const;
    checks.push((v, pointer, errors) => (equal(c, v) ? v : (errors.push({ pointer, keyword: 'const', message: `must be ${show(c)}` }), v)));
  }

  // strings
  const minLength = num('minLength');
  const maxLength = num('maxLength');
  const pattern = s.pattern === undefined ? null : typeof s.pattern === 'string' ? s.pattern : (() => { throw new SchemaCompileError(`schema at ${at || '/'}: "pattern" must be a string`); })();
  let patternRe: RegExp | null = null;
  if (pattern !== null) {
    try {
      patternRe = new RegExp(pattern, 'u');
    } catch (error) {
      throw new SchemaCompileError(`schema at ${at || '/'}: bad pattern: ${(error as Error).message}`);
    }
  }
  const format = s.format === undefined ? null : String(s.format);
  if (format !== null && FORMATS[format] === undefined) throw new SchemaCompileError(`schema at ${at || '/'}: format "${format}" is not supported (${Object.keys(FORMATS).join(', ')})`);
  if (minLength !== undefined || maxLength !== undefined || patternRe !== null || format !== null) {
    checks.push((v, pointer, errors) => {
      if (typeof v !== 'string') return v;
      const length = [...v].length;
      if (minLength !== undefined && length < minLength) errors.push({ pointer, keyword: 'minLength', message: minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters` });
      if (maxLength !== undefined && length > maxLength) errors.push({ pointer, keyword: 'maxLength', message: `must be at most ${maxLength} characters` });
      if (patternRe !== null && !patternRe.test(v)) errors.push({ pointer, keyword: 'pattern', message: `must match ${pattern}` });
      if (format !== null && !FORMATS[format]!(v)) errors.push({ pointer, keyword: 'format', message: `must be a valid ${format}` });
      return v;
    });
  }

  // numbers
  const minimum = num('minimum');
  const maximum = num('maximum');
  const exMin = num('exclusiveMinimum');
  const exMax = num('exclusiveMaximum');
  const multipleOf = num('multipleOf');
  if (multipleOf !== undefined && multipleOf <= 0) throw new SchemaCompileError(`schema at ${at || '/'}: "multipleOf" must be positive`);
  if ([minimum, maximum, exMin, exMax, multipleOf].some((x) => x !== undefined)) {
    checks.push((v, pointer, errors) => {
      if (typeof v !== 'number') return v;
      if (minimum !== undefined && v < minimum) errors.push({ pointer, keyword: 'minimum', message: `must be ≥ ${minimum}` });
      if (maximum !== undefined && v > maximum) errors.push({ pointer, keyword: 'maximum', message: `must be ≤ ${maximum}` });
      if (exMin !== undefined && v <= exMin) errors.push({ pointer, keyword: 'exclusiveMinimum', message: `must be > ${exMin}` });
      if (exMax !== undefined && v >= exMax) errors.push({ pointer, keyword: 'exclusiveMaximum', message: `must be < ${exMax}` });
      if (multipleOf !== undefined && !isMultiple(v, multipleOf)) errors.push({ pointer, keyword: 'multipleOf', message: `must be a multiple of ${multipleOf}` });
      return v;
    });
  }

  // objects
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) throw new SchemaCompileError(`schema at ${at || '/'}: "properties" must be an object`);
  const propChecks = Object.entries(properties).map(([name, sub]) => [name, compileAt(sub, at + '/properties' + pointerPart(name), coerce)] as const);
  const required = (s.required ?? []) as unknown[];
  if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) throw new SchemaCompileError(`schema at ${at || '/'}: "required" must be a list of names`);
  const additional = s.additionalProperties;
  const additionalCheck = additional === undefined || additional === true ? null : additional === false ? false : compileAt(additional as JsonSchema, at + '/additionalProperties', coerce);
  const minProps = num('minProperties');
  const maxProps = num('maxProperties');
  if (propChecks.length > 0 || required.length > 0 || additionalCheck !== null || minProps !== undefined || maxProps !== undefined) {
    checks.push((v, pointer, errors) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
      const obj = v as Record<string, unknown>;
      const out: Record<string, unknown> = { ...obj };
      for (const name of required as string[]) if (!Object.hasOwn(obj, name) || obj[name] === undefined) errors.push({ pointer: pointer + pointerPart(name), keyword: 'required', message: 'is required' });
      for (const [name, check] of propChecks) if (Object.hasOwn(obj, name) && obj[name] !== undefined) out[name] = check(obj[name], pointer + pointerPart(name), errors);
      if (additionalCheck !== null) {
        for (const name of Object.keys(obj)) {
          if (Object.hasOwn(properties, name)) continue;
          if (additionalCheck === false) errors.push({ pointer: pointer + pointerPart(name), keyword: 'additionalProperties', message: 'is not an allowed field' });
          else out[name] = additionalCheck(obj[name], pointer + pointerPart(name), errors);
        }
      }
      const count = Object.keys(obj).length;
      if (minProps !== undefined && count < minProps) errors.push({ pointer, keyword: 'minProperties', message: `must have at least ${minProps} fields` });
      if (maxProps !== undefined && count > maxProps) errors.push({ pointer, keyword: 'maxProperties', message: `must have at most ${maxProps} fields` });
      return out;
    });
  }

  // arrays
  const itemCheck = s.items === undefined ? null : compileAt(s.items as JsonSchema, at + '/items', coerce);
  const minItems = num('minItems');
  const maxItems = num('maxItems');
  const unique = s.uniqueItems === true;
  if (itemCheck !== null || minItems !== undefined || maxItems !== undefined || unique) {
    checks.push((v, pointer, errors) => {
      if (!Array.isArray(v)) return v;
      const out = itemCheck === null ? v : v.map((item, i) => itemCheck(item, pointer + pointerPart(i), errors));
      if (minItems !== undefined && v.length < minItems) errors.push({ pointer, keyword: 'minItems', message: `must have at least ${minItems} items` });
      if (maxItems !== undefined && v.length > maxItems) errors.push({ pointer, keyword: 'maxItems', message: `must have at most ${maxItems} items` });
      if (unique && v.some((a, i) => v.slice(0, i).some((b) => equal(a, b)))) errors.push({ pointer, keyword: 'uniqueItems', message: 'must not repeat an item' });
      return out;
    });
  }

  // combinators
  const list = (k: string): Check[] | null => {
    const v = s[k];
    if (v === undefined) return null;
    if (!Array.isArray(v) || v.length === 0) throw new SchemaCompileError(`schema at ${at || '/'}: "${k}" must be a non-empty list`);
    return v.map((sub, i) => compileAt(sub as JsonSchema, `${at}/${k}/${i}`, coerce));
  };
  const allOf = list('allOf');
  if (allOf !== null) checks.push((v, pointer, errors) => allOf.reduce((acc, c) => c(acc, pointer, errors), v));
  const anyOf = list('anyOf');
  if (anyOf !== null) {
    checks.push((v, pointer, errors) => {
      for (const c of anyOf) {
        const e: SchemaError[] = [];
        const out = c(v, pointer, e);
        if (e.length === 0) return out;
      }
      errors.push({ pointer, keyword: 'anyOf', message: 'matches none of the allowed forms' });
      return v;
    });
  }
  if (s.not !== undefined) {
    const not = compileAt(s.not as JsonSchema, at + '/not', coerce);
    checks.push((v, pointer, errors) => {
      const e: SchemaError[] = [];
      not(v, pointer, e);
      if (e.length === 0) errors.push({ pointer, keyword: 'not', message: 'matches a form that is not allowed' });
      return v;
    });
  }

  return (value, pointer, errors) => {
    let v = coerceValue === null ? value : coerceValue(value);
    for (const check of checks) v = check(v, pointer, errors);
    return v;
  };
}

export interface Validator {
  /** The value (coerced when compiled with coerce) and every error found; valid when errors is empty. */
  (value: unknown): { value: unknown; errors: SchemaError[] };
  readonly schema: JsonSchema;
}

/** Compiles a schema; throws SchemaCompileError for a keyword outside the subset or a malformed one. */
export function compileSchema(schema: JsonSchema, options: { coerce?: boolean } = {}): Validator {
  const check = compileAt(schema, '', options.coerce === true);
  return Object.assign(
    (value: unknown) => {
      const errors: SchemaError[] = [];
      const out = check(value, '', errors);
      return { value: out, errors };
    },
    { schema },
  );
}
