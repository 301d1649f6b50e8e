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
export { parseForm, parseBody, type ParsedForm, type ParsedBody, type StoredFormFile } from './uploads/parse-body.ts';
export { streamMultipart, readUrlencoded, readJson, DEFAULT_FORM_LIMITS, type FormLimits, type FilePart, type FormField } from './uploads/form.ts';
export { MultipartParser, MultipartError, type MultipartSink } from './uploads/multipart-parser.ts';
export { saveUpload, type SavedFile } from './uploads/save-upload.ts';
export { sanitizeFileName } from './uploads/sanitize-name.ts';
export { createUploadHandlers, describeUploads, type UploadOptions } from './uploads/upload-handlers.ts';
export { uploadFormHtml } from './uploads/upload-form.ts';
