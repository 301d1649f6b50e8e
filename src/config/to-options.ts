// The one place a Config becomes the options of the engine and the site. Feature code takes small
// typed option objects and never reads config itself; this file is where they meet.

import cluster from 'node:cluster';
import type { TlsOptions } from 'node:tls';
import type { ServerOptions } from '../server/http-server.ts';
import type { Handler } from '../server/connection.ts';
import type { SiteOptions } from '../app/site.ts';
import type { Logger } from '../log/logger.ts';
import { accessLogFile } from '../log/log-paths.ts';
import type { Config } from './schema.ts';
import type { StatusRecorder } from '../status/metrics.ts';
import type { UploadStats } from '../uploads/upload-handlers.ts';
import { resolveWorkerCount } from '../cluster/run-workers.ts';

const MS = 1000;

/** The Server header: "name/version", the name alone when it already carries a version, '' for none. */
export function serverHeader(config: Config): string {
  if (config.server_name === '') return '';
  if (config.server_name.includes('/') || config.server_version === '') return config.server_name;
  return `${config.server_name}/${config.server_version}`;
}

/** Engine options; `tls` comes from the HTTPS feature (prepareHttps), which validates the files. */
export function serverOptions(config: Config, handler: Handler, tls?: TlsOptions): ServerOptions {
  return {
    handler,
    serverName: serverHeader(config),
    limits: {
      maxRequestLineBytes: config.max_request_line,
      maxHeaderBytes: config.max_header_size,
      maxHeaderCount: config.max_header_count,
      // With uploads on, the write endpoints hold bodies to max_upload_size themselves and answer in
      // the client's format naming the key; an engine limit would cut in first with a bare 413.
      // Nothing else reads a body (an unread one is drained a little, then the connection closes).
      maxBodyBytes: config.enable_file_uploads ? Number.MAX_SAFE_INTEGER : config.max_body_size,
    },
    timeouts: {
      headersTimeoutMs: config.headers_timeout * MS,
      requestTimeoutMs: config.request_timeout * MS,
      keepAliveTimeoutMs: config.keep_alive_timeout * MS,
    },
    maxConnections: config.max_connections,
    maxConnectionsPerIp: config.max_connections_per_ip,
    backlog: config.connection_queue,
    http2: config.http2,
    http2Cleartext: config.http2_cleartext,
    http2Limits: { maxConcurrentStreams: config.http2_max_concurrent_streams },
    ...(tls === undefined ? {} : { tls }),
  };
}

/** Live counters the site reports into (the status page reads them). */
export interface SiteCounters {
  recorder?: StatusRecorder;
  uploads?: UploadStats;
}

/** `configFile`: the config file that was loaded (loadConfig's configFile), never served. */
export function siteOptions(config: Config, logger: Logger, counters: SiteCounters = {}, configFile: string | null = null): SiteOptions {
  const { recorder } = counters;
  // What one process holds of a per-client budget kept in memory: all of it alone, 1/N as one of N
  // cluster workers (rate limits, failed sign-ins), so a client spread over the workers never gets more.
  const share = cluster.isWorker ? 1 / resolveWorkerCount(config.workers) : 1;
  return {
    documentRoot: config.document_root,
    showHiddenFiles: config.show_hidden_files,
    followSymlinks: config.follow_symlinks,
    // Every file the server writes or reads for itself; another log file is one more logFiles entry.
    neverServe: { folders: [config.state_dir], files: [configFile], logFiles: [config.log_file, accessLogFile(config.access_log)] },
    logger,
    indexFile: config.index_file,
    directoryListing: config.directory_listing,
    liveReload: config.live_reload,
    enableCache: config.enable_cache,
    cacheMaxSize: config.cache_max_size,
    cacheMaxAge: config.cache_max_age,
    cacheMaxBytes: config.cache_max_bytes,
    cacheFileMaxBytes: config.cache_file_max_bytes,
    enableBrowserCaching: config.enable_browser_caching,
    browserCacheTime: config.browser_cache_time,
    cacheControl: config.cache_control,
    enableCompression: config.enable_compression,
    compressionMinSize: config.compression_min_size,
    enableSecurityHeaders: config.enable_security_headers,
    securityHeaders: config.security_headers,
    enableCors: config.enable_cors,
    corsAllowOrigin: config.cors_allow_origin,
    corsAllowMethods: config.cors_allow_methods,
    corsAllowHeaders: config.cors_allow_headers,
    corsExposeHeaders: config.cors_expose_headers,
    corsAllowCredentials: config.cors_allow_credentials,
    corsMaxAge: config.cors_max_age,
    hstsMaxAge: config.enable_ssl ? config.hsts_max_age : 0,
    access: {
      users: config.users,
      authFile: config.auth_file,
      tokens: config.tokens,
      rules: config.access,
      realm: config.auth_realm ?? (config.server_name === '' ? 'httpcraft' : config.server_name),
      // Each of N workers allows 1/N of the failures (at least one): their sum never exceeds the limit.
      maxFailures: Math.max(1, Math.floor(config.auth_max_failures * share)),
      failureWindow: config.auth_failure_window,
      cacheTtl: config.auth_cache_ttl,
    },
    trustedProxies: config.trusted_proxies,
    proxy: config.proxy,
    siteRules: { redirects: config.redirects, rewrites: config.rewrites, headers: config.headers, fallback: config.fallback, cleanUrls: config.clean_urls },
    rateLimit: {
      rules: config.rate_limits,
      store: config.rate_limit_store,
      fail: config.rate_limit_fail,
      timeoutMs: config.rate_limit_timeout * MS,
      maxKeys: config.rate_limit_max_keys,
      // In memory, each of N workers holds 1/N of every budget: their sum never exceeds it.
      share,
    },
    uploads: {
      enabled: config.enable_file_uploads,
      uploadDir: config.upload_dir,
      overwrite: config.upload_overwrite,
      uploadPath: config.upload_path,
      inListing: config.upload_in_listing,
      enableMkdir: config.enable_mkdir,
      enableDelete: config.enable_delete,
      followSymlinks: config.follow_symlinks,
      limits: {
        maxFormParts: config.max_form_parts,
        maxFieldSize: config.max_field_size,
        maxUploadFiles: config.max_upload_files,
        maxUploadSize: config.max_upload_size,
      },
      ...(counters.uploads === undefined ? {} : { stats: counters.uploads }),
    },
    // Health probes stay on even with the dashboard off: load balancers need them.
    ...(recorder === undefined
      ? {}
      : {
          status: {
            recorder,
            statusPath: config.enable_server_status ? config.server_status_path : null,
            metricsPath: config.enable_server_status ? config.metrics_path : null,
            allow: config.status_allow,
            token: config.status_token,
            healthPublic: config.health_public,
          },
        }),
  };
}
