import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { exchange, parseResponses, rawGet, startStatusServer } from '../support/status-helpers.ts';
import { readiness } from '../../src/status/health.ts';

test('/healthz and /readyz answer 200 while the server is listening', async () => {
  const f = await startStatusServer();
  try {
    const live = await rawGet(f.port, '/healthz');
    assert.equal(live.status, 200);
    assert.equal(live.body.toString(), 'ok\n');
    assert.equal(live.headers.get('cache-control'), 'no-store');
    const ready = await rawGet(f.port, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.toString(), 'ready\n');
    const json = await rawGet(f.port, '/readyz', { headers: 'Accept: application/json\r\n' });
    assert.deepEqual(JSON.parse(json.body.toString()), { status: 'ready' });
    assert.equal((await rawGet(f.port, '/healthz', { method: 'HEAD' })).status, 200);
  } finally {
    await f.close();
  }
});

test('/readyz answers 503 with Retry-After once the server is draining; /healthz stays 200', async () => {
  // Requests already in the handler when shutdown starts are still answered: hold two probes at a
  // gate in front of the site handler, start draining, then let them through.
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let arrived = 0;
  let bothArrived!: () => void;
  const waiting = new Promise<void>((r) => (bothArrived = r));
  const f = await startStatusServer({}, {
    wrap: (site) => async (req, res) => {
      if (req.header('x-hold') !== undefined) {
        if (++arrived === 2) bothArrived();
        await gate;
      }
      await site(req, res);
    },
  });
  try {
    const ready = rawGet(f.port, '/readyz', { headers: 'X-Hold: 1\r\n' });
    const live = rawGet(f.port, '/healthz', { headers: 'X-Hold: 1\r\n' });
    await waiting;
    const closed = f.server.close(5000);
    assert.equal(f.server.draining, true);
    open();
    const r = await ready;
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '5');
    assert.equal(r.headers.get('connection'), 'close');
    assert.equal(r.body.toString(), 'draining\n');
    assert.equal((await live).status, 200);
    await closed;
  } finally {
    open();
    await f.close();
  }
});

test('readiness: not attached, not listening and draining are all "not ready"', () => {
  assert.deepEqual(readiness(null), { ready: false, reason: 'not attached to a server' });
  assert.deepEqual(readiness({ listening: false, draining: false }), { ready: false, reason: 'not accepting connections' });
  assert.deepEqual(readiness({ listening: true, draining: true }), { ready: false, reason: 'draining' });
  assert.deepEqual(readiness({ listening: true, draining: false }), { ready: true, reason: 'ready' });
});

test('probes answered synchronously keep the connection usable: sequential and pipelined', async () => {
  const f = await startStatusServer();
  try {
    // Pipelined in one write.
    const ex = await exchange(f.port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(2) + 'GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    assert.deepEqual(
      parseResponses(ex.raw).map((r) => [r.status, r.body.toString()]),
      [
        [200, 'ok\n'],
        [200, 'ok\n'],
        [200, 'ready\n'],
      ],
    );
    // One after the other on a kept-alive connection (a load balancer's probe pattern).
    const socket = connect({ port: f.port, host: '127.0.0.1' });
    const responses: string[] = [];
    let buffered = '';
    const next = (): Promise<string> =>
      new Promise((resolve) => {
        const onData = (c: Buffer): void => {
          buffered += c.toString('latin1');
          const end = buffered.indexOf('ok\n');
          if (end !== -1) {
            socket.off('data', onData);
            resolve(buffered.slice(0, end + 3));
            buffered = buffered.slice(end + 3);
          }
        };
        socket.on('data', onData);
      });
    for (let i = 0; i < 3; i++) {
      const got = next();
      socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
      responses.push(await got);
    }
    socket.destroy();
    assert.equal(responses.length, 3);
    for (const r of responses) assert.match(r, /^HTTP\/1\.1 200 OK\r\n/);
  } finally {
    await f.close();
  }
});

test('with recording off (enable_server_status false) the probes still work and nothing is counted', async () => {
  const f = await startStatusServer({ statusPath: null, metricsPath: null });
  try {
    f.recorder.attach(f.server, { record: false });
    assert.equal((await rawGet(f.port, '/')).status, 200);
    assert.equal((await rawGet(f.port, '/healthz')).status, 200);
    assert.equal((await rawGet(f.port, '/readyz')).status, 200);
    assert.equal((await rawGet(f.port, '/server-status')).status, 404);
    assert.equal((await rawGet(f.port, '/metrics')).status, 404);
    const s = f.recorder.snapshot();
    assert.equal(s.requests.total, 0);
    assert.equal(s.connections.total, 0);
  } finally {
    await f.close();
  }
});
