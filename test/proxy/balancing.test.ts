// Load balancing: the strategies alone (distribution, weights, minimal reshuffling of consistent
// hashing), and end to end: 5/5 over two upstreams, failover when one stops, passive back-off,
// active health transitions, per-backend figures on /metrics and the status snapshot.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend } from '../../src/proxy/backend.ts';
import { RoundRobin } from '../../src/proxy/round-robin.ts';
import { LeastConnections } from '../../src/proxy/least-connections.ts';
import { HashBalancer } from '../../src/proxy/hash-balancer.ts';
import type { BalanceSubject } from '../../src/proxy/balancer.ts';
import { parseUpstreamUrl, type UpstreamTarget } from '../../src/proxy/upstream-target.ts';
import { StatusRecorder } from '../../src/status/metrics.ts';
import { renderPrometheus } from '../../src/status/prometheus.ts';
import { httpUpstream, proxySite } from '../support/proxy-helpers.ts';

const POOL = { connectTimeoutMs: 1000, maxIdle: 0, idleTimeoutMs: 1000, maxRequests: 0 };
const backend = (port: number, weight = 1, maxFails = 3, failMs = 10_000): Backend => new Backend(parseUpstreamUrl(`http://127.0.0.1:${port}`) as UpstreamTarget, weight, POOL, maxFails, failMs);
const subject = (over: Partial<BalanceSubject> = {}): BalanceSubject => ({ clientAddress: '192.0.2.1', path: '/', header: () => undefined, ...over });
const NONE = new Set<Backend>();

describe('strategies', () => {
  test('smooth weighted round robin: 5:1:1 over 7 picks, never a long burst', () => {
    const [a, b, c] = [backend(1, 5), backend(2, 1), backend(3, 1)];
    const rr = new RoundRobin();
    const picks = Array.from({ length: 14 }, () => rr.pick([a!, b!, c!], subject(), NONE, 0)!.target.port);
    assert.deepEqual(picks.slice(0, 7), [1, 1, 2, 1, 3, 1, 1]);
    assert.deepEqual(picks.slice(7), picks.slice(0, 7));
  });

  test('round robin skips backends that are down or tried', () => {
    const [a, b] = [backend(1), backend(2, 1, 1)];
    const rr = new RoundRobin();
    b!.failed(1000);
    for (let i = 0; i < 4; i++) assert.equal(rr.pick([a!, b!], subject(), NONE, 1000)!.target.port, 1);
    assert.equal(rr.pick([a!, b!], subject(), new Set([a!]), 1000), null);
    // after the back-off it is tried again
    const later = new Set<number>();
    for (let i = 0; i < 4; i++) later.add(rr.pick([a!, b!], subject(), NONE, 1000 + 10_001)!.target.port);
    assert.deepEqual([...later].sort(), [1, 2]);
  });

  test('least connections takes the least busy per unit of weight', () => {
    const [a, b, c] = [backend(1), backend(2), backend(3, 2)];
    a!.active = 3;
    b!.active = 1;
    c!.active = 3; // 1.5 per weight
    assert.equal(new LeastConnections().pick([a!, b!, c!], subject(), NONE, 0)!.target.port, 2);
    b!.active = 2;
    assert.equal(new LeastConnections().pick([a!, b!, c!], subject(), NONE, 0)!.target.port, 3);
  });

  test('consistent hashing: a key sticks; when a backend leaves only its keys move', () => {
    const all = [backend(1), backend(2), backend(3), backend(4)];
    const h = new HashBalancer({ kind: 'header', name: 'x-user' });
    const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const place = (list: Backend[], tried: Set<Backend> = NONE): Map<string, number> => new Map(keys.map((k) => [k, h.pick(list, subject({ header: (n) => (n === 'x-user' ? k : undefined) }), tried, 0)!.target.port]));
    const before = place(all);
    assert.deepEqual(place(all), before, 'the same key gives the same backend');
    const counts = [1, 2, 3, 4].map((p) => [...before.values()].filter((v) => v === p).length);
    for (const c of counts) assert.ok(c > 350 && c < 650, `spread ${counts.join('/')}`);
    const after = place(all, new Set([all[1]!])); // backend 2 leaves
    for (const k of keys) if (before.get(k) !== 2) assert.equal(after.get(k), before.get(k), `${k} moved though its backend stayed`);
  });

  test('consistent hashing on a cookie and on the client address; no key → round robin', () => {
    const all = [backend(1), backend(2), backend(3)];
    const byCookie = new HashBalancer({ kind: 'cookie', name: 'sid' });
    const s = (cookie: string | undefined): BalanceSubject => subject({ header: (n) => (n === 'cookie' ? cookie : undefined) });
    const first = byCookie.pick(all, s('a=1; sid=abc'), NONE, 0)!.target.port;
    for (let i = 0; i < 5; i++) assert.equal(byCookie.pick(all, s('sid=abc; z=2'), NONE, 0)!.target.port, first);
    const spread = new Set(Array.from({ length: 6 }, () => byCookie.pick(all, s(undefined), NONE, 0)!.target.port));
    assert.equal(spread.size, 3);
    const byIp = new HashBalancer({ kind: 'ip' });
    const ip = byIp.pick(all, subject({ clientAddress: '198.51.100.7' }), NONE, 0)!.target.port;
    assert.equal(byIp.pick(all, subject({ clientAddress: '198.51.100.7' }), NONE, 0)!.target.port, ip);
  });
});

describe('balancing end to end', () => {
  test('round robin: 10 GETs split 5/5; with one upstream stopped every GET still gets 200', async (t) => {
    const [u1, u2] = [await httpUpstream(), await httpUpstream()];
    const site = await proxySite([{ path: '/api/', to: [u1.url, u2.url], strategy: 'round_robin', timeout: 2 }]);
    t.after(async () => (await site.close(), await u1.close(), await u2.close()));
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${site.url}/api/n${i}`)).status, 200);
    assert.deepEqual([u1.seen.length, u2.seen.length], [5, 5]);
    await u2.close();
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${site.url}/api/m${i}`)).status, 200, `request ${i}`);
    assert.equal(u1.seen.length, 15);
    // Passive health: after max_fails (3) failures the stopped one is skipped, not tried each time.
    const figures = site.handler.proxy!.figures()[0]!.backends;
    assert.equal(figures[1]!.state, 'down');
    assert.ok(figures[1]!.failures <= 3, `failures ${figures[1]!.failures}`);
    assert.ok(figures[0]!.retries >= 1);
  });

  test('all backends down: 502 for the first, then 503 while they are skipped', async (t) => {
    const u = await httpUpstream();
    const url = u.url;
    await u.close();
    const site = await proxySite([{ path: '/', to: [url], max_fails: 1, fail_timeout: 30 }]);
    t.after(() => site.close());
    assert.equal((await fetch(`${site.url}/a`)).status, 502);
    const r = await fetch(`${site.url}/b`);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '30');
  });

  test('active health checks take a backend out and bring it back (fall / rise)', async (t) => {
    let healthy = true;
    const u1 = await httpUpstream((req, res) => {
      if (req.url === '/healthz') return void res.writeHead(healthy ? 200 : 500).end();
      res.end('one');
    });
    const u2 = await httpUpstream((_req, res) => res.end('two'));
    const site = await proxySite([{ path: '/', to: [u1.url, u2.url], health_check: { path: '/healthz', interval: 3600, timeout: 1, rise: 2, fall: 2 } }]);
    t.after(async () => (await site.close(), await u1.close(), await u2.close()));
    const route = site.handler.proxy!.routes[0]!;
    const settle = async (): Promise<void> => {
      route.checkHealth();
      await new Promise((r) => setTimeout(r, 100));
    };
    healthy = false;
    await settle();
    assert.equal(route.figures().backends[0]!.state, 'up', 'one failure is below fall');
    await settle();
    assert.equal(route.figures().backends[0]!.state, 'unhealthy');
    assert.ok(site.logger.lines.some((l) => l.includes(u1.url) && l.includes('failed its health check')));
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add(await (await fetch(`${site.url}/x`)).text());
    assert.deepEqual([...bodies], ['two']);
    healthy = true;
    await settle();
    await settle();
    assert.equal(route.figures().backends[0]!.state, 'up');
    for (let i = 0; i < 4; i++) bodies.add(await (await fetch(`${site.url}/x`)).text());
    assert.deepEqual([...bodies].sort(), ['one', 'two']);
  });

  test('per-backend figures reach the status snapshot and /metrics', async (t) => {
    const u1 = await httpUpstream((_req, res) => res.writeHead(500).end('x'));
    const recorder = new StatusRecorder();
    const site = await proxySite([{ path: '/api/', to: [u1.url] }]);
    t.after(async () => (await site.close(), await u1.close(), recorder.close()));
    recorder.upstreams = site.handler.proxy;
    await fetch(`${site.url}/api/a`);
    const snap = recorder.snapshot();
    assert.equal(snap.upstreams?.[0]?.backends[0]?.responses['5xx'], 1);
    const text = renderPrometheus(snap);
    assert.match(text, new RegExp(`httpcraft_upstream_requests_total\\{route="/api/",backend="${u1.url.replace(/\./g, '\\.')}"\\} 1`));
    assert.match(text, /httpcraft_upstream_up\{route="\/api\/",backend="[^"]+"\} 1/);
  });
});
