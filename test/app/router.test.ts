// The pattern router: precedence, params, optional segments, wildcards, conflicts, groups, mounts,
// and the method rules (404 / 405 + Allow / 501 / HEAD / OPTIONS) over real sockets.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../src/app/router.ts';
import { compose, type Middleware } from '../../src/app/pipeline.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { startServer, type StartedServer } from '../support/start-server.ts';
import { rawRequest as connectRaw, type RawResponse } from '../support/raw-client.ts';

async function rawRequest(port: number, bytes: string, options: { head?: boolean } = {}): Promise<RawResponse> {
  const client = await connectRaw(port, bytes);
  try {
    return await client.response({ method: options.head === true ? 'HEAD' : 'GET' });
  } finally {
    client.destroy();
  }
}

const ok = (): void => undefined;

function patternOf(r: Router, path: string, method = 'GET'): string | null {
  const found = r.find(method, path);
  return found !== null && 'pattern' in found ? found.pattern : null;
}

describe('precedence (static > constrained > plain param > wildcard, segment by segment)', () => {
  const r = new Router();
  r.get('/users/me', ok);
  r.get('/users/:id(\\d+)', ok);
  r.get('/users/:name', ok);
  r.get('/users/*', ok);
  r.get('/users/:id/posts', ok);
  r.get('/users/me/posts/:post', ok);
  r.get('/files/*', ok);
  r.get('/', ok);

  test('a static segment wins over every parameter', () => assert.equal(patternOf(r, '/users/me'), '/users/me'));
  test('a constrained parameter wins over a plain one', () => assert.equal(patternOf(r, '/users/42'), '/users/:id(\\d+)'));
  test('a plain parameter when the constraint fails', () => assert.equal(patternOf(r, '/users/ann'), '/users/:name'));
  test('the wildcard takes what no segment route takes', () => {
    assert.equal(patternOf(r, '/users/ann/x/y'), '/users/*');
    assert.deepEqual(r.find('GET', '/users/ann/x/y'), { pattern: '/users/*', params: { '*': 'ann/x/y' } });
  });
  test('backtracks from a static branch that leads nowhere', () => {
    // "me" is static, but /users/me/posts has no static continuation: the parameter route serves it.
    assert.deepEqual(r.find('GET', '/users/me/posts'), { pattern: '/users/:id/posts', params: { id: 'me' } });
    assert.equal(patternOf(r, '/users/me/posts/7'), '/users/me/posts/:post');
  });
  test('a wildcard matches an empty rest, but needs the slash', () => {
    assert.deepEqual(r.find('GET', '/files/'), { pattern: '/files/*', params: { '*': '' } });
    assert.equal(r.find('GET', '/files'), null);
  });
  test('a parameter never matches an empty segment; a trailing slash is a different path', () => {
    assert.equal(patternOf(r, '/users/'), '/users/*');
    assert.equal(r.find('GET', '/nope'), null);
    assert.equal(patternOf(r, '/'), '/');
  });
  test('params are percent-decoded; constraints see the decoded value', () => {
    assert.deepEqual(r.find('GET', '/users/J%C3%BCrgen'), { pattern: '/users/:name', params: { name: 'Jürgen' } });
    const c = new Router();
    c.get('/t/:v(é+)', ok);
    assert.equal(patternOf(c, '/t/%C3%A9%C3%A9'), '/t/:v(é+)');
  });
  test('a static segment with non-ASCII is matched in its percent-encoded form, as clients send it', () => {
    const c = new Router();
    c.get('/café/menu du jour', ok);
    assert.equal(patternOf(c, '/caf%C3%A9/menu%20du%20jour'), '/café/menu du jour');
  });
  test('a constraint must match the whole segment', () => assert.equal(patternOf(r, '/users/42x'), '/users/:name'));
});

describe('optional segments', () => {
  const r = new Router();
  r.get('/posts/:year(\\d{4})?/:slug?', ok);
  test('every shape is served, params absent when left out', () => {
    assert.deepEqual(r.find('GET', '/posts/2024/hello'), { pattern: '/posts/:year(\\d{4})?/:slug?', params: { year: '2024', slug: 'hello' } });
    assert.deepEqual(r.find('GET', '/posts/2024'), { pattern: '/posts/:year(\\d{4})?/:slug?', params: { year: '2024' } });
    assert.deepEqual(r.find('GET', '/posts/hello'), { pattern: '/posts/:year(\\d{4})?/:slug?', params: { slug: 'hello' } });
    assert.deepEqual(r.find('GET', '/posts'), { pattern: '/posts/:year(\\d{4})?/:slug?', params: {} });
  });
  test('an optional segment that overlaps another route is a conflict naming both', () => {
    const c = new Router();
    c.get('/docs', ok);
    assert.throws(() => c.get('/docs/:page?', ok), /route GET \/docs\/:page\? conflicts with GET \/docs: both match \/docs/);
    // and the refused route left nothing behind
    assert.equal(c.find('GET', '/docs/x'), null);
  });
});

describe('conflicts and bad patterns are errors at registration', () => {
  test('two parameter names at one place, same method', () => {
    const r = new Router();
    r.get('/users/:id', ok);
    assert.throws(() => r.get('/users/:name', ok), /GET \/users\/:name conflicts with GET \/users\/:id/);
    r.delete('/users/:name', ok); // another method is not a conflict
    assert.deepEqual(r.find('DELETE', '/users/5'), { pattern: '/users/:name', params: { name: '5' } });
  });
  test('the same constraint under two names', () => {
    const r = new Router();
    r.get('/a/:x(\\d+)', ok);
    assert.throws(() => r.get('/a/:y(\\d+)', ok), /conflicts with GET \/a\/:x\(\\d\+\)/);
  });
  test('two wildcards under one prefix', () => {
    const r = new Router();
    r.get('/f/*', ok);
    assert.throws(() => r.get('/f/*', ok), /conflicts/);
  });
  for (const bad of ['users', '/a/*/b', '/a/x:y', '/a/:1x', '/a/:id(\\d+', '/a/:id([)', '/a/:id/:id']) {
    test(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => new Router().get(bad, ok), /route|prefix/));
  }
});

describe('groups and mounts', () => {
  test('a group adds its prefix and its middleware, only to its own routes', async () => {
    const seen: string[] = [];
    const tag = (name: string): Middleware => (_req, _res, next) => {
      seen.push(name);
      return next();
    };
    const r = new Router();
    r.use(tag('root'));
    const api = r.group('/api', tag('api'));
    api.get('/notes', (_req, res) => res.send(200, 'notes'));
    const v2 = api.group('/v2', tag('v2'));
    v2.get('/notes/:id', (req, res) => res.send(200, `v2 ${req.params.id}`));
    r.get('/plain', (_req, res) => res.send(200, 'plain'));
    const s = await startServer(compose([errorHandler()], r.handle));
    try {
      assert.equal(await (await fetch(`${s.url}/api/notes`)).text(), 'notes');
      assert.deepEqual(seen.splice(0), ['root', 'api']);
      assert.equal(await (await fetch(`${s.url}/api/v2/notes/9`)).text(), 'v2 9');
      assert.deepEqual(seen.splice(0), ['root', 'api', 'v2']);
      assert.equal(await (await fetch(`${s.url}/plain`)).text(), 'plain');
      assert.deepEqual(seen.splice(0), ['root']);
    } finally {
      await s.close();
    }
  });
  test('a mounted router serves under the prefix, including routes added after mounting', () => {
    const admin = new Router();
    admin.get('/users/:id', ok);
    const r = new Router();
    r.mount('/admin', admin);
    admin.post('/users', ok);
    assert.deepEqual(r.find('GET', '/admin/users/3'), { pattern: '/admin/users/:id', params: { id: '3' } });
    assert.equal(patternOf(r, '/admin/users', 'POST'), '/admin/users');
    assert.equal(r.find('GET', '/users/3'), null);
    assert.deepEqual(
      r.routes.map((x) => `${x.method} ${x.pattern}`),
      ['GET /admin/users/:id', 'POST /admin/users'],
    );
  });
  test('mounting a router whose routes conflict with ours names both', () => {
    const a = new Router();
    a.get('/x/:id', ok);
    const r = new Router();
    r.get('/m/x/:key', ok);
    assert.throws(() => r.mount('/m', a), /GET \/m\/x\/:id conflicts with GET \/m\/x\/:key/);
  });
});

describe('method rules over the wire (RFC 9110 §9, §15.5.6, §15.6.2)', () => {
  let s: StartedServer;
  before(async () => {
    const r = new Router();
    r.get('/notes', (_req, res) => res.send(200, 'list'));
    r.post('/notes', (_req, res) => res.send(201, 'made'));
    r.get('/notes/:id(\\d+)', (req, res) => res.json(200, { id: req.params.id, route: req.route }));
    r.delete('/notes/:id(\\d+)', (_req, res) => res.writeHead(204).end());
    s = await startServer(compose([errorHandler()], r.handle));
  });
  after(() => s.close());

  test('405 with Allow for a method the path does not have', async () => {
    const res = await rawRequest(s.port, 'DELETE /notes HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal(res.status, 405);
    assert.equal(res.header('allow'), 'GET, POST, HEAD, OPTIONS');
  });
  test('501 for a method no route implements', async () => {
    const res = await rawRequest(s.port, 'BREW /notes HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal(res.status, 501);
  });
  test('404 for a path no route serves', async () => {
    const res = await rawRequest(s.port, 'GET /notes/abc HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal(res.status, 404);
  });
  test('HEAD is served by GET without a body', async () => {
    const res = await rawRequest(s.port, 'HEAD /notes/5 HTTP/1.1\r\nHost: t\r\n\r\n', { head: true });
    assert.equal(res.status, 200);
    assert.equal(res.bodyLength, 0);
    assert.ok(Number(res.header('content-length')) > 0);
  });
  test('OPTIONS answers 204 with the resource Allow; OPTIONS * with every method', async () => {
    const one = await rawRequest(s.port, 'OPTIONS /notes/5 HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal(one.status, 204);
    assert.equal(one.header('allow'), 'GET, DELETE, HEAD, OPTIONS');
    const all = await rawRequest(s.port, 'OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal(all.status, 204);
    assert.deepEqual(all.header('allow')!.split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST']);
  });
  test('the handler sees the params and the route pattern', async () => {
    assert.deepEqual(await (await fetch(`${s.url}/notes/12`)).json(), { id: '12', route: '/notes/:id(\\d+)' });
  });
  test('a bad percent-encoding in a param is a 400', async () => {
    const r = new Router();
    r.get('/p/:v', ok);
    const t = await startServer(compose([errorHandler()], r.handle));
    try {
      const res = await rawRequest(t.port, 'GET /p/%E0%A4 HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(res.status, 400);
    } finally {
      await t.close();
    }
  });
});

test('as middleware: an unrouted path goes on to next(), a routed one with a wrong method is 405', async () => {
  const r = new Router();
  r.get('/api/x', (_req, res) => res.send(200, 'x'));
  const s = await startServer(compose([errorHandler(), r.middleware], (_req, res) => res.send(200, 'fallback')));
  try {
    assert.equal(await (await fetch(`${s.url}/api/x`)).text(), 'x');
    assert.equal(await (await fetch(`${s.url}/other`)).text(), 'fallback');
    const res = await fetch(`${s.url}/api/x`, { method: 'PUT' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.equal((await fetch(`${s.url}/other`, { method: 'PUT' })).status, 200);
  } finally {
    await s.close();
  }
});

test('matcher routes (route()) still work after the pattern routes, in order', async () => {
  const r = new Router();
  r.get('/a/:x', (_req, res) => res.send(200, 'pattern'));
  r.route('/a/', { GET: (_req, res) => res.send(200, 'prefix') });
  r.route(() => true, { GET: (_req, res) => res.send(200, 'catch-all') });
  const s = await startServer(compose([errorHandler()], r.handle));
  try {
    assert.equal(await (await fetch(`${s.url}/a/1`)).text(), 'pattern');
    assert.equal(await (await fetch(`${s.url}/a/1/2`)).text(), 'prefix');
    assert.equal(await (await fetch(`${s.url}/z`)).text(), 'catch-all');
  } finally {
    await s.close();
  }
});
