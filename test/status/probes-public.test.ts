// Who may read what, as configured: the dashboard and /metrics are loopback-only by default (and
// the help says so), the health probes answer every client (a kubelet or balancer is never on
// loopback), and a client on a Unix socket counts as local.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAccessGuard } from '../../src/status/access.ts';
import { helpText } from '../../src/config/help.ts';
import { defaultConfig, type Config } from '../../src/config/schema.ts';
import { siteOptions } from '../../src/config/to-options.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';
import { createLogger } from '../../src/log/logger.ts';
import { StatusRecorder } from '../../src/status/metrics.ts';
import { parseResponses, rawGet, startStatusServer, type ParsedResponse } from '../support/status-helpers.ts';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const PROTECTED = ['/server-status', '/server-status?format=json', '/metrics'];
const PROBES = ['/healthz', '/readyz'];

test('--help and the README say an empty status_allow means loopback only, not everyone', () => {
  const help = helpText("0.0.0");
  const line = help.split('\n').find((l) => l.includes('--status-allow'));
  assert.ok(line !== undefined);
  assert.match(line, /empty = loopback only/);
  assert.doesNotMatch(help, /everyone\)/);
  const row = readFileSync(README, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('| `status_allow`'));
  assert.ok(row !== undefined, 'README has a status_allow row');
  assert.match(row, /empty = loopback only/);
  assert.doesNotMatch(row, /everyone/);
});

test('an empty status_allow (the default) refuses a client that is not on loopback', () => {
  const guard = createAccessGuard({ allow: defaultConfig().status_allow });
  for (const a of ['203.0.113.9', '10.0.0.1', '::ffff:192.168.1.2', '2001:db8::1']) assert.equal(guard({ remoteAddress: a, query: '', header: () => undefined }), false, a);
  assert.equal(guard({ remoteAddress: '127.0.0.1', query: '', header: () => undefined }), true);
});

interface ConfiguredSite {
  server: HttpServer;
  port: number;
  close(): Promise<void>;
}

/** The site as the CLI builds it from a config, with every client's address replaced by `peer`
 * (the only way to be a non-loopback client on a test machine). */
async function configuredSite(overrides: Partial<Config>, peer: string | null): Promise<ConfiguredSite> {
  const root = await mkdtemp(join(tmpdir(), 'httpcraft-probes-'));
  await writeFile(join(root, 'index.html'), 'home\n');
  const config = Object.assign(defaultConfig(), { document_root: root }, overrides);
  const recorder = new StatusRecorder({ name: 'httpcraft-test', version: '0.0.0' });
  const site = createSiteHandler(siteOptions(config, createLogger({ console: null }), { recorder }));
  const server = createServer({
    handler: (req, res) => {
      if (peer !== null) Object.defineProperty(req, 'remoteAddress', { value: peer });
      return site(req, res);
    },
  });
  recorder.attach(server);
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    server,
    port: typeof address === 'string' ? 0 : address.port,
    close: async () => {
      recorder.close();
      await server.close(200);
      await rm(root, { recursive: true, force: true });
    },
  };
}

test('a client outside loopback (default config) gets the probes, and a plain 404 for the dashboard and metrics', async () => {
  const site = await configuredSite({}, '203.0.113.9');
  try {
    const missing = await rawGet(site.port, '/no-such-file');
    for (const p of PROTECTED) {
      const r = await rawGet(site.port, p);
      assert.equal(r.status, 404, p);
      assert.deepEqual(r.body, missing.body, p);
    }
    const live = await rawGet(site.port, '/healthz');
    assert.equal(live.status, 200);
    assert.equal(live.body.toString(), 'ok\n');
    assert.equal(live.headers.get('cache-control'), 'no-store');
    const ready = await rawGet(site.port, '/readyz', { headers: 'Accept: application/json\r\n' });
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body.toString()), { status: 'ready' });
    assert.equal((await rawGet(site.port, '/healthz', { method: 'HEAD' })).status, 200);
    assert.equal((await rawGet(site.port, '/healthz', { method: 'POST' })).status, 405);
  } finally {
    await site.close();
  }
});

test('health_public false puts the probes behind status_allow / status_token as well', async () => {
  const site = await configuredSite({ health_public: false, status_token: 'tok-9' }, '203.0.113.9');
  try {
    for (const p of PROBES) {
      assert.equal((await rawGet(site.port, p)).status, 404, p);
      assert.equal((await rawGet(site.port, p, { headers: 'Authorization: Bearer tok-9\r\n' })).status, 200, p);
    }
  } finally {
    await site.close();
  }
  const local = await configuredSite({ health_public: false }, null);
  try {
    for (const p of [...PROBES, ...PROTECTED]) assert.equal((await rawGet(local.port, p)).status, 200, p);
  } finally {
    await local.close();
  }
});

test('the probes answer a client that status_allow leaves out; the dashboard stays hidden from it', async () => {
  const f = await startStatusServer({ allow: ['127.0.0.2/32'] });
  try {
    for (const p of PROBES) assert.equal((await rawGet(f.port, p)).status, 200, p);
    for (const p of PROTECTED) assert.equal((await rawGet(f.port, p)).status, 404, p);
  } finally {
    await f.close();
  }
});

/** One request over a Unix socket; reads until the server closes. */
function unixGet(path: string, target: string): Promise<ParsedResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ path }, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks))[0]!));
    socket.setTimeout(10_000, () => socket.destroy(new Error('unix request timed out')));
  });
}

test('over a Unix socket: the probes answer, and the client counts as loopback for the dashboard', async () => {
  for (const [allow, dashboard] of [
    [[], 200],
    [['::1'], 200],
    [['10.0.0.0/8'], 404],
  ] as const) {
    const root = await mkdtemp(join(tmpdir(), 'httpcraft-unix-'));
    const sock = join(root, 'http.sock');
    const recorder = new StatusRecorder({ name: 'httpcraft-test', version: '0.0.0' });
    const site = createSiteHandler(siteOptions(Object.assign(defaultConfig(), { document_root: root, status_allow: [...allow] }), createLogger({ console: null }), { recorder }));
    const server = createServer({ handler: site });
    recorder.attach(server);
    await server.listen({ path: sock });
    try {
      for (const p of PROBES) assert.equal((await unixGet(sock, p)).status, 200, `${p} with ${JSON.stringify(allow)}`);
      for (const p of PROTECTED) assert.equal((await unixGet(sock, p)).status, dashboard, `${p} with ${JSON.stringify(allow)}`);
    } finally {
      recorder.close();
      await server.close(200);
      await rm(root, { recursive: true, force: true });
    }
  }
});
