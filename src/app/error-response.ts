// Turns a thrown error into a response: the right status and headers, a body in the form the client
// asked for (JSON when it prefers JSON, else HTML), and no internals for 5xx errors.

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { reasonPhrase } from '../http1/status.ts';
import { isHttpError } from './http-error.ts';
import type { Middleware } from './pipeline.ts';
import type { HtmlInjection } from '../static/representation.ts';
import { exhaustionCode, type ExhaustionCode } from './exhaustion.ts';

/** Supplies a custom page for a status (for example htdocs/404.html); undefined for the default. */
export type ErrorPageSource = (status: number, req: Request) => Promise<Buffer | undefined> | Buffer | undefined;

export interface ErrorHandlerOptions {
  pages?: ErrorPageSource;
  /** Called for our own bugs only (see isBug): an answer the code chose on purpose is an access line. */
  report?: (error: unknown, req: Request) => void;
  /** Called when the machine ran out of disk or file descriptors (exhaustion.ts): the site logs why. */
  onExhausted?: (code: ExhaustionCode, req: Request) => void;
  /** Added to HTML error pages (the live-reload script: a page that was a 404 shows once the file exists). */
  htmlInjection?: HtmlInjection | undefined;
}

// The error classes JavaScript itself throws for programming mistakes (a wrong type, a bad argument,
// an undefined name) and node:assert's: an HttpError wrapping one of them hides a bug of ours.
const BUG_CLASSES: readonly (abstract new (...args: never[]) => Error)[] = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/**
 * True for an error that is our bug and deserves an ERROR line with its stack: anything thrown that
 * is not an HttpError, or an HttpError whose cause chain holds a programming error. Every HttpError
 * the code threw on purpose (404, 405, 501 for an unknown method, 503, …) is an expected answer, and
 * logging each with a stack would let any client flood the error log.
 */
export function isBug(error: unknown): boolean {
  if (!isHttpError(error)) return true;
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 8; depth++) {
    if (isHttpError(cause)) {
      cause = cause.cause;
      continue;
    }
    return BUG_CLASSES.some((c) => cause instanceof c) || (cause as { code?: unknown } | null)?.code === 'ERR_ASSERTION';
  }
  return false;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** True when the client ranks application/json above text/html (RFC 9110 §12.5.1, roughly). */
export function prefersJson(req: Request): boolean {
  const accept = req.header('accept');
  if (accept === undefined) return false;
  let json = -1;
  let html = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.find((p) => p.trim().startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.trim().slice(2)) || 0;
    if (type === 'application/json') json = Math.max(json, q);
    else if (type === 'text/html') html = Math.max(html, q);
  }
  return json > 0 && json > html;
}

export function defaultErrorPage(status: number, message: string): string {
  const title = `${status} ${escapeHtml(reasonPhrase(status))}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:Canvas;color:CanvasText}
main{max-width:32rem;padding:2rem;text-align:center}
h1{font-size:3rem;margin:0 0 .5rem}p{opacity:.8}
</style></head>
<body><main><h1>${title}</h1>${message === '' ? '' : `<p>${escapeHtml(message)}</p>`}<p><a href="/">Home</a></p></main></body></html>
`;
}

export async function sendError(req: Request, res: Response, error: unknown, options: ErrorHandlerOptions = {}): Promise<void> {
  const http = isHttpError(error);
  const status = http ? error.status : 500;
  if (isBug(error)) options.report?.(error, req);
  else if (status >= 500 && options.onExhausted !== undefined) {
    const code = exhaustionCode(error);
    if (code !== null) options.onExhausted(code, req);
  }
  if (res.headersSent) throw error; // too late for a clean answer: the connection closes
  const message = http && error.expose ? error.message : '';
  for (const name of [...new Set(res.headerList.filter((_, i) => i % 2 === 0))]) {
    // Headers set for the success path (type, length, validators) do not describe an error page;
    // transport-wide ones (HSTS, the rate limiter's RateLimit fields: an error still counted) still apply.
    const lower = name.toLowerCase();
    if (lower !== 'vary' && !lower.startsWith('access-control-') && lower !== 'x-content-type-options' && lower !== 'strict-transport-security' && !res.keptOnError.includes(lower)) res.removeHeader(name);
  }
  if (http) for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  res.setHeader('Cache-Control', 'no-store');
  if (prefersJson(req)) {
    res.json(status, { error: { status, reason: reasonPhrase(status), ...(message === '' ? {} : { message }) } });
    return;
  }
  const custom = options.pages === undefined ? undefined : await options.pages(status, req);
  const page = custom ?? defaultErrorPage(status, message);
  const inject = options.htmlInjection;
  res.send(status, inject === undefined ? page : typeof page === 'string' ? inject.text(page) : inject.bytes(page), 'text/html; charset=utf-8');
}

/** The outermost middleware: whatever goes wrong below becomes a proper error response. */
export function errorHandler(options: ErrorHandlerOptions = {}): Middleware {
  return (req, res, next) => {
    let result: void | Promise<void>;
    try {
      result = next();
    } catch (error) {
      return sendError(req, res, error, options);
    }
    if (result !== undefined) return result.catch((error: unknown) => sendError(req, res, error, options));
    return undefined;
  };
}
