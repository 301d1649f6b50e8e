// The catalogue of decisions an exchange can explain: what the engine or the site decided about a
// response, in a sentence a learner can read, and the rule that made it (an RFC section or a config
// key). One table, so that the documentation lists them all and a test can check that each one is
// reached by a request that triggers it (test/trace/decisions.test.ts).
//
// A decision is recorded as its code and arguments (exchange-trace.ts); the sentence is made only
// when someone reads it. Recording sites write `req.trace?.decide('code', …)`: with nobody watching
// `trace` is null and the arguments are not even evaluated.

export interface DecisionSpec {
  /** Where the rule comes from: "RFC 9110 §13.1.2", or "config show_hidden_files". */
  readonly source: string;
  readonly text: (...args: never[]) => string;
}

const rfc = (n: number, section: string): string => `RFC ${n} §${section}`;
const key = (name: string): string => `config ${name}`;

export const DECISIONS = {
  // ---- the engine: message framing and the connection (RFC 9112) ----
  'length': { source: rfc(9112, '6.2'), text: (bytes: number) => `Content-Length: ${bytes}, the body was known in full before it was sent` },
  'chunked': { source: rfc(9112, '7.1'), text: () => 'chunked: body length unknown and the client speaks 1.1' },
  'close-delimited': { source: rfc(9112, '6.3'), text: () => 'close-delimited: body length unknown and an HTTP/1.0 client has no chunked coding, so the close ends the body' },
  'no-content-head': { source: rfc(9110, '9.3.2'), text: () => 'no content: the response to HEAD carries the GET fields without a body' },
  'no-content-status': { source: rfc(9110, '6.4.1'), text: (status: number) => `no content: a ${status} response never carries content` },
  'keep-alive': { source: rfc(9112, '9.3'), text: (version: string) => (version === '1.0' ? 'connection kept open: the HTTP/1.0 request asked for Connection: keep-alive' : 'connection kept open: HTTP/1.1 connections are persistent unless one side says close') },
  'close-requested': { source: rfc(9112, '9.6'), text: () => 'connection closed: request had Connection: close' },
  'close-http10': { source: rfc(9112, '9.3'), text: () => 'connection closed: an HTTP/1.0 request without Connection: keep-alive' },
  'close-response': { source: rfc(9112, '9.6'), text: () => 'connection closed: the response said Connection: close' },
  'close-draining': { source: rfc(9112, '9.6'), text: () => 'connection closed: the server is shutting down, so this response is its last on the connection' },
  'close-unread-body': { source: rfc(9112, '9.3'), text: () => 'connection closed: the request body was not read, and a long or chunked one is not worth reading to reach the next request' },
  'close-continue': { source: rfc(9110, '10.1.1'), text: () => 'connection closed: the client was waiting for 100 Continue and the body was never asked for, so only a close makes the next request unambiguous' },
  'close-error': { source: rfc(9112, '9.6'), text: () => 'connection closed: after an error the rest of what the client sent cannot be trusted' },
  'continue': { source: rfc(9110, '10.1.1'), text: () => '100 Continue sent: the client asked with Expect: 100-continue and the handler began reading the body' },
  'expect-417': { source: rfc(9110, '10.1.1'), text: (expect: string) => `417: Expect: ${expect} is not an expectation this server can meet (only 100-continue)` },
  'parse-error': { source: '', text: (status: number, message: string) => `${status}: ${message}` },
  'timeout-headers': { source: key('headers_timeout'), text: (seconds: number) => `408: the request head did not arrive within ${seconds} s` },
  'timeout-request': { source: key('request_timeout'), text: (seconds: number) => `408: the request body did not arrive within ${seconds} s` },
  'switch': { source: rfc(9110, '7.8'), text: (protocol: string) => `101: switched the connection to ${protocol}, which the client offered in Upgrade` },
  'h2c-upgrade': { source: 'RFC 7540 §3.2', text: () => '101: Upgrade: h2c with one HTTP2-Settings field, so the connection switched to HTTP/2 and this request is answered as stream 1' },
  'h2-alpn': { source: rfc(9113, '3.2'), text: () => 'HTTP/2: agreed in the TLS handshake (ALPN "h2")' },
  'h2-prior-knowledge': { source: rfc(9113, '3.3'), text: () => 'HTTP/2 without TLS: the client began with the connection preface (prior knowledge)' },
  'h2-framing': { source: rfc(9113, '8.1'), text: () => 'HTTP/2: the body ends with END_STREAM on its last frame, so no Content-Length or chunked framing is needed' },
  'handler-failed': { source: rfc(9110, '15.6.1'), text: () => '500: the handler failed before answering (the details are in the server log, not the response)' },

  // ---- static files ----
  'not-modified-etag': { source: rfc(9110, '13.1.2'), text: () => '304: If-None-Match matched the current ETag' },
  'not-modified-date': { source: rfc(9110, '13.1.3'), text: () => '304: not modified since If-Modified-Since (and no If-None-Match to take precedence)' },
  'precondition-failed': { source: rfc(9110, '13.1.1'), text: (field: string) => `412: ${field} did not match the current representation` },
  'etag-no-match': { source: rfc(9110, '13.1.2'), text: () => 'full response: If-None-Match named no current ETag' },
  'range': { source: rfc(9110, '14.2'), text: (ranges: string) => `206: Range ${ranges} is satisfiable` },
  'range-416': { source: rfc(9110, '15.5.17'), text: (size: number) => `416: no requested range starts inside the ${size}-byte file` },
  'range-if-range': { source: rfc(9110, '13.1.5'), text: () => '200 not 206: If-Range did not match the current validator, so the whole file is sent' },
  'range-ignored': { source: rfc(9110, '14.2'), text: () => '200 not 206: the Range field is not a bytes range this server understands, so it is ignored' },
  'gzip': { source: key('compression_min_size'), text: (coding: string, q: number, type: string, min: number) => `${coding}: Accept-Encoding q=${q} and ${type} is compressible (compression_min_size ${min})` },
  'precompressed': { source: rfc(9110, '8.4'), text: (coding: string, file: string, q: number) => `${coding}: served the precompressed sibling ${file} (Accept-Encoding q=${q})` },
  'identity': { source: rfc(9110, '12.5.3'), text: (why: string) => `not compressed: ${why}` },
  'hidden-404': { source: key('show_hidden_files'), text: () => '404 not 403: dotfiles are hidden (show_hidden_files false), and a 403 would tell that the file exists' },
  'protected-404': { source: key('state_dir'), text: () => '404: the server\'s own files (state folder, logs, config) are never served' },
  'outside-root': { source: key('follow_symlinks'), text: () => '404: the path leads outside the document root (a symbolic link, with follow_symlinks false)' },
  'not-found': { source: rfc(9110, '15.5.5'), text: () => '404: no file at this path' },
  'memory-cache': { source: key('enable_cache'), text: () => 'served from the memory cache' },
  'from-disk': { source: key('cache_file_max_bytes'), text: (why: string) => `read from disk: ${why}` },
  'index-file': { source: key('index_file'), text: (name: string) => `folder URL: served its index file ${name}` },
  'listing': { source: key('directory_listing'), text: () => 'folder URL with no index file: a generated listing (directory_listing true)' },
  'no-listing': { source: key('directory_listing'), text: () => '404: a folder with no index file, and directory_listing is false' },
  'folder-redirect': { source: rfc(9110, '15.4.2'), text: (location: string) => `301 to ${location}: a folder's URL ends in "/", so that relative links in its page resolve inside it` },
  'method-501': { source: rfc(9110, '15.6.2'), text: (method: string) => `501: no resource of this server implements ${method}` },
  'method-405': { source: rfc(9110, '15.5.6'), text: (allow: string) => `405: the method is not one this resource supports (Allow: ${allow})` },
  'cache-control': { source: key('browser_cache_time'), text: (value: string) => `Cache-Control: ${value}` },

  // ---- site rules (docs/site-rules.md) ----
  'redirect': { source: key('redirects'), text: (status: number, location: string, from: string) => `${status} to ${location}: the redirect rule from ${from}` },
  'rewrite': { source: key('rewrites'), text: (path: string, from: string) => `rewritten to ${path} by the rule from ${from} (the address bar keeps the original)` },
  'path-headers': { source: key('headers'), text: (names: string, path: string) => `header ${names} set by the headers rule for ${path}` },
  'clean-url': { source: key('clean_urls'), text: (path: string) => `clean URL: no file at this path, so ${path} was tried` },
  'clean-url-redirect': { source: key('clean_urls'), text: (location: string) => `301 to ${location}: clean URLs are on, so the page has one URL, the one without .html` },
  'spa-fallback': { source: key('fallback'), text: (file: string) => `SPA fallback: no file at this path and the request is a navigation, so ${file} was served with 200` },

  // ---- reverse proxy (docs/proxy.md) ----
  'proxy-route': { source: key('proxy'), text: (path: string, backend: string, strategy: string) => `proxied by the route ${path} to ${backend} (strategy ${strategy})` },
  'proxy-retry': { source: rfc(9110, '9.2.2'), text: (backend: string, why: string) => `${backend} failed (${why}) before any answer, and the method is idempotent: retried on another backend` },
  'proxy-502': { source: rfc(9110, '15.6.3'), text: (why: string) => `502: the backend failed to answer properly (${why})` },
  'proxy-503': { source: rfc(9110, '15.6.4'), text: () => '503: no backend of the route is available (all down or failing health checks)' },
  'proxy-504': { source: rfc(9110, '15.6.5'), text: (why: string) => `504: the backend did not answer in time (${why})` },

  // ---- access rules and rate limits (docs/access-control.md) ----
  'auth-401': { source: rfc(9110, '15.5.2'), text: (rule: string, why: string) => `401: the access rule for ${rule} admits only some users, and ${why}` },
  'auth-403': { source: rfc(9110, '15.5.4'), text: (rule: string, why: string) => `403: ${why} (access rule for ${rule}); signing in would not help` },
  'auth-429': { source: key('auth_max_failures'), text: (failures: number) => `429: too many failed sign-ins from this address (auth_max_failures ${failures})` },
  'rate-limit-429': { source: key('rate_limits'), text: (name: string, policy: string, bucket: string) => `429: rate limit "${name}" (${policy}) is used up for ${bucket}` },

  // ---- CORS (the Fetch standard's CORS protocol) ----
  'cors-preflight': { source: key('cors_allow_methods'), text: (origin: string, method: string) => `204: CORS preflight answered: ${origin} may send ${method} (Access-Control-Allow-Methods)` },
  'cors-origin-refused': { source: key('cors_allow_origin'), text: (origin: string) => `CORS: ${origin} is not in cors_allow_origin, so no Access-Control-Allow-Origin is sent and the browser withholds the response` },

  // ---- uploads and the write methods ----
  'writes-off': { source: key('enable_file_uploads'), text: (method: string) => `405: ${method} writes files, and uploads are off (enable_file_uploads false)` },
  'upload-too-large': { source: key('max_upload_size'), text: (bytes: number, max: number) => `413: Content-Length ${bytes} is over max_upload_size ${max}, so the body is refused before it is read` },
  'upload-exists': { source: key('upload_overwrite'), text: (name: string) => `409: ${name} exists and upload_overwrite is false, so PUT does not replace it` },

  // ---- the status page ----
  'status-hidden': { source: key('status_allow'), text: () => '404: the status pages are shown only to loopback, status_allow networks or a status_token holder' },
} as const satisfies Record<string, DecisionSpec>;

export type DecisionCode = keyof typeof DECISIONS;
export type DecisionArgs<C extends DecisionCode> = Parameters<(typeof DECISIONS)[C]['text']>;

/** One decision as a reader gets it: the sentence and the rule's source (and where to read it). */
export interface DecisionRecord {
  readonly code: DecisionCode;
  readonly text: string;
  readonly source: string;
  /** The RFC section on rfc-editor.org; '' for a config key (the README's option tables explain it). */
  readonly url: string;
}

/** The sentence and source of a recorded decision. `source` overrides the catalogue's (a parse error names its own section). */
export function describeDecision(code: DecisionCode, args: readonly unknown[], source?: string): DecisionRecord {
  const spec: DecisionSpec = DECISIONS[code];
  const text = (spec.text as (...a: unknown[]) => string)(...args);
  const from = source ?? spec.source;
  return { code, text, source: from, url: sourceUrl(from) };
}

const RFC_SOURCE = /^RFC (\d{4}) §([\d.]+)$/;

/** Where a learner reads an RFC rule: its section on rfc-editor.org. */
export function sourceUrl(source: string): string {
  const m = RFC_SOURCE.exec(source);
  if (m !== null) return `https://www.rfc-editor.org/rfc/rfc${m[1]}#section-${m[2]}`;
  // A config key is explained in the README's option tables (and by `httpcraft --help`).
  return '';
}
