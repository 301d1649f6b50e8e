// Config → engine and site options, in the one place they meet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverHeader, serverOptions, siteOptions } from '../../src/config/to-options.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log/logger.ts';

const handler = (): void => undefined;

test('limits, timeouts (seconds → ms), connection cap and backlog reach the server', () => {
  const c = Object.assign(defaultConfig(), { max_request_line: 1000, max_header_size: 2000, max_header_count: 30, max_body_size: 4000, headers_timeout: 1.5, request_timeout: 7, keep_alive_timeout: 2, max_connections: 50, connection_queue: 64 });
  const o = serverOptions(c, handler);
  assert.deepEqual(o.limits, { maxRequestLineBytes: 1000, maxHeaderBytes: 2000, maxHeaderCount: 30, maxBodyBytes: 4000 });
  assert.deepEqual(o.timeouts, { headersTimeoutMs: 1500, requestTimeoutMs: 7000, keepAliveTimeoutMs: 2000 });
  assert.equal(o.maxConnections, 50);
  assert.equal(o.backlog, 64);
  assert.equal(o.tls, undefined);
  // With uploads on, the upload handlers hold bodies to max_upload_size and answer 413 in the
  // client's format: the parser must not cut in first with its bare 413 (issue 21).
  assert.equal(serverOptions(Object.assign(c, { enable_file_uploads: true, max_upload_size: 9000 }), handler).limits?.maxBodyBytes, Number.MAX_SAFE_INTEGER);
});

test('the Server header: name/version, a name that has its version, or none', () => {
  assert.equal(serverHeader(Object.assign(defaultConfig(), { server_version: '1.0.0' })), 'httpcraft/1.0.0');
  assert.equal(serverHeader(Object.assign(defaultConfig(), { server_name: 'Python Socket Server/1.0' })), 'Python Socket Server/1.0');
  assert.equal(serverHeader(Object.assign(defaultConfig(), { server_name: '' })), '');
});

test('site options follow the config; HSTS only with TLS on', () => {
  const logger = createLogger({ console: null });
  const c = Object.assign(defaultConfig(), { document_root: '/srv/www', show_hidden_files: true, follow_symlinks: true, hsts_max_age: 600 });
  const site = siteOptions(c, logger);
  assert.equal(site.documentRoot, '/srv/www');
  assert.equal(site.showHiddenFiles, true);
  assert.equal(site.followSymlinks, true);
  assert.equal(site.hstsMaxAge, 0);
  assert.equal(site.uploads?.enabled, false);
  assert.equal(siteOptions(Object.assign(c, { enable_ssl: true }), logger).hstsMaxAge, 600);
});

test('static-file keys reach the site options (snake_case key → camelCase option)', () => {
  const logger = createLogger({ console: null });
  const c = Object.assign(defaultConfig(), {
    directory_listing: true, index_file: 'home.html', cache_max_bytes: 1234, cache_control: [{ pattern: '*.html', value: 'no-cache' }],
    enable_compression: false, security_headers: { 'X-A': 'b' }, enable_cors: true, cors_allow_origin: ['https://a.example'], cors_max_age: 5,
  });
  const o = siteOptions(c, logger);
  assert.equal(o.directoryListing, true);
  assert.equal(o.indexFile, 'home.html');
  assert.equal(o.cacheMaxBytes, 1234);
  assert.deepEqual(o.cacheControl, [{ pattern: '*.html', value: 'no-cache' }]);
  assert.equal(o.enableCompression, false);
  assert.deepEqual(o.securityHeaders, { 'X-A': 'b' });
  assert.equal(o.enableCors, true);
  assert.deepEqual(o.corsAllowOrigin, ['https://a.example']);
  assert.equal(o.corsMaxAge, 5);
  assert.equal(o.enableCache, true);
  assert.equal(o.cacheMaxSize, 100);
});
