// THE table of options: every configuration key with its kind (type and bounds), default, flags,
// legacy names and a one-line description. Validation, --help, --print-config, the environment
// variable names and the README/docs option tables are all derived from this one list; a test fails
// when the README disagrees with it.
//
// Per key, derived rather than written:
//   flag:  --<key with _ → ->   (plus `flags`, `short`, and one per legacy alias)
//   env:   HTTPCRAFT_<KEY>      (plus HTTPCRAFT_<ALIAS> per legacy alias)
//   bool:  every flag also has a --no-<flag> form

import { VERSION } from '../version.ts';
import type { Kind } from './kinds.ts';
import { HEADERS_DESCRIPTION, HEADERS_SCHEMA, REDIRECTS_DESCRIPTION, REDIRECTS_SCHEMA, REWRITES_DESCRIPTION, REWRITES_SCHEMA, parsePathHeaders, parseRedirects, parseRewrites } from '../site-rules/rules-config.ts';
import { PROXY_DESCRIPTION, PROXY_SCHEMA, parseProxyRoutes, parseProxyText, resolveRoutePaths } from '../proxy/route-config.ts';
import { RULES_DESCRIPTION, RULES_SCHEMA, TOKENS_DESCRIPTION, TOKENS_SCHEMA, USERS_DESCRIPTION, USERS_SCHEMA, parseAccessRules, parseTokens, parseUsers } from '../access/config-kinds.ts';

export const GROUPS = {
  server: 'Server',
  logging: 'Logging',
  engine: 'Connections and limits',
  static: 'Static files and caching',
  headers: 'Security headers and CORS',
  tls: 'HTTPS',
  uploads: 'Forms and uploads',
  status: 'Status page',
  access: 'Access control',
  proxy: 'Reverse proxy and site rules',
} as const;
export type Group = keyof typeof GROUPS;

export interface KeySpec {
  readonly key: string;
  readonly group: Group;
  readonly kind: Kind;
  readonly default: unknown;
  readonly description: string;
  /** Extra long flags (without the leading --). */
  readonly flags?: readonly string[];
  readonly short?: string;
  /** Legacy key names (config file and env); each also gets a flag. */
  readonly aliases?: readonly string[];
  /** Legacy flags that are not derived from an alias key name. */
  readonly legacyFlags?: readonly string[];
  /** Relative paths in a config file resolve against the file's folder. */
  readonly isPath?: boolean;
  /** Never printed (--print-config shows "(set)"). */
  readonly secret?: boolean;
}

const BOOL: Kind = { type: 'bool' };
const SECONDS: Kind = { type: 'seconds', min: 0, max: 86400 * 365 };
// A connection timeout of 0 would time every client out at once; a second is the useful floor.
const TIMEOUT: Kind = { type: 'seconds', min: 1, max: 86400 };
const BYTES: Kind = { type: 'bytes', min: 0, max: Number.MAX_SAFE_INTEGER };
const COUNT = (min: number, max: number): Kind => ({ type: 'int', min, max });
const PATH: Kind = { type: 'path' };
const PATH_OR_NULL: Kind = { type: 'path', nullable: true };
const TEXT: Kind = { type: 'string' };
const TEXT_OR_NULL: Kind = { type: 'string', nullable: true };
const URL_PATH: Kind = { type: 'string', prefix: '/' };
const LIST: Kind = { type: 'list' };

export const KEYS = [
  // ── seed: server ─────────────────────────────────────────────────────────────────────────────
  { key: 'host', group: 'server', kind: { type: 'string', nonEmpty: true }, default: '::', short: 'H', description: 'Address to bind: "::" every interface, IPv6 and IPv4 (0.0.0.0 where the machine has no IPv6); 0.0.0.0 IPv4 only; "localhost" both 127.0.0.1 and ::1.' },
  { key: 'port', group: 'server', kind: { type: 'port' }, default: 8000, short: 'p', description: 'TCP port to listen on (0 picks a free port); PORT in the environment sets it too. The default, when busy, moves to the next free port (20 tried).' },
  { key: 'document_root', group: 'server', kind: PATH, default: 'htdocs', short: 'd', legacyFlags: ['directory'], isPath: true, description: 'Folder to serve; also the positional ROOT argument.' },
  { key: 'server_name', group: 'server', kind: TEXT, default: 'httpcraft', description: 'Server header product name ("" sends no Server header).' },
  { key: 'server_version', group: 'server', kind: TEXT, default: VERSION, description: 'Version shown after the name in the Server header and banner.' },
  { key: 'unix_socket', group: 'server', kind: { type: 'path', nullable: true }, default: null, isPath: true, flags: ['unix'], description: 'Listen on this Unix socket instead of host:port (a stale socket file is replaced).' },
  { key: 'listen_fd', group: 'server', kind: { type: 'int', min: 0, max: 65535, nullable: true }, default: null, flags: ['fd'], description: 'Listen on an inherited, already-open socket (systemd socket activation is detected by itself).' },
  { key: 'workers', group: 'server', kind: { type: 'int', min: 1, max: 1024, auto: true }, default: 1, aliases: ['max_threads'], description: 'Worker processes (node:cluster); "auto" = one per CPU core.' },
  { key: 'shutdown_timeout', group: 'server', kind: SECONDS, default: 10, description: 'Seconds in-flight requests get to finish on SIGINT/SIGTERM.' },
  { key: 'open_browser', group: 'server', kind: BOOL, default: false, flags: ['open'], description: 'Open the first local URL in a browser once listening ($BROWSER, else xdg-open, open or start).' },
  { key: 'app', group: 'server', kind: PATH_OR_NULL, default: null, isPath: true, description: 'An application module (ES module exporting a Router, or a function (api) => Router) served in front of the static files: paths it does not route fall through to them (docs/apps.md).' },
  { key: 'state_dir', group: 'server', kind: PATH, default: '.httpcraft', isPath: true, description: 'Folder for generated state (development certificate, …).' },
  // ── seed: logging ────────────────────────────────────────────────────────────────────────────
  { key: 'log_level', group: 'logging', kind: { type: 'enum', values: ['DEBUG', 'INFO', 'WARNING', 'ERROR'], aliases: { warn: 'WARNING' } }, default: 'INFO', description: 'Lowest level of server events logged.' },
  { key: 'log_file', group: 'logging', kind: PATH_OR_NULL, default: null, isPath: true, description: 'Write the server events (not the access log: see access_log) to this file (buffered, asynchronous) instead of the console.' },
  { key: 'access_log', group: 'logging', kind: { type: 'path', words: ['stdout', 'off'] }, default: 'stdout', isPath: true, description: 'Where the access log goes (one line per request, whatever log_level says): "stdout", "off", or a file (rotated as log_file).' },
  { key: 'colored_logging', group: 'logging', kind: BOOL, default: true, flags: ['color'], description: 'Colored console output when stdout is a terminal (NO_COLOR also turns it off).' },
  { key: 'access_log_format', group: 'logging', kind: { type: 'enum', values: ['common', 'combined', 'json'] }, default: 'common', description: 'Access log line format: Apache common, combined, or JSON lines.' },
  { key: 'log_max_size', group: 'logging', kind: BYTES, default: 10485760, description: 'Rotate a log file (log_file, access_log) when it would grow past this size (0 = never).' },
  { key: 'log_rotate', group: 'logging', kind: { type: 'enum', values: ['none', 'daily'] }, default: 'none', description: 'Also rotate the log files when the local date changes.' },
  { key: 'log_keep', group: 'logging', kind: COUNT(0, 1000), default: 5, description: 'Rotated log files kept (file.1 is the newest).' },
  { key: 'log_compress', group: 'logging', kind: BOOL, default: false, description: 'Gzip rotated log files (file.1.gz, …).' },
  { key: 'trace', group: 'logging', kind: BOOL, default: false, description: 'Print every exchange on the console as a learner reads it: both heads as raw bytes (\\r\\n visible), a body summary, timings, HTTP/2 frames, and why the response is what it is, each reason with its RFC section or config key (docs/trace.md).' },
  { key: 'trace_filter', group: 'logging', kind: TEXT_OR_NULL, default: null, description: 'Trace only the exchanges that match: path globs (/api/*), methods (POST) and statuses (404, 4xx), separated by spaces or commas; one term of each kind given must match.' },
  // ── engine ───────────────────────────────────────────────────────────────────────────────────
  { key: 'connection_queue', group: 'engine', kind: COUNT(1, 65535), default: 511, description: 'Backlog of listen(): connections the kernel queues before accept.' },
  { key: 'request_timeout', group: 'engine', kind: TIMEOUT, default: 30, description: 'Seconds a client has to send a whole request (head and body).' },
  { key: 'headers_timeout', group: 'engine', kind: TIMEOUT, default: 20, description: 'Seconds a client has to send a request head (slowloris defence).' },
  { key: 'keep_alive_timeout', group: 'engine', kind: TIMEOUT, default: 5, description: 'Seconds an idle persistent connection stays open.' },
  { key: 'max_connections', group: 'engine', kind: COUNT(1, 1_000_000), default: 10000, description: 'Open connections allowed at once; beyond it clients get 503.' },
  { key: 'max_header_size', group: 'engine', kind: { type: 'bytes', min: 256, max: 1048576 }, default: 16384, description: 'Largest request head in bytes (431 beyond).' },
  { key: 'max_header_count', group: 'engine', kind: COUNT(1, 10000), default: 100, description: 'Most header fields in a request (431 beyond).' },
  { key: 'max_request_line', group: 'engine', kind: { type: 'bytes', min: 64, max: 1048576 }, default: 8192, description: 'Longest request line in bytes (414 beyond).' },
  { key: 'max_body_size', group: 'engine', kind: BYTES, default: 10485760, description: 'Largest request body in bytes (413 beyond); with uploads on, uploads are held to max_upload_size instead.' },
  { key: 'http2_cleartext', group: 'engine', kind: BOOL, default: false, flags: ['h2c'], description: 'Also speak HTTP/2 without TLS on the plain port (h2c: the prior-knowledge preface and Upgrade: h2c), beside HTTP/1.1.' },
  { key: 'http2_max_concurrent_streams', group: 'engine', kind: COUNT(1, 10000), default: 100, description: 'HTTP/2 requests a client may have in progress on one connection (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused with REFUSED_STREAM, which clients retry.' },
  // ── static files and caching ─────────────────────────────────────────────────────────────────
  { key: 'directory_listing', group: 'static', kind: BOOL, default: false, aliases: ['enable_directory_listing'], description: 'List a folder\'s files when it has no index file.' },
  { key: 'show_hidden_files', group: 'static', kind: BOOL, default: false, description: 'Serve and list dotfiles (never .git, the state folder, log files, the config file or upload temp files).' },
  { key: 'follow_symlinks', group: 'static', kind: BOOL, default: false, description: 'Follow symbolic links that lead outside the document root.' },
  { key: 'index_file', group: 'static', kind: { type: 'string-or-list' }, default: 'index.html', description: 'File(s) served for a folder URL, first found wins (index.html,index.htm).' },
  { key: 'enable_cache', group: 'static', kind: BOOL, default: true, description: 'Keep file bodies (up to cache_file_max_bytes) in an in-memory LRU cache.' },
  { key: 'cache_max_size', group: 'static', kind: COUNT(0, 1_000_000), default: 100, description: 'Most files in the memory cache.' },
  { key: 'cache_max_age', group: 'static', kind: SECONDS, default: 3600, description: 'Seconds a cached file may be served before it is checked again.' },
  { key: 'cache_max_bytes', group: 'static', kind: BYTES, default: 67108864, description: 'Total bytes the memory cache may hold.' },
  { key: 'cache_file_max_bytes', group: 'static', kind: BYTES, default: 16777216, description: 'Largest single file kept in the memory cache (files over 1 MiB enter it on their second request).' },
  { key: 'enable_browser_caching', group: 'static', kind: BOOL, default: true, description: 'Send Cache-Control so browsers keep static files.' },
  { key: 'browser_cache_time', group: 'static', kind: SECONDS, default: 0, description: 'Cache-Control max-age for static files, in seconds (0 = no-cache: browsers revalidate, unchanged files cost a 304).' },
  { key: 'cache_control', group: 'static', kind: { type: 'cache-rules' }, default: [], description: 'Per-glob Cache-Control values, first match wins.' },
  { key: 'enable_compression', group: 'static', kind: BOOL, default: true, description: 'Compress responses (gzip, brotli) for clients that accept them.' },
  { key: 'compression_min_size', group: 'static', kind: BYTES, default: 1024, description: 'Smallest body worth compressing, in bytes.' },
  { key: 'live_reload', group: 'static', kind: BOOL, default: false, description: 'Reload the browser when a file under the document root changes (CSS is swapped in place): HTML pages get a small script at /__httpcraft/live-reload.js.' },
  // ── security headers and CORS ────────────────────────────────────────────────────────────────
  { key: 'enable_security_headers', group: 'headers', kind: BOOL, default: true, description: 'Send X-Content-Type-Options, X-Frame-Options and friends.' },
  { key: 'security_headers', group: 'headers', kind: { type: 'header-map' }, default: {}, description: 'Extra or overriding headers on every response (name → value); one replaces the file\'s own field of that name (Cache-Control, say).' },
  { key: 'enable_cors', group: 'headers', kind: BOOL, default: false, flags: ['cors'], description: 'Answer CORS requests and preflights.' },
  { key: 'cors_allow_origin', group: 'headers', kind: { type: 'string-or-list' }, default: '*', description: 'Allowed origins: "*", one origin or a list; only origins listed literally may also write (uploads).' },
  { key: 'cors_allow_methods', group: 'headers', kind: LIST, default: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'], description: 'Methods allowed in CORS preflights.' },
  { key: 'cors_allow_headers', group: 'headers', kind: LIST, default: [], description: 'Request headers allowed in CORS (empty = echo the request\'s).' },
  { key: 'cors_expose_headers', group: 'headers', kind: LIST, default: [], description: 'Response headers exposed to CORS callers.' },
  { key: 'cors_allow_credentials', group: 'headers', kind: BOOL, default: false, description: 'Allow credentials (cookies) on CORS requests.' },
  { key: 'cors_max_age', group: 'headers', kind: SECONDS, default: 600, description: 'Seconds a browser may cache a preflight answer.' },
  // ── HTTPS ────────────────────────────────────────────────────────────────────────────────────
  { key: 'enable_ssl', group: 'tls', kind: BOOL, default: false, flags: ['ssl'], description: 'Serve HTTPS (a development certificate is made when none is given); implied by --ssl-cert, --ssl-key or --ssl-pfx on the command line.' },
  { key: 'ssl_cert', group: 'tls', kind: PATH_OR_NULL, default: null, isPath: true, description: 'PEM certificate (chain) file.' },
  { key: 'ssl_key', group: 'tls', kind: PATH_OR_NULL, default: null, isPath: true, description: 'PEM private key file.' },
  { key: 'ssl_password', group: 'tls', kind: TEXT_OR_NULL, default: null, secret: true, description: 'Passphrase of the private key or PFX file.' },
  { key: 'ssl_pfx', group: 'tls', kind: PATH_OR_NULL, default: null, isPath: true, description: 'PKCS#12 file holding certificate and key (instead of cert/key).' },
  { key: 'min_tls_version', group: 'tls', kind: { type: 'enum', values: ['TLSv1.2', 'TLSv1.3'] }, default: 'TLSv1.2', description: 'Oldest TLS version accepted.' },
  { key: 'ssl_ciphers', group: 'tls', kind: TEXT_OR_NULL, default: null, description: 'OpenSSL cipher list (null = Node\'s defaults).' },
  { key: 'redirect_http_port', group: 'tls', kind: { type: 'port', nullable: true }, default: null, description: 'Also listen here with plain HTTP and redirect to HTTPS.' },
  { key: 'hsts_max_age', group: 'tls', kind: SECONDS, default: 0, description: 'Strict-Transport-Security max-age over HTTPS (0 = off).' },
  { key: 'http2', group: 'tls', kind: BOOL, default: true, description: 'Offer HTTP/2 over HTTPS (ALPN h2 beside http/1.1); --no-http2 serves HTTPS as HTTP/1.1 only.' },
  // ── forms and uploads ────────────────────────────────────────────────────────────────────────
  { key: 'enable_file_uploads', group: 'uploads', kind: BOOL, default: false, description: 'Accept form posts and file uploads.' },
  { key: 'max_upload_size', group: 'uploads', kind: BYTES, default: 10485760, description: 'Largest upload request in bytes (413 beyond).' },
  { key: 'upload_dir', group: 'uploads', kind: PATH_OR_NULL, default: null, isPath: true, description: 'Where uploaded files go (null = <document_root>/uploads).' },
  { key: 'upload_overwrite', group: 'uploads', kind: BOOL, default: false, description: 'Replace an existing file: PUT replaces it (204) instead of 409, form uploads instead of a numbered name.' },
  { key: 'upload_path', group: 'uploads', kind: URL_PATH, default: '/submit', description: 'URL path that receives form posts.' },
  { key: 'upload_in_listing', group: 'uploads', kind: BOOL, default: true, description: 'Show an upload form on directory listings.' },
  { key: 'enable_mkdir', group: 'uploads', kind: BOOL, default: false, description: 'Allow creating folders through the listing.' },
  { key: 'enable_delete', group: 'uploads', kind: BOOL, default: false, description: 'Allow DELETE of files and empty folders inside upload_dir (never upload_dir itself, nothing elsewhere).' },
  { key: 'max_upload_files', group: 'uploads', kind: COUNT(1, 100000), default: 20, description: 'Most files in one upload request.' },
  { key: 'max_field_size', group: 'uploads', kind: BYTES, default: 1048576, description: 'Largest non-file form field in bytes.' },
  { key: 'max_form_parts', group: 'uploads', kind: COUNT(1, 1_000_000), default: 1000, description: 'Most parts (fields and files) in one form.' },
  // ── status page ──────────────────────────────────────────────────────────────────────────────
  { key: 'enable_server_status', group: 'status', kind: BOOL, default: true, description: 'Serve the status dashboard and Prometheus metrics.' },
  { key: 'server_status_path', group: 'status', kind: URL_PATH, default: '/server-status', description: 'URL path of the status dashboard.' },
  { key: 'metrics_path', group: 'status', kind: URL_PATH, default: '/metrics', description: 'URL path of the Prometheus metrics.' },
  { key: 'status_allow', group: 'status', kind: LIST, default: [], description: 'Client addresses/CIDRs that may see the dashboard and metrics (empty = loopback only; a list replaces loopback).' },
  { key: 'status_token', group: 'status', kind: TEXT_OR_NULL, default: null, secret: true, description: 'Bearer token (or ?token=) that admits any client to the dashboard and metrics (null = none).' },
  { key: 'health_public', group: 'status', kind: BOOL, default: true, description: 'Answer /healthz and /readyz for every client (false: only those status_allow/status_token admit).' },
  // ── access control (docs/access-control.md) ──────────────────────────────────────────────────
  { key: 'users', group: 'access', kind: { type: 'records', describe: USERS_DESCRIPTION, schema: USERS_SCHEMA, parse: parseUsers }, default: [], secret: true, description: 'Users for HTTP Basic sign-in, with scrypt or bcrypt password hashes ("httpcraft hash-password" makes one).' },
  { key: 'auth_file', group: 'access', kind: PATH_OR_NULL, default: null, isPath: true, description: 'An htpasswd file of more users (bcrypt or scrypt lines; re-read on SIGHUP).' },
  { key: 'tokens', group: 'access', kind: { type: 'records', describe: TOKENS_DESCRIPTION, schema: TOKENS_SCHEMA, parse: parseTokens }, default: [], secret: true, description: 'Bearer tokens for API clients, as SHA-256 hashes ("httpcraft hash-password --token" makes one).' },
  { key: 'access', group: 'access', kind: { type: 'records', describe: RULES_DESCRIPTION, schema: RULES_SCHEMA, parse: parseAccessRules }, default: [], description: 'Per-path rules, first match wins (none, with users or tokens set: every path needs a sign-in).' },
  { key: 'auth_realm', group: 'access', kind: TEXT_OR_NULL, default: null, description: 'The realm browsers show when asking for a password (null = server_name).' },
  { key: 'auth_max_failures', group: 'access', kind: COUNT(1, 1_000_000), default: 10, description: 'Failed sign-ins a client address may make within auth_failure_window before it gets 429.' },
  { key: 'auth_failure_window', group: 'access', kind: { type: 'seconds', min: 1, max: 86400 }, default: 300, description: 'Seconds over which failed sign-ins are counted (and the longest a blocked client waits).' },
  { key: 'auth_cache_ttl', group: 'access', kind: { type: 'seconds', min: 0, max: 86400 }, default: 300, description: 'Seconds a verified credential is remembered, so keep-alive clients skip the slow hash (0 = never).' },
  // ── access control: client address, rate limiting (docs/rate-limiting.md) ─────────────────────
  { key: 'trusted_proxies', group: 'access', kind: { type: 'cidr-list' }, default: [], description: 'Proxies (CIDRs) whose Forwarded / X-Forwarded-For is believed for the client address in logs and limits (empty = never; a Unix-socket peer counts as loopback).' },
  { key: 'rate_limits', group: 'access', kind: { type: 'rate-limits' }, default: [], description: 'Token-bucket limits per path glob, first match wins: 429 with Retry-After beyond, RateLimit-Policy / RateLimit fields on every limited response.' },
  { key: 'rate_limit_store', group: 'access', kind: { type: 'store-url' }, default: 'memory', secret: true, description: 'Where the buckets live: "memory" (this server; a cluster divides each budget among its workers) or redis://host:port[/db], shared by every server using it.' },
  { key: 'rate_limit_fail', group: 'access', kind: { type: 'enum', values: ['open', 'closed'] }, default: 'open', description: 'When Redis is unreachable: "open" lets requests through (one warning per outage), "closed" answers 503.' },
  { key: 'rate_limit_timeout', group: 'access', kind: { type: 'seconds', min: 0.01, max: 60 }, default: 0.5, description: 'Seconds a request waits for Redis before it counts as unreachable.' },
  { key: 'rate_limit_max_keys', group: 'access', kind: COUNT(1, 100_000_000), default: 100000, description: 'Most clients tracked per rule in memory; the least recently seen is forgotten beyond.' },
  { key: 'max_connections_per_ip', group: 'access', kind: COUNT(0, 1_000_000), default: 0, description: 'Open connections allowed per client address (the TCP peer) at once; beyond it 503 (0 = no limit).' },
  // ── reverse proxy and site rules (docs/proxy.md, docs/site-rules.md) ──────────────────────────
  { key: 'proxy', group: 'proxy', kind: { type: 'records', describe: PROXY_DESCRIPTION, schema: PROXY_SCHEMA, parse: parseProxyRoutes, parseText: parseProxyText, resolvePaths: resolveRoutePaths }, default: [], description: 'Reverse-proxy routes: requests under a path prefix go to backend servers (balanced, health-checked); the flag form is PATH=URL[,URL…] and may be repeated.' },
  { key: 'redirects', group: 'proxy', kind: { type: 'records', describe: REDIRECTS_DESCRIPTION, schema: REDIRECTS_SCHEMA, parse: parseRedirects }, default: [], description: 'Redirects, first match wins: "/old/*" captures :splat, "/blog/:slug" a segment; the query goes along (status 301 unless given).' },
  { key: 'rewrites', group: 'proxy', kind: { type: 'records', describe: REWRITES_DESCRIPTION, schema: REWRITES_SCHEMA, parse: parseRewrites }, default: [], description: 'Internal rewrites, first match wins, same patterns as redirects: the proxy, app and files see the new path.' },
  { key: 'headers', group: 'proxy', kind: { type: 'records', describe: HEADERS_DESCRIPTION, schema: HEADERS_SCHEMA, parse: parsePathHeaders }, default: [], description: 'Extra response headers per path glob (every matching rule applies, later ones win).' },
  { key: 'clean_urls', group: 'proxy', kind: BOOL, default: false, description: 'Serve /about from about.html when /about itself is not a file, and redirect /about.html to /about (301).' },
  { key: 'fallback', group: 'proxy', kind: TEXT_OR_NULL, default: null, flags: ['spa'], description: 'File (relative to the document root) served with 200 for GET/HEAD navigations that match no file: the single-page-app fallback ("index.html").' },
] as const satisfies readonly KeySpec[];

export type KeyName = (typeof KEYS)[number]['key'];

const BY_NAME = new Map<string, KeySpec>();
for (const spec of KEYS as readonly KeySpec[]) {
  BY_NAME.set(spec.key, spec);
  for (const alias of spec.aliases ?? []) BY_NAME.set(alias, spec);
}

/** The spec for a key or one of its legacy names. */
export function findKey(name: string): KeySpec | undefined {
  return BY_NAME.get(name);
}

/** Every name a config file may use (canonical and legacy). */
export function allKeyNames(): string[] {
  return [...BY_NAME.keys()];
}

export const kebab = (name: string): string => name.replaceAll('_', '-');

export function envNames(spec: KeySpec): string[] {
  return [spec.key, ...(spec.aliases ?? [])].map((n) => `HTTPCRAFT_${n.toUpperCase()}`);
}

/** Long flags (without --) in display order: canonical, extra, then legacy. */
export function flagNames(spec: KeySpec): string[] {
  return [kebab(spec.key), ...(spec.flags ?? []), ...(spec.aliases ?? []).map(kebab), ...(spec.legacyFlags ?? [])];
}
