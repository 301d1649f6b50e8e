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
export { StatusRecorder, type RecorderOptions } from './status/metrics.ts';
export { statusRoutes, type StatusRouteOptions } from './status/status-routes.ts';
export { mergeSnapshots, type StatusSnapshot } from './status/snapshot.ts';
export { renderPrometheus } from './status/prometheus.ts';
export { UploadCounter, type CacheStatsSource, type UploadStatsSource } from './status/sources.ts';
