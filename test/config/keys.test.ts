// The key table against the configuration contract every area builds on, and the seed's promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, envNames, findKey, flagNames, type KeySpec } from '../../src/config/keys.ts';
import { allFlagNames } from '../../src/config/argv.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { VERSION } from '../../src/version.ts';

const keys = KEYS as readonly KeySpec[];

// The contract in the common brief: name → default (server_version is the package version).
// host was 0.0.0.0 until issue 21: "::" listens on IPv6 and IPv4, as localhost in the banner needs.
const CONTRACT: Record<string, unknown> = {
  host: '::', port: 8000, open_browser: false, document_root: 'htdocs', server_name: 'httpcraft', server_version: VERSION,
  log_level: 'INFO', log_file: null, colored_logging: true, connection_queue: 511, request_timeout: 30,
  directory_listing: false, show_hidden_files: false, enable_cache: true, cache_max_size: 100, cache_max_age: 3600,
  enable_browser_caching: true, browser_cache_time: 0, enable_security_headers: true, enable_cors: false,
  cors_allow_origin: '*', enable_file_uploads: false, max_upload_size: 10485760, enable_server_status: true,
  enable_ssl: false, ssl_cert: null, ssl_key: null, ssl_password: null,
  headers_timeout: 20, keep_alive_timeout: 5, max_connections: 10000, max_header_size: 16384, max_header_count: 100,
  max_request_line: 8192, max_body_size: 10485760, shutdown_timeout: 10, workers: 1, unix_socket: null, listen_fd: null, app: null,
  follow_symlinks: false, index_file: 'index.html', cache_max_bytes: 67108864, cache_file_max_bytes: 16777216,
  cache_control: [], enable_compression: true, compression_min_size: 1024, security_headers: {},
  cors_allow_methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'], cors_allow_headers: [], cors_expose_headers: [],
  cors_allow_credentials: false, cors_max_age: 600,
  access_log_format: 'common', log_max_size: 10485760, log_rotate: 'none', log_keep: 5, log_compress: false, trace: false, trace_filter: null,
  access_log: 'stdout',
  ssl_pfx: null, min_tls_version: 'TLSv1.2', ssl_ciphers: null, redirect_http_port: null, hsts_max_age: 0, state_dir: '.httpcraft',
  upload_dir: null, upload_overwrite: false, upload_path: '/submit', upload_in_listing: true, enable_mkdir: false,
  enable_delete: false, max_upload_files: 20, max_field_size: 1048576, max_form_parts: 1000,
  server_status_path: '/server-status', metrics_path: '/metrics', status_allow: [], status_token: null,
  health_public: true,
  live_reload: false, // issue 14
  // issue 15: rate limiting and the client address
  trusted_proxies: [], rate_limits: [], rate_limit_store: 'memory', rate_limit_fail: 'open', rate_limit_timeout: 0.5,
  rate_limit_max_keys: 100000, max_connections_per_ip: 0,
  // issue 15: access control
  users: [], auth_file: null, tokens: [], access: [], auth_realm: null, auth_max_failures: 10, auth_failure_window: 300,
  auth_cache_ttl: 300,
  // issue 13: HTTP/2
  http2: true, http2_cleartext: false, http2_max_concurrent_streams: 100,
  // issue 17: reverse proxy and site rules
  proxy: [], redirects: [], rewrites: [], headers: [], clean_urls: false, fallback: null,
};

test('the table holds exactly the contract keys with the contract defaults', () => {
  assert.deepEqual(keys.map((k) => k.key).sort(), Object.keys(CONTRACT).sort());
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(CONTRACT)) assert.deepEqual(defaults[key], value, key);
});

test('max_threads is the legacy name of workers, enable_directory_listing of directory_listing', () => {
  assert.equal(findKey('max_threads')?.key, 'workers');
  assert.equal(findKey('enable_directory_listing')?.key, 'directory_listing');
});

test('every seed flag exists', () => {
  const flags = new Set(allFlagNames());
  for (const f of ['host', 'port', 'document-root', 'directory', 'config', 'log-level', 'log-file', 'no-color', 'directory-listing', 'enable-directory-listing', 'enable-cache', 'max-threads', 'workers', 'ssl', 'ssl-cert', 'ssl-key', 'request-timeout', 'connection-queue', 'help', 'version', 'print-config']) {
    assert.ok(flags.has(f), `--${f}`);
  }
  assert.deepEqual(keys.filter((k) => k.short !== undefined).map((k) => [k.short, k.key]), [['H', 'host'], ['p', 'port'], ['d', 'document_root']]);
});

test('no flag, env var or key name is claimed twice; descriptions are one line', () => {
  const flags = new Map<string, string>();
  const envs = new Map<string, string>();
  for (const spec of keys) {
    for (const f of flagNames(spec)) {
      assert.equal(flags.get(f), undefined, `--${f} claimed by ${flags.get(f)} and ${spec.key}`);
      flags.set(f, spec.key);
    }
    for (const e of envNames(spec)) {
      assert.equal(envs.get(e), undefined, e);
      envs.set(e, spec.key);
    }
    assert.match(spec.description, /^[A-Z"(].*\.$/, spec.key);
    assert.ok(!spec.description.includes('\n'), spec.key);
    assert.match(spec.key, /^[a-z][a-z0-9_]*$/);
  }
  assert.equal(envs.get('HTTPCRAFT_PORT'), 'port');
  assert.equal(envs.get('HTTPCRAFT_MAX_THREADS'), 'workers');
});
