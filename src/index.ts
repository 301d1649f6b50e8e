// Public API: named exports only.
export { createServer, HttpServer, DEFAULT_TIMEOUTS, type ServerOptions, type ListenOptions } from './server/http-server.ts';
export type { Handler, ConnectionTimeouts } from './server/connection.ts';
export { Request } from './server/request.ts';
export { Response } from './server/response.ts';
export { compose, type Middleware, type Next } from './app/pipeline.ts';
export { Router, type MethodTable, type Method } from './app/router.ts';
export { HttpError, isHttpError } from './app/http-error.ts';
export { errorHandler, sendError } from './app/error-response.ts';
export { RequestParser, DEFAULT_PARSER_LIMITS, type RequestHead, type ParserSink, type ParserLimits } from './http1/request-parser.ts';
export { ParseError, PARSE_ERRORS, type ParseErrorCode } from './http1/errors.ts';
export { serveStatic } from './static/serve-static.ts';
export { runServer, resolveWorkerCount, type RunServerOptions, type ClusterSettings } from './cluster/run-workers.ts';
export { runWorker, type ServerBuilder, type BuiltServer } from './cluster/worker-main.ts';
export { onStatsRequest, requestClusterSnapshots, clusterSnapshot } from './cluster/worker-stats.ts';
export type { WorkerReport } from './cluster/ipc.ts';
export type { ListenTarget } from './cluster/listen-target.ts';
