// An OpenAPI 3.1 document from a router's routes and their endpoint specs (rest.ts). OpenAPI 3.1's
// schemas are JSON Schema 2020-12, so the specs' schemas go in as they are. Pattern to path:
// ":id" → "{id}" (its constraint as the parameter's pattern), an optional segment gives one path
// per shape, the trailing "*" becomes "{wildcard}". By default only endpoint() routes are listed
// (info.include changes that: others get what the pattern says). Automatic HEAD and OPTIONS are not
// operations of their own.

import type { Router, RouteInfo } from './router.ts';
import type { Handler } from '../server/connection.ts';
import { expandShapes, parsePattern, type ShapeSegment } from './route-pattern.ts';
import type { EndpointSpec } from './rest.ts';
import type { JsonSchema } from './schema-validator.ts';
import { PROBLEM_JSON } from './problem.ts';
import { etagOf, noneMatchFails } from './json-etag.ts';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  /** Which routes are operations; by default those made with endpoint() (pages and the document itself are not). */
  include?: (route: RouteInfo) => boolean;
}

const IS_ENDPOINT = (route: RouteInfo): boolean => route.meta.endpoint !== undefined;

type Json = Record<string, unknown>;

const PROBLEM_SCHEMA: Json = {
  type: 'object',
  description: 'Problem details (RFC 9457).',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { in: { type: 'string', enum: ['body', 'query', 'path', 'header'] }, pointer: { type: 'string' }, name: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['type', 'title', 'status'],
};

function propertiesOf(schema: JsonSchema | undefined): { props: Record<string, JsonSchema>; required: string[] } {
  if (typeof schema !== 'object' || schema === null) return { props: {}, required: [] };
  return { props: (schema.properties ?? {}) as Record<string, JsonSchema>, required: (schema.required ?? []) as string[] };
}

function pathOf(shape: readonly ShapeSegment[]): string {
  return '/' + shape.map((s) => (s.kind === 'static' ? s.text : s.kind === 'wildcard' ? '{wildcard}' : `{${s.name}}`)).join('/');
}

function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function operation(route: RouteInfo, shape: readonly ShapeSegment[], path: string): Json {
  const spec = (route.meta.endpoint ?? {}) as EndpointSpec;
  const params = propertiesOf(spec.params);
  const parameters: Json[] = [];
  for (const s of shape) {
    if (s.kind === 'static') continue;
    const name = s.kind === 'wildcard' ? 'wildcard' : s.name;
    const given = s.kind === 'param' ? params.props[s.name] : undefined;
    const schema: Json = typeof given === 'object' && given !== null ? { ...given } : { type: 'string' };
    if (s.kind === 'param' && s.regex !== null) schema.pattern = `^(?:${s.regex})$`;
    parameters.push({ name, in: 'path', required: true, schema, ...(s.kind === 'wildcard' ? { description: 'the rest of the path' } : {}) });
  }
  const query = propertiesOf(spec.query);
  for (const [name, schema] of Object.entries(query.props)) parameters.push({ name, in: 'query', required: query.required.includes(name), schema });
  const produces = spec.produces ?? ['application/json'];
  const responses: Json = {};
  for (const [status, r] of Object.entries(spec.responses ?? { '200': { description: 'OK' } })) {
    responses[status] = { description: r.description, ...(r.schema === undefined ? {} : { content: Object.fromEntries(produces.map((t) => [t, { schema: r.schema }])) }) };
  }
  responses.default = { description: 'An error (RFC 9457 problem details)', content: { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/Problem' } } } };
  const op: Json = {
    operationId: spec.operationId ?? operationId(route.method, path),
    ...(spec.summary === undefined ? {} : { summary: spec.summary }),
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.tags === undefined ? {} : { tags: [...spec.tags] }),
    ...(parameters.length === 0 ? {} : { parameters }),
    responses,
  };
  if (spec.body !== undefined) op.requestBody = { required: spec.bodyRequired ?? true, content: { 'application/json': { schema: spec.body } } };
  return op;
}

/** The document for the router's routes as they are now. */
export function openApiDocument(router: Router, info: OpenApiInfo): Json {
  const paths: Record<string, Json> = {};
  const ids = new Set<string>();
  const include = info.include ?? IS_ENDPOINT;
  for (const route of router.routes) {
    if (!include(route)) continue;
    const shapes = expandShapes(parsePattern(route.pattern));
    for (const shape of shapes) {
      const path = pathOf(shape);
      const op = operation(route, shape, path);
      // An optional segment gives several paths for one route: each needs its own operationId.
      let id = op.operationId as string;
      for (let n = 2; ids.has(id); n++) id = `${op.operationId as string}${n}`;
      ids.add(id);
      op.operationId = id;
      (paths[path] ??= {})[route.method.toLowerCase()] = op;
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, ...(info.description === undefined ? {} : { description: info.description }) },
    paths,
    components: { schemas: { Problem: PROBLEM_SCHEMA } },
  };
}

/** A GET handler serving the document (rebuilt when routes were added since; ETag and 304). */
export function openApiHandler(router: Router, info: OpenApiInfo): Handler {
  let cached: { count: number; text: string; tag: string } | null = null;
  return (req, res) => {
    const count = router.routes.length;
    if (cached === null || cached.count !== count) {
      const text = JSON.stringify(openApiDocument(router, info), null, 2) + '\n';
      cached = { count, text, tag: etagOf(text) };
    }
    res.setHeader('ETag', cached.tag);
    const inm = req.header('if-none-match');
    if (inm !== undefined && noneMatchFails(inm, cached.tag)) {
      res.writeHead(304).end();
      return;
    }
    res.send(200, cached.text, 'application/json; charset=utf-8');
  };
}
