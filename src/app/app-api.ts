// What an application module's function receives: the pieces to build routes and pages with, so an
// app needs no import of httpcraft itself (it may live anywhere, in a folder with no node_modules).

import { Router } from './router.ts';
import { HttpError } from './http-error.ts';
import type { Logger } from '../log/logger.ts';
import { endpoint, reply, parseQuery } from './rest.ts';
import { ProblemError, validationProblem } from './problem.ts';
import { compileSchema } from './schema-validator.ts';
import { etagOf } from './json-etag.ts';
import { negotiate } from './negotiate.ts';
import { openApiDocument, openApiHandler } from './openapi.ts';
import { createTemplates, type TemplateOptions, type Templates } from './templates/engine.ts';
import { resolve } from 'node:path';

export interface AppApiOptions {
  logger: Logger;
  documentRoot: string;
  appDir: string;
  onClose: (fn: () => unknown) => void;
}

export interface AppApi {
  readonly Router: typeof Router;
  readonly HttpError: typeof HttpError;
  /** JSON endpoints with schemas, problem+json errors, negotiation and ETags (rest.ts). */
  readonly endpoint: typeof endpoint;
  readonly reply: typeof reply;
  readonly ProblemError: typeof ProblemError;
  readonly validationProblem: typeof validationProblem;
  readonly compileSchema: typeof compileSchema;
  readonly parseQuery: typeof parseQuery;
  readonly etagOf: typeof etagOf;
  readonly negotiate: typeof negotiate;
  /** The OpenAPI 3.1 document of a router, and a handler serving it at a path of the app's choosing. */
  readonly openApiDocument: typeof openApiDocument;
  readonly openApiHandler: typeof openApiHandler;
  /** The server's logger (info/warn/error lines in the server's log). */
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The static site's folder (document_root), already resolved. */
  readonly documentRoot: string;
  /** A template engine for a folder (relative to the app module's folder). */
  templates(folder: string, options?: Omit<TemplateOptions, 'root'>): Templates;
  /** The folder of the app module, for its templates and data. */
  readonly appDir: string;
  /** Runs fn when the server stops (close a database, flush a file). */
  onClose(fn: () => unknown): void;
}

export function createAppApi(options: AppApiOptions): AppApi {
  const logger = options.logger;
  return {
    Router,
    HttpError,
    endpoint,
    reply,
    ProblemError,
    validationProblem,
    compileSchema,
    parseQuery,
    etagOf,
    negotiate,
    openApiDocument,
    openApiHandler,
    log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m, e) => logger.error(m, e) },
    documentRoot: options.documentRoot,
    appDir: options.appDir,
    templates: (folder, more = {}) => createTemplates({ ...more, root: resolve(options.appDir, folder) }),
    onClose: options.onClose,
  };
}
