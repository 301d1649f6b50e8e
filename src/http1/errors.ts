// One catalogue of everything a peer can get wrong, each with the status we answer it with and the
// rule it breaks (shown by --trace and the inspector beside the refusal).
// The parser reports these (never throws them): a throw from src/http1 is our bug, not the peer's.

export const PARSE_ERRORS = {
  BAD_REQUEST_LINE: [400, 'Malformed request line', 'RFC 9112 §3'],
  BAD_METHOD: [400, 'Invalid character in method', 'RFC 9110 §9.1'],
  TLS_HANDSHAKE: [400, 'This port speaks plain HTTP, and the client began a TLS handshake. Use http:// instead of https://.', 'RFC 9112 §3'],
  BAD_TARGET: [400, 'Invalid request target', 'RFC 9112 §3.2'],
  BAD_VERSION: [400, 'Malformed HTTP version', 'RFC 9112 §2.3'],
  UNSUPPORTED_VERSION: [505, 'HTTP version not supported', 'RFC 9110 §15.6.6'],
  URI_TOO_LONG: [414, 'Request line too long', 'RFC 9112 §3'],
  BARE_CR: [400, 'Bare CR in message', 'RFC 9112 §2.2'],
  BARE_LF: [400, 'Line not terminated by CRLF', 'RFC 9112 §2.2'],
  BAD_HEADER_NAME: [400, 'Invalid character in header name', 'RFC 9110 §5.1'],
  SPACE_BEFORE_COLON: [400, 'Whitespace between header name and colon', 'RFC 9112 §5.1'],
  BAD_HEADER_VALUE: [400, 'Invalid character in header value', 'RFC 9110 §5.5'],
  OBS_FOLD: [400, 'Obsolete line folding is not accepted', 'RFC 9112 §5.2'],
  MISSING_COLON: [400, 'Header line without a colon', 'RFC 9112 §5'],
  HEADERS_TOO_LARGE: [431, 'Request header section too large', 'RFC 6585 §5'],
  TOO_MANY_HEADERS: [431, 'Too many header fields', 'RFC 6585 §5'],
  MISSING_HOST: [400, 'HTTP/1.1 request without Host', 'RFC 9112 §3.2'],
  DUPLICATE_HOST: [400, 'More than one Host header', 'RFC 9112 §3.2'],
  BAD_HOST: [400, 'Invalid Host header', 'RFC 9112 §3.2'],
  TE_AND_CL: [400, 'Both Transfer-Encoding and Content-Length', 'RFC 9112 §6.1'],
  BAD_CONTENT_LENGTH: [400, 'Malformed Content-Length', 'RFC 9112 §6.3'],
  CONFLICTING_CONTENT_LENGTH: [400, 'Differing Content-Length values', 'RFC 9112 §6.3'],
  CHUNKED_NOT_FINAL: [400, 'Transfer-Encoding does not end in chunked', 'RFC 9112 §6.3'],
  DUPLICATE_CHUNKED: [400, 'chunked applied more than once', 'RFC 9112 §7'],
  TE_IN_HTTP10: [400, 'Transfer-Encoding in an HTTP/1.0 request', 'RFC 9112 §6.1'],
  UNSUPPORTED_TRANSFER_CODING: [501, 'Transfer coding not implemented', 'RFC 9112 §6.1'],
  BAD_CHUNK_SIZE: [400, 'Malformed chunk size', 'RFC 9112 §7.1'],
  BAD_CHUNK_EXTENSION: [400, 'Malformed chunk extension', 'RFC 9112 §7.1.1'],
  BAD_CHUNK_END: [400, 'Chunk data not followed by CRLF', 'RFC 9112 §7.1'],
  BODY_TOO_LARGE: [413, 'Request body too large', 'RFC 9110 §15.5.14'],
  // The upstream side (response-parser.ts): the proxy answers each of these with 502.
  BAD_STATUS_LINE: [502, 'Malformed status line from upstream', 'RFC 9112 §4'],
  UNSUPPORTED_RESPONSE_VERSION: [502, 'Upstream answered in an HTTP version other than 1.x', 'RFC 9112 §2.3'],
  RESPONSE_HEADERS_TOO_LARGE: [502, 'Upstream response header section too large', 'RFC 9112 §5'],
  RESPONSE_TOO_MANY_HEADERS: [502, 'Too many header fields in the upstream response', 'RFC 9112 §5'],
  TOO_MANY_INFORMATIONAL: [502, 'Too many interim (1xx) responses from upstream', 'RFC 9110 §15.2'],
  INCOMPLETE_RESPONSE: [502, 'Upstream closed the connection before the response was complete', 'RFC 9112 §8'],
} as const satisfies Record<string, readonly [number, string, string]>;

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
