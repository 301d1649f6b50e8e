// JSON endpoints: endpoint(spec, handler) gives a route's options and handler, to spread into a
// router's method: router.post('/notes', ...endpoint({ body: NOTE }, ({ body }) => reply(201, …))).
// Before the handler runs, in this order:
//   1. Accept is negotiated against spec.produces (RFC 9110 §12.5.1): none acceptable → 406;
//   2. path params and query are validated (strings coerced to the schema's number/integer/boolean);
//   3. a body is read as JSON: a non-JSON Content-Type → 415 (§15.5.16), past maxBodyBytes → 413,
//      broken JSON → 400, then validated; every failing field of 2 and 3 together → one 422;
//   4. with spec.current, an unsafe request's If-Match / If-None-Match is checked against the
//      current representation's ETag (§13.1.1, §13.1.2): failing → 412.
// The handler returns a value (sent as 200 JSON), a reply(status, body, headers), or undefined when it
// wrote the response itself. A JSON body gets a strong ETag; a GET whose If-None-Match lists it → 304.
// Errors (HttpError, ProblemError) leave as application/problem+json (RFC 9457); anything else is
// rethrown for the server's error handler (a logged 500).

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { RouteHandler, RouteOptions, RouteRequest } from './router.ts';
import { isHttpError } from './http-error.ts';
import { compileSchema, type JsonSchema, type Validator } from './schema-validator.ts';
import { ProblemError, fieldName, sendProblem, validationProblem, type FieldError } from './problem.ts';
import { isJsonType, negotiate } from './negotiate.ts';
import { etagOf, ifMatchFails, noneMatchFails } from './json-etag.ts';

/** Largest JSON body read by default (1 MiB); spec.maxBodyBytes changes it per endpoint. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: JsonSchema;
}

export interface EndpointSpec {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly operationId?: string;
  /** An object schema for the path params (by name); the pattern's own constraints still apply first. */
  readonly params?: JsonSchema;
  /** An object schema for the query string; repeated names arrive as arrays when the schema says array. */
  readonly query?: JsonSchema;
  /** The JSON body's schema; a request without a body is refused unless bodyRequired is false. */
  readonly body?: JsonSchema;
  readonly bodyRequired?: boolean;
  readonly maxBodyBytes?: number;
  /** Media types the endpoint can send, best first (default application/json). */
  readonly produces?: readonly string[];
  /** For the OpenAPI document: status → description and schema. */
  readonly responses?: Readonly<Record<string, ResponseSpec>>;
  /**
   * The resource as it is now (undefined when it does not exist), for If-Match / If-None-Match on
   * PUT, PATCH and DELETE. Its ETag is computed the way a GET of it would send it.
   */
  readonly current?: (input: EndpointInput, req: Request) => unknown;
}

export interface EndpointInput<B = unknown, Q = Record<string, unknown>, P = Record<string, unknown>> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The negotiated media type (one of spec.produces). */
  readonly type: string;
}

export class Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** A response with a status, a JSON body (undefined for none) and extra header fields. */
export function reply(status: number, body?: unknown, headers: Record<string, string> = {}): Reply {
  return new Reply(status, body, headers);
}

export type EndpointHandler<B = any, Q = any, P = any> = (input: EndpointInput<B, Q, P>, req: RouteRequest, res: Response) => unknown;

/** The query string as an object: a name given once is a string, given more than once an array. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (query === '') return out;
  for (const [k, v] of new URLSearchParams(query)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function toFieldErrors(where: FieldError['in'], errors: ReturnType<Validator>['errors']): FieldError[] {
  return errors.map((e) => ({ in: where, pointer: e.pointer, name: e.pointer === '' ? `(${where})` : fieldName(e.pointer), message: e.message }));
}

const UNSAFE = new Set(['PUT', 'PATCH', 'DELETE', 'POST']);

/** The bytes a JSON value is sent as (and hashed as for its ETag). */
export function jsonBytes(value: unknown): string {
  return JSON.stringify(value);
}

export function endpoint<B = any, Q = any, P = any>(spec: EndpointSpec, handler: EndpointHandler<B, Q, P>): [RouteOptions, RouteHandler] {
  const params = spec.params === undefined ? null : compileSchema(spec.params, { coerce: true });
  const query = spec.query === undefined ? null : compileSchema(spec.query, { coerce: true });
  const body = spec.body === undefined ? null : compileSchema(spec.body);
  const bodyRequired = spec.bodyRequired ?? body !== null;
  const maxBytes = spec.maxBodyBytes ?? DEFAULT_MAX_JSON_BYTES;
  const produces = spec.produces ?? ['application/json'];

  const run = async (req: RouteRequest, res: Response): Promise<void> => {
    const type = negotiate(req.header('accept'), produces);
    if (type === null) throw new ProblemError({ type: 'about:blank', title: 'Not Acceptable', status: 406, detail: `this resource is available as ${produces.join(', ')}` });
    if (produces.length > 1) res.setHeader('Vary', 'Accept');
    const errors: FieldError[] = [];
    let p: unknown = req.params;
    if (params !== null) {
      const r = params(req.params);
      p = r.value;
      errors.push(...toFieldErrors('path', r.errors));
    }
    let q: unknown = parseQuery(req.query);
    if (query !== null) {
      const r = query(q);
      q = r.value;
      errors.push(...toFieldErrors('query', r.errors));
    }
    let b: unknown = undefined;
    if (body !== null) {
      if (req.hasBody) {
        const contentType = req.header('content-type');
        if (!isJsonType(contentType)) {
          throw new ProblemError({ type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: `the body must be application/json${contentType === undefined ? '' : `, not ${contentType.split(';', 1)[0]}`}` }, { headers: req.method === 'PATCH' ? { 'Accept-Patch': 'application/json' } : {} });
        }
        const raw = await req.buffer(maxBytes).catch((error: unknown) => {
          throw isHttpError(error) && error.status === 413 ? new ProblemError({ type: 'about:blank', title: 'Content Too Large', status: 413, detail: `the body may be at most ${maxBytes} bytes` }) : error;
        });
        if (raw.length === 0 && bodyRequired) errors.push({ in: 'body', pointer: '', name: '(body)', message: 'is required' });
        else if (raw.length > 0) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw.toString('utf8'));
          } catch (error) {
            throw new ProblemError({ type: 'about:blank', title: 'Bad Request', status: 400, detail: `the body is not valid JSON: ${(error as Error).message}` });
          }
          const r = body(parsed);
          b = r.value;
          errors.push(...toFieldErrors('body', r.errors));
        }
      } else if (bodyRequired) errors.push({ in: 'body', pointer: '', name: '(body)', message: 'is required' });
    }
    if (errors.length > 0) throw validationProblem(errors);
    const input: EndpointInput = { params: p as Record<string, unknown>, query: q as Record<string, unknown>, body: b, type };

    // Preconditions on writes (RFC 9110 §13.2.2: after authentication, before the method's work).
    const ifMatch = req.header('if-match');
    const ifNoneMatch = req.header('if-none-match');
    if (spec.current !== undefined && UNSAFE.has(req.method) && (ifMatch !== undefined || ifNoneMatch !== undefined)) {
      const now = await spec.current(input, req);
      const tag = now === undefined ? null : etagOf(jsonBytes(now));
      if (ifMatch !== undefined && ifMatchFails(ifMatch, tag)) throw new ProblemError({ type: 'about:blank', title: 'Precondition Failed', status: 412, detail: tag === null ? 'the resource does not exist' : 'the resource has changed (If-Match)' });
      if (ifMatch === undefined && ifNoneMatch !== undefined && noneMatchFails(ifNoneMatch, tag)) throw new ProblemError({ type: 'about:blank', title: 'Precondition Failed', status: 412, detail: 'the resource exists (If-None-Match)' });
    }

    const result = await handler(input as EndpointInput<B, Q, P>, req, res);
    if (result === undefined) return;
    const r = result instanceof Reply ? result : new Reply(200, result);
    for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
    if (r.body === undefined || r.status === 204 || r.status === 304) {
      res.writeHead(r.status).end();
      return;
    }
    const text = jsonBytes(r.body);
    const tag = etagOf(text);
    if (r.status === 200 || r.status === 201) res.setHeader('ETag', tag);
    // §13.1.2: for GET and HEAD a matching If-None-Match is a 304 carrying the validator.
    if (r.status === 200 && (req.method === 'GET' || req.method === 'HEAD') && ifNoneMatch !== undefined && noneMatchFails(ifNoneMatch, tag)) {
      res.writeHead(304).end();
      return;
    }
    res.send(r.status, text, type === 'application/json' ? 'application/json; charset=utf-8' : type);
  };

  const routeHandler: RouteHandler = async (req, res) => {
    try {
      await run(req, res);
    } catch (error) {
      if (!isHttpError(error) || res.headersSent) throw error;
      sendProblem(res, error);
    }
  };
  return [{ meta: { endpoint: spec } }, routeHandler];
}

