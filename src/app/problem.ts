// Problem details for HTTP APIs (RFC 9457): an error as application/problem+json, with "type",
// "title", "status", "detail" and, for validation failures, an "errors" extension member listing each
// failing field (where it was: body, query or path; its JSON Pointer; what is wrong), as RFC 9457
// §3's example of a validation problem does.

import type { Response } from '../server/response.ts';
import { reasonPhrase } from '../http1/status.ts';
import { HttpError } from './http-error.ts';

export const PROBLEM_JSON = 'application/problem+json';

export interface FieldError {
  /** Where the field is: the body, the query string or the path. */
  readonly in: 'body' | 'query' | 'path' | 'header';
  /** JSON Pointer into that part (RFC 6901): "/title", "/tags/0". */
  readonly pointer: string;
  /** The field's name as a user reads it: "title", "tags[0]", "id". */
  readonly name: string;
  readonly message: string;
}

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
}

export const VALIDATION_PROBLEM = 'urn:httpcraft:problem:validation';

/** An HttpError that renders as problem+json. */
export class ProblemError extends HttpError {
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(problem.status, problem.detail ?? problem.title, { ...options, expose: true });
    this.name = 'ProblemError';
    this.problem = problem;
  }
}

/** "/tags/0/name" → "tags[0].name" (the name a person reads in a message). */
export function fieldName(pointer: string): string {
  if (pointer === '') return '(whole value)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

export function validationProblem(errors: readonly FieldError[], status = 422): ProblemError {
  const names = [...new Set(errors.map((e) => e.name))];
  return new ProblemError({
    type: VALIDATION_PROBLEM,
    title: 'The request does not match the schema',
    status,
    detail: `${errors.length === 1 ? 'One field is' : `${errors.length} fields are`} invalid: ${names.join(', ')}`,
    errors,
  });
}

/** Any error as problem details: a ProblemError as it is, an HttpError by its status and exposed message. */
export function problemOf(error: HttpError): ProblemDetails {
  if (error instanceof ProblemError) return error.problem;
  const detail = error.expose && error.message !== '' ? { detail: error.message } : {};
  return { type: 'about:blank', title: reasonPhrase(error.status), status: error.status, ...detail };
}

/** Writes an HttpError as problem+json (its headers, Allow or Retry-After, included). */
export function sendProblem(res: Response, error: HttpError): void {
  for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  res.setHeader('Cache-Control', 'no-store');
  res.send(error.status, JSON.stringify(problemOf(error)) + '\n', PROBLEM_JSON);
}

