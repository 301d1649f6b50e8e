// One catalogue of everything a peer can get wrong, each with the status we answer it with.
// The parser reports these (never throws them): a throw from src/http1 is our bug, not the peer's.

export const PARSE_ERRORS = {
  BAD_REQUEST_LINE: [400, 'Malformed request line'],
  BAD_METHOD: [400, 'Invalid character in method'],
  TLS_HANDSHAKE: [400, 'This port speaks plain HTTP, and the client began a TLS handshake. Use http:// instead of https://.'],
  BAD_TARGET: [400, 'Invalid request target'],
  BAD_VERSION: [400, 'Malformed HTTP version'],
  UNSUPPORTED_VERSION: [505, 'HTTP version not supported'],
  URI_TOO_LONG: [414, 'Request line too long'],
  BARE_CR: [400, 'Bare CR in message'],
  BARE_LF: [400, 'Line not terminated by CRLF'],
  BAD_HEADER_NAME: [400, 'Invalid character in header name'],
  SPACE_BEFORE_COLON: [400, 'Whitespace between header name and colon'],
  BAD_HEADER_VALUE: [400, 'Invalid character in header value'],
  OBS_FOLD: [400, 'Obsolete line folding is not accepted'],
  MISSING_COLON: [400, 'Header line without a colon'],
  HEADERS_TOO_LARGE: [431, 'Request header section too large'],
  TOO_MANY_HEADERS: [431, 'Too many header fields'],
  MISSING_HOST: [400, 'HTTP/1.1 request without Host'],
  DUPLICATE_HOST: [400, 'More than one Host header'],
  BAD_HOST: [400, 'Invalid Host header'],
  TE_AND_CL: [400, 'Both Transfer-Encoding and Content-Length'],
  BAD_CONTENT_LENGTH: [400, 'Malformed Content-Length'],
  CONFLICTING_CONTENT_LENGTH: [400, 'Differing Content-Length values'],
  CHUNKED_NOT_FINAL: [400, 'Transfer-Encoding does not end in chunked'],
  DUPLICATE_CHUNKED: [400, 'chunked applied more than once'],
  TE_IN_HTTP10: [400, 'Transfer-Encoding in an HTTP/1.0 request'],
  UNSUPPORTED_TRANSFER_CODING: [501, 'Transfer coding not implemented'],
  BAD_CHUNK_SIZE: [400, 'Malformed chunk size'],
  BAD_CHUNK_EXTENSION: [400, 'Malformed chunk extension'],
  BAD_CHUNK_END: [400, 'Chunk data not followed by CRLF'],
  BODY_TOO_LARGE: [413, 'Request body too large'],
  // The upstream side (response-parser.ts): the proxy answers each of these with 502.
  BAD_STATUS_LINE: [502, 'Malformed status line from upstream'],
  UNSUPPORTED_RESPONSE_VERSION: [502, 'Upstream answered in an HTTP version other than 1.x'],
  RESPONSE_HEADERS_TOO_LARGE: [502, 'Upstream response header section too large'],
  RESPONSE_TOO_MANY_HEADERS: [502, 'Too many header fields in the upstream response'],
  TOO_MANY_INFORMATIONAL: [502, 'Too many interim (1xx) responses from upstream'],
  INCOMPLETE_RESPONSE: [502, 'Upstream closed the connection before the response was complete'],
} as const satisfies Record<string, readonly [number, string]>;

export type ParseErrorCode = keyof typeof PARSE_ERRORS;

export class ParseError extends Error {
  readonly code: ParseErrorCode;
  readonly status: number;

  constructor(code: ParseErrorCode) {
    const [status, message] = PARSE_ERRORS[code];
    super(message);
    this.name = 'ParseError';
    this.code = code;
    this.status = status;
  }
}
