import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, knownSequence, parseResponses, rawGet, startStatusServer } from '../support/status-helpers.ts';
import type { StatusSnapshot } from '../../src/status/snapshot.ts';

test('JSON snapshot has exact counts after a known sequence of requests', async () => {
  const f = await startStatusServer();
  try {
    const { clientWrote, serverWrote } = await knownSequence(f);
    const request = 'GET /server-status?format=json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
    const e = await exchange(f.port, request);
    const [res] = parseResponses(e.raw);
    assert.equal(res!.status, 200);
    assert.equal(res!.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(res!.headers.get('cache-control'), 'no-store');
    const s = JSON.parse(res!.body.toString()) as StatusSnapshot;

    assert.equal(s.schema, 1);
    assert.equal(s.server.name, 'httpcraft-test');
    assert.equal(s.server.version, '9.8.7');
    assert.equal(s.server.workers, 1);
    // The snapshot is taken while its own request is being answered: it counts the six before it.
    assert.equal(s.requests.total, 6);
    assert.deepEqual(s.requests.byMethod, { GET: 2, HEAD: 1, POST: 1, PUT: 0, DELETE: 0, OPTIONS: 1, PATCH: 0, other: 1 });
    assert.deepEqual(s.requests.byClass, { '1xx': 0, '2xx': 3, '3xx': 0, '4xx': 1, '5xx': 2 });
    assert.deepEqual(s.requests.byCode, { '200': 2, '204': 1, '404': 1, '501': 2 });
    assert.deepEqual(s.requests.byMethodClass.GET, { '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 0 });
    assert.deepEqual(s.requests.byMethodClass.other, { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 1 });
    // Two requests rode on the first connection after its first one.
    assert.equal(s.requests.keepAliveReused, 2);
    assert.deepEqual(s.requests.byProtocol, { 'HTTP/1.0': 0, 'HTTP/1.1': 6, 'HTTP/2.0': 0 });
    assert.deepEqual(s.connections, { active: 1, total: 5, refused: 0, http2: { active: 0, total: 0, streams: 0 } });
    // Bytes at the socket: everything both sides wrote on the closed connections, plus the request
    // being answered (its response is not written yet).
    assert.deepEqual(s.bytes, { received: clientWrote + e.written, sent: serverWrote });
    assert.equal(s.latency.count, 6);
    assert.equal(s.latency.windowSeconds, 60);
    assert.equal(
      s.latency.buckets.reduce((n, [, c]) => n + c, 0),
      6,
    );
    assert.ok(s.latency.p50Ms > 0 && s.latency.p50Ms <= s.latency.p90Ms && s.latency.p90Ms <= s.latency.p99Ms && s.latency.p99Ms <= s.latency.maxMs);
    assert.equal(s.duration.byMethod.GET!.count, 2);
    assert.equal(s.duration.byMethod.GET!.counts.reduce((a, b) => a + b, 0), 2);
    assert.equal(s.duration.byMethod.PUT, undefined);
    assert.deepEqual(
      s.topPaths.map((p) => [p.path, p.count, p.error]),
      [
        ['/', 4, 0],
        ['/missing', 1, 0],
        ['/one-kib.bin', 1, 0],
      ],
    );
    assert.equal(s.rate.intervalSeconds, 1);
    assert.equal(s.rate.requests.length, 299);
    const inSeries = s.rate.requests.reduce((a, b) => a + b, 0);
    assert.ok(inSeries <= 6 && s.rate.requests.every((n) => Number.isInteger(n) && n >= 0));
    assert.equal(s.cache, null);
    assert.deepEqual(s.uploads, { files: 0, bytes: 0, rejected: 0 });
    assert.ok(s.memory.rss > 0 && s.memory.heapUsed > 0 && s.memory.heapTotal >= s.memory.heapUsed);
    assert.ok(s.eventLoop.p99Ms >= 0 && s.eventLoop.maxMs >= s.eventLoop.p50Ms);
    assert.equal(s.workers.length, 1);
    assert.equal(s.workers[0]!.pid, process.pid);
    assert.equal(s.workers[0]!.requests, 6);

    // The next snapshot counts the previous one (a 200 for GET /server-status).
    const again = JSON.parse((await rawGet(f.port, '/server-status', { headers: 'Accept: application/json\r\n' })).body.toString()) as StatusSnapshot;
    assert.equal(again.requests.total, 7);
    assert.equal(again.requests.byCode['200'], 3);
    assert.ok(again.topPaths.some((p) => p.path === '/server-status' && p.count === 1));
  } finally {
    await f.close();
  }
});

test('the cache and upload hooks appear in the snapshot', async () => {
  const f = await startStatusServer();
  try {
    f.recorder.cache = { entries: 3, bytes: 4096, hits: 30, misses: 10, evictions: 2, maxEntries: 100 };
    const uploads = f.recorder.uploads as import('../../src/status/sources.ts').UploadCounter;
    uploads.recordFile(1000);
    uploads.recordFile(24);
    uploads.recordRejected();
    const s = JSON.parse((await rawGet(f.port, '/server-status?format=json')).body.toString()) as StatusSnapshot;
    assert.deepEqual(s.cache, { entries: 3, bytes: 4096, hits: 30, misses: 10, evictions: 2, hitRate: 0.75, maxEntries: 100, maxBytes: null });
    assert.deepEqual(s.uploads, { files: 2, bytes: 1024, rejected: 1 });
  } finally {
    await f.close();
  }
});

test('content negotiation: Accept picks JSON, ?format wins, HTML by default, HEAD has no body', async () => {
  const f = await startStatusServer();
  try {
    const html = await rawGet(f.port, '/server-status');
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(html.headers.get('vary'), 'Accept');
    assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/);
    assert.equal(html.headers.get('x-frame-options'), 'DENY');
    const page = html.body.toString();
    assert.match(page, /<title>httpcraft-test · server status<\/title>/);
    // Self-contained: no external script, style, font or image.
    assert.doesNotMatch(page, /<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
    assert.doesNotMatch(page, /@import|url\(\s*["']?https?:/i);

    const json = await rawGet(f.port, '/server-status', { headers: 'Accept: text/html;q=0.5, application/json\r\n' });
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    const forcedHtml = await rawGet(f.port, '/server-status?format=html', { headers: 'Accept: application/json\r\n' });
    assert.equal(forcedHtml.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(forcedHtml.headers.get('vary'), undefined);

    const head = await rawGet(f.port, '/server-status?format=json', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(head.body.length, 0);

    assert.equal((await rawGet(f.port, '/server-status?format=xml')).status, 400);
    const post = await rawGet(f.port, '/server-status', { method: 'POST', headers: 'Content-Length: 0\r\n' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
    const options = await rawGet(f.port, '/metrics', { method: 'OPTIONS' });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS');
  } finally {
    await f.close();
  }
});

test('paths set to null are not served (enable_server_status off) and fall through to the files', async () => {
  const f = await startStatusServer({ statusPath: null, metricsPath: '/internal/metrics' });
  try {
    assert.equal((await rawGet(f.port, '/server-status')).status, 404);
    assert.equal((await rawGet(f.port, '/metrics')).status, 404);
    assert.equal((await rawGet(f.port, '/internal/metrics')).status, 200);
  } finally {
    await f.close();
  }
});

test('a path that does not start with "/" is a configuration error', () => {
  return import('../../src/status/status-routes.ts').then(({ statusRoutes }) => {
    assert.throws(() => statusRoutes({ recorder: null as never, metricsPath: 'metrics' }), /metrics_path: "metrics" must start with "\/"/);
  });
});
