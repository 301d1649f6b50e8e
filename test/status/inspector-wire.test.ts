// The inspector over real sockets: the access rule, the page, the stream delivering a request made
// after connecting (HTTP/1.1 and HTTP/2), nothing recorded with no inspector open, the inspector's
// own requests left out, and a slow client that cannot make the server buffer without bound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect as h2connect } from 'node:http2';
import { rawGet } from '../support/status-helpers.ts';
import { openEvents, rawConnection, startInspectorServer, until, SseReader } from '../support/inspector-helpers.ts';
import { createServer } from '../../src/server/http-server.ts';
import { TraceHub } from '../../src/trace/trace-hub.ts';
import { createInspector } from '../../src/status/inspector-routes.ts';
import { CLIENT_QUEUE_BYTES } from '../../src/status/inspector-feed.ts';
import type { TraceRecord } from '../../src/trace/exchange-trace.ts';

const PAGE = '/server-status/inspector';
const EVENTS = '/server-status/inspector/events';

test('the page: 200 HTML from loopback, self-contained under a hash-based CSP', async () => {
  const f = await startInspectorServer();
  try {
    const res = await rawGet(f.port, PAGE);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/);
    assert.match(csp, /connect-src 'self'/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = res.body.toString('utf8');
    assert.match(html, /<title>httpcraft-test · exchange inspector<\/title>/);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)="https?:/, 'no external resources');
    assert.equal((await rawGet(f.port, PAGE, { method: 'HEAD' })).status, 200);
    assert.equal((await rawGet(f.port, PAGE, { method: 'POST' })).status, 405);
    assert.equal(f.hub.watching, false, 'loading the page records nothing');
  } finally {
    await f.close();
  }
});

test('the access rule: outside status_allow the page and stream are the plain 404; a token admits', async () => {
  const f = await startInspectorServer({ allow: ['127.0.0.2/32'], token: 'tok-9' });
  try {
    const missing = await rawGet(f.port, '/no-such-file');
    for (const p of [PAGE, EVENTS]) {
      const denied = await rawGet(f.port, p);
      assert.equal(denied.status, 404, p);
      assert.deepEqual(denied.body, missing.body);
      assert.equal((await rawGet(f.port, p, { method: 'OPTIONS' })).status, 404);
    }
    assert.equal((await rawGet(f.port, PAGE, { localAddress: '127.0.0.2' })).status, 200);
    assert.equal((await rawGet(f.port, `${PAGE}?token=tok-9`)).status, 200);
    const events = await openEvents(`${f.base}${EVENTS}?token=tok-9`);
    assert.equal(events.status, 200);
    assert.equal(events.contentType, 'text/event-stream; charset=utf-8');
    events.close();
    await until(() => !f.hub.watching, 8000, 'the hub unsubscribed');
  } finally {
    await f.close();
  }
});

test('no inspector without the status page or without a trace source', async () => {
  const off = await startInspectorServer({ statusPath: null });
  const noTrace = await startInspectorServer({}, { trace: false });
  try {
    for (const f of [off, noTrace]) {
      assert.equal((await rawGet(f.port, PAGE)).status, 404);
      assert.equal((await rawGet(f.port, EVENTS)).status, 404);
    }
  } finally {
    await off.close();
    await noTrace.close();
  }
});

test('the stream delivers a request made after connecting; recording only while it is open; its own requests left out', async () => {
  const f = await startInspectorServer();
  try {
    await rawGet(f.port, '/');
    assert.equal(f.hub.watching, false, 'nobody watches: nothing is recorded');
    const events = await openEvents(`${f.base}${EVENTS}`);
    assert.equal(events.status, 200);
    await events.reader.waitFor((r) => r.events.find((e) => e.event === 'hello'));
    assert.equal(f.hub.watching, true);
    await rawGet(f.port, PAGE);
    await rawGet(f.port, '/%3Cscript%3E?x=1', { headers: 'If-None-Match: "nope"\r\n' });
    const rec = await events.reader.waitFor((r) => r.records<TraceRecord & { curl: string }>().find((x) => x.target.startsWith('/%3Cscript')), 2000);
    assert.equal(rec.method, 'GET');
    assert.equal(rec.status, 404);
    assert.match(rec.requestHead, /^GET \/%3Cscript%3E\?x=1 HTTP\/1\.1\r\nHost: t\r\nIf-None-Match: "nope"\r\n/);
    assert.match(rec.responseHead, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.ok(rec.decisions.some((d) => d.url.startsWith('https://www.rfc-editor.org/')), JSON.stringify(rec.decisions));
    assert.equal(rec.curl, `curl -H 'If-None-Match: "nope"' 'http://t/%3Cscript%3E?x=1'`);
    assert.ok(!events.reader.records().some((r) => r.target.startsWith(PAGE)), 'the inspector page is not streamed');
    events.close();
    await until(() => !f.hub.watching, 8000, 'the hub unsubscribed after the last inspector left');
    await rawGet(f.port, '/');
    // A new inspector starts empty: nothing was kept or recorded while none was open.
    const again = await openEvents(`${f.base}${EVENTS}`);
    const hello = await again.reader.waitFor((r) => r.events.find((e) => e.event === 'hello'));
    assert.deepEqual(JSON.parse(hello.data), { held: 0, limit: 200 });
    again.close();
  } finally {
    await f.close();
  }
});

test('over HTTP/2 (h2c) too: the stream is a streamed response on its own stream', async () => {
  const f = await startInspectorServer({}, { http2Cleartext: true });
  const session = h2connect(f.base);
  try {
    const reader = new SseReader();
    const stream = session.request({ ':path': EVENTS });
    const head = await new Promise<Record<string, unknown>>((resolve) => stream.once('response', resolve));
    assert.equal(head[':status'], 200);
    assert.equal(head['content-type'], 'text/event-stream; charset=utf-8');
    stream.setEncoding('utf8');
    stream.on('data', (t: string) => reader.push(t));
    await reader.waitFor((r) => r.events.find((e) => e.event === 'hello'));
    await rawGet(f.port, '/over-h1');
    const rec = await reader.waitFor((r) => r.records<TraceRecord>().find((x) => x.target === '/over-h1'), 2000);
    assert.equal(rec.protocol, 'http/1.1');
    // An h2 request is streamed with its frames (tapped on a connection opened while watching).
    const second = h2connect(f.base);
    const other = second.request({ ':path': '/' });
    other.resume();
    await new Promise((r) => other.once('end', r));
    second.close();
    const h2 = await reader.waitFor((r) => r.records<TraceRecord & { curl: string }>().find((x) => x.protocol === 'h2' && x.target === '/'), 2000);
    assert.ok(h2.frames.length > 0);
    assert.match(h2.curl, /^curl --http2 /);
    stream.close();
    await until(() => !f.hub.watching, 3000, 'unsubscribed after the h2 stream closed');
  } finally {
    session.close();
    await f.close();
  }
});

test('a client that stops reading: its backlog stays bounded, records are dropped and it is told when it reads again', { timeout: 60_000 }, async () => {
  const hub = new TraceHub();
  const inspector = createInspector({ source: hub, path: '/i', serverName: 't' });
  const server = createServer({
    trace: hub,
    handler: (req, res) => (req.path === '/i/events' ? inspector.events(req, res) : res.send(200, 'ok')),
  });
  const port = ((await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo).port;
  const slow = await rawConnection(port, 'GET /i/events HTTP/1.1\r\nHost: t\r\n\r\n');
  slow.pause();
  try {
    await until(() => inspector.feed.clients === 1, 3000, 'the slow client attached');
    // Large records (a 12 KB field each, twice in a record: head bytes and fields) until the
    // kernel's buffers are full and the feed has to drop some.
    const pad = 'p'.repeat(12_000);
    let peak = 0;
    for (let round = 0; round < 120 && inspector.feed.stats().dropped === 0; round++) {
      await Promise.all(Array.from({ length: 10 }, () => fetch(`http://127.0.0.1:${port}/x`, { headers: { 'x-pad': pad } }).then((r) => r.text())));
      peak = Math.max(peak, inspector.feed.stats().queuedBytes);
    }
    const stats = inspector.feed.stats();
    assert.ok(stats.dropped > 0, `records were dropped (${JSON.stringify(stats)})`);
    assert.ok(peak <= CLIENT_QUEUE_BYTES, `the backlog stayed within ${CLIENT_QUEUE_BYTES} bytes (peak ${peak})`);
    // Reading again: the client hears how many it lost, and the stream goes on.
    let text = '';
    slow.setEncoding('latin1');
    slow.on('data', (t: string) => (text += t));
    slow.resume();
    await until(() => text.includes('event: dropped'), 10_000, 'the dropped notice');
    await until(() => inspector.feed.stats().queuedBytes === 0, 10_000, 'the backlog sent');
    await fetch(`http://127.0.0.1:${port}/after`).then((r) => r.text());
    await until(() => text.includes('"target":"/after"'), 5000, 'a record after catching up');
  } finally {
    slow.destroy();
    await until(() => inspector.feed.clients === 0, 8000, 'the client was forgotten');
    assert.equal(hub.watching, false);
    await server.close(200);
  }
});

test('an open inspector does not hold the shutdown: its stream is ended when the server drains', { timeout: 30_000 }, async () => {
  const f = await startInspectorServer();
  const events = await openEvents(`${f.base}${EVENTS}`);
  await events.reader.waitFor((r) => r.events.find((e) => e.event === 'hello'));
  const started = Date.now();
  // With a 20 s grace, only the feed's ending of its stream lets close() resolve well before it.
  await f.server.close(20_000);
  const took = Date.now() - started;
  assert.ok(took < 10_000, `close() took ${took} ms`);
  assert.equal(f.hub.watching, false);
  events.close();
  await f.close();
});
