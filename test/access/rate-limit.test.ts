// The rate-limit middleware and the per-address connection limit, in process, over real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { compose, type Middleware } from '../../src/app/pipeline.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { compileRules, rateLimit } from '../../src/access/rate-limit.ts';
import { MemoryStore } from '../../src/access/memory-store.ts';
import { startServer } from '../support/start-server.ts';
import type { Handler } from '../../src/server/connection.ts';
import type { RateLimitRule } from '../../src/access/rate-limit-rules.ts';

const ok: Handler = (_req, res) => res.send(200, 'ok');

function limited(rules: RateLimitRule[], before: Middleware[] = []): Handler {
  const compiled = compileRules(rules);
  return compose([errorHandler(), ...before, rateLimit(compiled, new MemoryStore(compiled))!], ok);
}

// What authentication leaves behind: the user's name in req.locals.user (here from a test header).
const signIn: Middleware = (req, _res, next) => {
  const user = req.header('x-test-user');
  if (user !== undefined) req.locals.user = user;
  return next();
};

test('no rules: no middleware at all', () => {
  assert.equal(rateLimit([], new MemoryStore([])), null);
});

test('per "user": each signed-in user has a budget; anonymous clients fall back to their address', async (t) => {
  const s = await startServer(limited([{ path: '/**', per: 'user', rate: '2/min', burst: 2, name: 'u' }], [signIn]));
  t.after(() => s.close());
  const as = async (user?: string): Promise<number> => (await fetch(s.url, { headers: user === undefined ? {} : { 'x-test-user': user } })).status;
  assert.deepEqual([await as('alice'), await as('alice'), await as('alice')], [200, 200, 429]);
  assert.deepEqual([await as('bob'), await as('bob'), await as('bob')], [200, 200, 429]);
  assert.deepEqual([await as(), await as(), await as()], [200, 200, 429], 'anonymous: the address');
  // A user named like the address does not share the anonymous bucket.
  assert.equal(await as('127.0.0.1'), 200);
});

test('the RateLimit fields stay on an error page and on the 429 as JSON', async (t) => {
  const compiled = compileRules([{ path: '/**', per: 'ip', rate: '1/h', burst: 1, name: 'h' }]);
  const fails: Handler = () => {
    throw new Error('boom');
  };
  const s = await startServer(compose([errorHandler(), rateLimit(compiled, new MemoryStore(compiled))!], fails));
  t.after(() => s.close());
  const first = await fetch(s.url);
  assert.equal(first.status, 500);
  assert.equal(first.headers.get('ratelimit-policy'), '"h";q=1;w=3600');
  assert.equal(first.headers.get('ratelimit'), '"h";r=0;t=3600');
  const second = await fetch(s.url, { headers: { accept: 'application/json' } });
  assert.equal(second.status, 429);
  assert.equal(second.headers.get('retry-after'), '3600');
  assert.equal(second.headers.get('cache-control'), 'no-store');
  assert.deepEqual(((await second.json()) as { error: { status: number } }).error.status, 429);
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.on('error', reject);
  });
}

function exchange(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => {
      data += s;
      if (data.includes('\r\n\r\n') && /Content-Length: (\d+)/i.test(data)) {
        const length = Number(/Content-Length: (\d+)/i.exec(data)![1]);
        if (data.length - data.indexOf('\r\n\r\n') - 4 >= length) resolve(data);
      }
    });
    socket.on('close', () => resolve(data));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

test('max_connections_per_ip: past the limit a connection gets 503 and is closed; a freed slot is reused', async (t) => {
  const s = await startServer(ok, { maxConnectionsPerIp: 2 });
  t.after(() => s.close());
  const a = await open(s.port);
  const b = await open(s.port);
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  assert.match(await exchange(a), /^HTTP\/1\.1 200 /);
  assert.match(await exchange(b), /^HTTP\/1\.1 200 /);
  const c = await open(s.port);
  const refused = await exchange(c);
  assert.match(refused, /^HTTP\/1\.1 503 /);
  assert.match(refused, /Retry-After: 1\r\n/);
  assert.match(refused, /Connection: close\r\n/);
  await new Promise((r) => (c.destroyed ? r(null) : c.once('close', r)));
  // Keep-alive connections a and b are still served.
  assert.match(await new Promise<string>((resolve) => {
    a.removeAllListeners('data');
    a.once('data', (d: string) => resolve(d));
    a.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  }), /^HTTP\/1\.1 200 /);
  a.destroy();
  await new Promise((r) => setTimeout(r, 100));
  const d = await open(s.port);
  t.after(() => d.destroy());
  assert.match(await exchange(d), /^HTTP\/1\.1 200 /, 'a closed connection frees its slot');
});
