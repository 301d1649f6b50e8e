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
export { serveStatic, type StaticOptions, type StaticHandler } from './static/serve-static.ts';
export { createSiteHandler, type SiteOptions, type SiteHandler } from './app/site.ts';
export type { CacheStats } from './static/file-cache.ts';
export type { CacheControlRule } from './static/cache-control.ts';
export { cors, type CorsOptions } from './middleware/cors.ts';
export { securityHeaders, DEFAULT_SECURITY_HEADERS, type SecurityHeadersOptions } from './middleware/security-headers.ts';
export { negotiateEncoding } from './middleware/compression.ts';
