// Banner contents: every URL for the bound addresses, https when TLS is on, the config file, the
// write features, who may see status, and the features that are on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { bannerText, enabledFeatures, reachableUrls, statusLine, writeLines, type Interfaces } from '../../src/banner.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { siteOptions } from '../../src/config/to-options.ts';
import { createLogger } from '../../src/log/logger.ts';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: null });
const v6 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal, cidr: null, scopeid: 0 });
const IFACES: Interfaces = {
  lo: [v4('127.0.0.1', true), v6('::1', true)],
  eth0: [v4('192.168.1.20'), v6('fe80::1'), v6('2001:db8::20')],
  wlan0: [v4('10.0.0.7')],
};

test('bound to 0.0.0.0: localhost, 127.0.0.1 and each LAN IPv4 address', () => {
  assert.deepEqual(reachableUrls('0.0.0.0', 8000, false, IFACES), {
    local: ['http://localhost:8000/', 'http://127.0.0.1:8000/'],
    network: ['http://192.168.1.20:8000/', 'http://10.0.0.7:8000/'],
  });
});

test('bound to ::: IPv6 addresses too (bracketed), not link-local ones', () => {
  assert.deepEqual(reachableUrls('::', 443, true, IFACES), {
    local: ['https://localhost:443/', 'https://127.0.0.1:443/', 'https://[::1]:443/'],
    network: ['https://192.168.1.20:443/', 'https://[2001:db8::20]:443/', 'https://10.0.0.7:443/'],
  });
});

test('bound to one address: that address only', () => {
  assert.deepEqual(reachableUrls('127.0.0.1', 8080, false, IFACES), { local: ['http://localhost:8080/', 'http://127.0.0.1:8080/'], network: [] });
  assert.deepEqual(reachableUrls('192.168.1.20', 8080, false, IFACES), { local: [], network: ['http://192.168.1.20:8080/'] });
  assert.deepEqual(reachableUrls('::1', 8080, false, IFACES), { local: ['http://[::1]:8080/'], network: [] });
});

test('features: only those that are on, and the worker count', () => {
  const c = defaultConfig();
  // Uploads and the status pages have lines of their own (Writes, Status).
  assert.deepEqual(enabledFeatures(c), ['cache (100 files)', 'compression', 'workers: 1']);
  Object.assign(c, { enable_ssl: true, directory_listing: true, enable_cache: false, enable_file_uploads: true, enable_cors: true, enable_server_status: false, enable_compression: false, workers: 'auto' });
  assert.deepEqual(enabledFeatures(c), ['HTTPS with HTTP/2', 'directory listing', 'CORS', 'workers: auto']);
  assert.deepEqual(enabledFeatures(c, 4).at(-1), 'workers: 4', 'the resolved count when the caller knows it');
  assert.deepEqual(enabledFeatures(Object.assign(defaultConfig(), { cache_max_size: 1 }))[0], 'cache (1 file)', 'one file, not "1 files"');
});

test('banner for a Unix socket or an inherited fd: where it listens instead of URLs', () => {
  const text = bannerText({ name: 'httpcraft', version: '1.2.3', documentRoot: '/srv/www', host: '0.0.0.0', port: 0, secure: false, features: ['workers: 2'], logFile: null, listening: 'unix:/run/httpcraft.sock', interfaces: IFACES });
  assert.equal(text, '\n  httpcraft 1.2.3\n\n  Serving   /srv/www\n  Listening unix:/run/httpcraft.sock\n  Features  workers: 2\n\n  Press Ctrl+C to stop.\n\n');
});

test('banner text', () => {
  const text = bannerText({ name: 'httpcraft', version: '1.2.3', documentRoot: '/srv/www', host: '0.0.0.0', port: 8000, secure: false, features: ['CORS', 'workers: 1'], logFile: '/var/log/h.log', interfaces: IFACES });
  assert.equal(
    text,
    '\n  httpcraft 1.2.3\n\n' +
      '  Serving   /srv/www\n' +
      '  Local     http://localhost:8000/\n' +
      '            http://127.0.0.1:8000/\n' +
      '  Network   http://192.168.1.20:8000/\n' +
      '            http://10.0.0.7:8000/\n' +
      '  Features  CORS, workers: 1\n' +
      '  Log file  /var/log/h.log\n' +
      '\n  Press Ctrl+C to stop.\n\n',
  );
});

test('bound to 127.0.0.1 and ::1 (localhost): the three loopback URLs; bound where :: fell back: IPv4 only', () => {
  assert.deepEqual(reachableUrls(['127.0.0.1', '::1'], 8000, false, IFACES), { local: ['http://localhost:8000/', 'http://127.0.0.1:8000/', 'http://[::1]:8000/'], network: [] });
  assert.deepEqual(reachableUrls(['0.0.0.0'], 8000, false, IFACES), reachableUrls('0.0.0.0', 8000, false, IFACES));
});

test('status line: paths and who may see them', () => {
  const c = defaultConfig();
  assert.equal(statusLine(c), '/server-status, /metrics: loopback clients only');
  Object.assign(c, { status_allow: ['10.0.0.0/8', '::1'], status_token: 'x' });
  assert.equal(statusLine(c), '/server-status, /metrics: clients in 10.0.0.0/8, ::1, or with the status token');
  assert.equal(statusLine({ ...c, enable_server_status: false }), 'off');
});

test('write lines: none when uploads are off; else what the uploads module accepts, DELETE and MKCOL included', () => {
  const c = defaultConfig();
  c.document_root = '/srv/www';
  const logger = createLogger({ level: 'ERROR', format: 'common', console: null, file: null });
  assert.deepEqual(writeLines(siteOptions(c, logger)), []);
  Object.assign(c, { enable_file_uploads: true, enable_delete: true, enable_mkdir: true });
  const lines = writeLines(siteOptions(c, logger));
  assert.match(lines[0]!, /POST \/submit → \/srv\/www\/uploads/);
  for (const word of ['PUT', 'DELETE', 'MKCOL']) assert.ok(lines.some((l) => l.includes(word)), word);
  const text = bannerText({ name: 'h', version: '1', documentRoot: '/srv/www', host: '127.0.0.1', port: 1, secure: false, features: [], logFile: null, writes: [], config: 'none', status: 'off', interfaces: IFACES });
  assert.match(text, /\n {2}Config {4}none\n {2}Writes {4}none \(read-only\)\n {2}Status {4}off\n/);
});

test('features: live reload when it is on', () => {
  const c = defaultConfig();
  c.live_reload = true;
  assert.ok(enabledFeatures(c).includes('live reload'));
});
