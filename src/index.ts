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
export { prepareHttps, startHttpsServices, httpsBannerLines, httpsOptionsFromConfig, DEFAULT_STATE_DIR, type TlsConfigFields, type HttpsOptions, type PreparedHttps, type HttpsServices, type HttpsServiceOptions } from './tls/https.ts';
export { loadCredentials, TlsConfigError, type Credentials, type CredentialFiles, type TlsConfigKey } from './tls/load-credentials.ts';
export { ensureDevCertificate, createDevCertificate, devCertificateNames, type DevCertificate } from './tls/self-signed.ts';
export { CertificateReloader, type ReloadOptions } from './tls/reload.ts';
export { createRedirectServer, redirectLocation, type RedirectOptions } from './tls/redirect-server.ts';
export { hsts, hstsValue, type HstsOptions } from './tls/hsts.ts';
export { TLS_VERSIONS, parseTlsVersion, type TlsVersion, type TlsSettings } from './tls/tls-options.ts';
