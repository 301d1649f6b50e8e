// The resolved configuration every module receives: one typed field per key of the table in keys.ts
// (snake_case, as in config.json). Paths are absolute once loaded. The compile-time check at the
// bottom fails the build when this interface and the table disagree on the set of keys.

import { KEYS, type KeyName, type KeySpec } from './keys.ts';
import type { RateLimitRule } from '../access/rate-limit-rules.ts';
import type { ProxyRouteConfig } from '../proxy/route-config.ts';
import type { PathHeadersRule, RedirectRule, RewriteRule } from '../site-rules/rules-config.ts';
import type { AccessRuleConfig, TokenConfig, UserConfig } from '../access/config-kinds.ts';

export type LogLevelName = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type AccessLogFormat = 'common' | 'combined' | 'json';
export interface CacheControlRule {
  pattern: string;
  value: string;
}

export interface Config {
  // server
  host: string;
  port: number;
  document_root: string;
  server_name: string;
  server_version: string;
  unix_socket: string | null;
  listen_fd: number | null;
  workers: number | 'auto';
  shutdown_timeout: number;
  open_browser: boolean;
  /** --app: the application module (absolute), or null. */
  app: string | null;
  state_dir: string;
  // logging
  log_level: LogLevelName;
  log_file: string | null;
  access_log: string;
  colored_logging: boolean;
  access_log_format: AccessLogFormat;
  log_max_size: number;
  log_rotate: 'none' | 'daily';
  log_keep: number;
  log_compress: boolean;
  trace: boolean;
  trace_filter: string | null;
  // engine (seconds and bytes)
  connection_queue: number;
  request_timeout: number;
  headers_timeout: number;
  keep_alive_timeout: number;
  max_connections: number;
  max_header_size: number;
  max_header_count: number;
  max_request_line: number;
  max_body_size: number;
  http2_cleartext: boolean;
  http2_max_concurrent_streams: number;
  // static
  directory_listing: boolean;
  live_reload: boolean;
  show_hidden_files: boolean;
  follow_symlinks: boolean;
  index_file: string | string[];
  enable_cache: boolean;
  cache_max_size: number;
  cache_max_age: number;
  cache_max_bytes: number;
  cache_file_max_bytes: number;
  enable_browser_caching: boolean;
  browser_cache_time: number;
  cache_control: CacheControlRule[];
  enable_compression: boolean;
  compression_min_size: number;
  // headers
  enable_security_headers: boolean;
  security_headers: Record<string, string>;
  enable_cors: boolean;
  cors_allow_origin: string | string[];
  cors_allow_methods: string[];
  cors_allow_headers: string[];
  cors_expose_headers: string[];
  cors_allow_credentials: boolean;
  cors_max_age: number;
  // tls
  enable_ssl: boolean;
  ssl_cert: string | null;
  ssl_key: string | null;
  ssl_password: string | null;
  ssl_pfx: string | null;
  min_tls_version: 'TLSv1.2' | 'TLSv1.3';
  ssl_ciphers: string | null;
  redirect_http_port: number | null;
  hsts_max_age: number;
  http2: boolean;
  // uploads
  enable_file_uploads: boolean;
  max_upload_size: number;
  upload_dir: string | null;
  upload_overwrite: boolean;
  upload_path: string;
  upload_in_listing: boolean;
  enable_mkdir: boolean;
  enable_delete: boolean;
  max_upload_files: number;
  max_field_size: number;
  max_form_parts: number;
  // status
  enable_server_status: boolean;
  server_status_path: string;
  metrics_path: string;
  status_allow: string[];
  status_token: string | null;
  health_public: boolean;
  // access control
  users: UserConfig[];
  auth_file: string | null;
  tokens: TokenConfig[];
  access: AccessRuleConfig[];
  auth_realm: string | null;
  auth_max_failures: number;
  auth_failure_window: number;
  auth_cache_ttl: number;
  // access control: rate limiting
  trusted_proxies: string[];
  rate_limits: RateLimitRule[];
  rate_limit_store: string;
  rate_limit_fail: 'open' | 'closed';
  rate_limit_timeout: number;
  rate_limit_max_keys: number;
  max_connections_per_ip: number;
  // reverse proxy and site rules
  proxy: ProxyRouteConfig[];
  redirects: RedirectRule[];
  rewrites: RewriteRule[];
  headers: PathHeadersRule[];
  clean_urls: boolean;
  fallback: string | null;
}

/** Where a value came from: 'default', a flag ('--port'), an env var, or 'file.json:$.port'. */
export type SourceMap = Record<keyof Config, string>;

/** A fresh copy of every default (arrays and objects are not shared between configs). */
export function defaultConfig(): Config {
  const out: Record<string, unknown> = {};
  for (const spec of KEYS as readonly KeySpec[]) out[spec.key] = structuredClone(spec.default);
  return out as unknown as Config;
}

// Compile-time agreement between the interface and the table (no runtime cost).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const KEYS_MATCH_CONFIG: Same<KeyName, keyof Config> = true;
void KEYS_MATCH_CONFIG;
