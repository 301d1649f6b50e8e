// JSON endpoints over real sockets: validation errors as problem+json listing each field, 415, 413,
// 400 for broken JSON, 406 by Accept, ETag with 304, If-Match with 412, and the OpenAPI document.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../src/app/router.ts';
import { compose } from '../../src/app/pipeline.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { endpoint, reply } from '../../src/app/rest.ts';
import { openApiDocument, openApiHandler } from '../../src/app/openapi.ts';
import { HttpError } from '../../src/app/http-error.ts';
import { startServer, type StartedServer } from '../support/start-server.ts';

interface Item {
  id: number;
  name: string;
  qty: number;
}

const ITEM = { type: 'object', properties: { name: { type: 'string', minLength: 1 }, qty: { type: 'integer', minimum: 0 } }, required: ['name', 'qty'], additionalProperties: false };

function app(): Router {
  const items = new Map<number, Item>([[1, { id: 1, name: 'pen', qty: 3 }]]);
  let next = 2;
  const r = new Router();
  const api = r.group('/api');
  api.get('/items', ...endpoint({ summary: 'List items', query: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 50 } } } }, ({ query }) => ({ items: [...items.values()].slice(0, (query as { limit?: number }).limit ?? 50) })));
  api.post(
    '/items',
    ...endpoint<Omit<Item, 'id'>>({ summary: 'Add an item', body: ITEM, maxBodyBytes: 200, responses: { '201': { description: 'Created', schema: ITEM } } }, ({ body }) => {
      const item = { id: next++, ...body };
      items.set(item.id, item);
      return reply(201, item, { Location: `/api/items/${item.id}` });
    }),
  );
  const byId = (p: { id: number }): Item | undefined => items.get(p.id);
  const ID = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } };
  api.get('/items/:id(\\d+)', ...endpoint<unknown, unknown, { id: number }>({ params: ID }, ({ params }) => byId(params) ?? Promise.reject(new HttpError(404, `no item ${params.id}`))));
  api.put(
    '/items/:id(\\d+)',
    ...endpoint<Omit<Item, 'id'>, unknown, { id: number }>({ params: ID, body: ITEM, current: ({ params }) => byId(params as { id: number }) }, ({ params, body }) => {
      const item = { id: params.id, ...body };
      items.set(item.id, item);
      return item;
    }),
  );
  api.get('/report', ...endpoint({ produces: ['application/json', 'text/csv'] }, ({ type }, _req, res) => (type === 'text/csv' ? void res.send(200, 'id,name\n', 'text/csv') : { rows: [] })));
  r.get('/openapi.json', openApiHandler(r, { title: 'Items', version: '1.0.0' }));
  return r;
}

describe('JSON endpoints', () => {
  let s: StartedServer;
  before(async () => {
    s = await startServer(compose([errorHandler()], app().handle));
  });
  after(() => s.close());
  const post = (path: string, body: string, type = 'application/json', method = 'POST'): Promise<globalThis.Response> => fetch(`${s.url}${path}`, { method, headers: { 'content-type': type }, body });

  test('201 with Location and an ETag, then 200 / 304 by If-None-Match', async () => {
    const res = await post('/api/items', JSON.stringify({ name: 'cup', qty: 1 }));
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), '/api/items/2');
    const created = (await res.json()) as Item;
    assert.deepEqual(created, { id: 2, name: 'cup', qty: 1 });
    const got = await fetch(`${s.url}/api/items/2`);
    const tag = got.headers.get('etag')!;
    assert.match(tag, /^"[A-Za-z0-9_-]{22}"$/);
    assert.equal(got.headers.get('content-type'), 'application/json; charset=utf-8');
    const again = await fetch(`${s.url}/api/items/2`, { headers: { 'if-none-match': `"other", W/${tag}` } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), tag);
  });

  test('422 problem+json naming every failing field', async () => {
    const res = await post('/api/items', JSON.stringify({ qty: -1, colour: 'red' }));
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const problem = (await res.json()) as { type: string; title: string; status: number; detail: string; errors: Array<{ in: string; name: string; pointer: string; message: string }> };
    assert.equal(problem.status, 422);
    assert.deepEqual(
      problem.errors.map((e) => [e.in, e.name, e.pointer]),
      [
        ['body', 'name', '/name'],
        ['body', 'qty', '/qty'],
        ['body', 'colour', '/colour'],
      ],
    );
    assert.match(problem.detail, /3 fields are invalid: name, qty, colour/);
  });

  test('query and path values are validated after coercion', async () => {
    const bad = await fetch(`${s.url}/api/items?limit=0`);
    assert.equal(bad.status, 422);
    assert.deepEqual(((await bad.json()) as { errors: Array<{ in: string; name: string }> }).errors.map((e) => [e.in, e.name]), [['query', 'limit']]);
    assert.equal(((await (await fetch(`${s.url}/api/items?limit=1`)).json()) as { items: unknown[] }).items.length, 1);
    const zero = await fetch(`${s.url}/api/items/0`);
    assert.equal(zero.status, 422);
  });

  test('an HttpError from the handler is problem+json too', async () => {
    const res = await fetch(`${s.url}/api/items/99`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(await res.json(), { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no item 99' });
  });

  test('415 for a body that is not JSON; 400 for broken JSON; 413 past the limit; 422 for no body', async () => {
    const form = await post('/api/items', 'name=x', 'application/x-www-form-urlencoded');
    assert.equal(form.status, 415);
    assert.match(((await form.json()) as { detail: string }).detail, /must be application\/json, not application\/x-www-form-urlencoded/);
    assert.equal((await post('/api/items', '{"name":', 'application/merge-patch+json')).status, 400);
    const big = await post('/api/items', JSON.stringify({ name: 'x'.repeat(300), qty: 1 }));
    assert.equal(big.status, 413);
    const none = await fetch(`${s.url}/api/items`, { method: 'POST' });
    assert.equal(none.status, 422);
    assert.deepEqual(((await none.json()) as { errors: Array<{ name: string }> }).errors.map((e) => e.name), ['(body)']);
  });

  test('406 when Accept allows none of the types; Accept picks among several (Vary: Accept)', async () => {
    const res = await fetch(`${s.url}/api/items`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 406);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal((await fetch(`${s.url}/api/items`, { headers: { accept: 'text/html, application/*;q=0.5' } })).status, 200);
    assert.equal((await fetch(`${s.url}/api/items`, { headers: { accept: 'application/json;q=0' } })).status, 406);
    const csv = await fetch(`${s.url}/api/report`, { headers: { accept: 'application/json;q=0.4, text/csv' } });
    assert.equal(csv.headers.get('content-type'), 'text/csv');
    assert.equal(csv.headers.get('vary'), 'Accept');
  });

  test('If-Match: the current ETag updates, a stale one is 412, "*" on a missing item is 412', async () => {
    const tag = (await fetch(`${s.url}/api/items/1`)).headers.get('etag')!;
    const ok = await post('/api/items/1', JSON.stringify({ name: 'pen', qty: 4 }), 'application/json', 'PUT');
    assert.equal(ok.status, 200); // no If-Match: unconditional
    const stale = await fetch(`${s.url}/api/items/1`, { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': tag }, body: JSON.stringify({ name: 'pen', qty: 5 }) });
    assert.equal(stale.status, 412);
    const fresh = (await fetch(`${s.url}/api/items/1`)).headers.get('etag')!;
    const good = await fetch(`${s.url}/api/items/1`, { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': fresh }, body: JSON.stringify({ name: 'pen', qty: 5 }) });
    assert.equal(good.status, 200);
    assert.notEqual(good.headers.get('etag'), fresh);
    const missing = await fetch(`${s.url}/api/items/77`, { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': '*' }, body: JSON.stringify({ name: 'x', qty: 1 }) });
    assert.equal(missing.status, 412);
  });

  test('the OpenAPI 3.1 document lists the routes with their schemas', async () => {
    const res = await fetch(`${s.url}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema: { pattern?: string; type?: string } }>; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown> }>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/api/items', '/api/items/{id}', '/api/report']); // endpoint() routes only
    assert.deepEqual(Object.keys(doc.paths['/api/items']!).sort(), ['get', 'post']);
    assert.deepEqual(doc.paths['/api/items']!.post!.requestBody!.content['application/json']!.schema, ITEM);
    const idParam = doc.paths['/api/items/{id}']!.get!.parameters![0]!;
    assert.deepEqual(idParam, { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, pattern: '^(?:\\d+)$' } });
    assert.deepEqual(doc.paths['/api/items']!.get!.parameters!.map((p) => [p.name, p.in]), [['limit', 'query']]);
    assert.ok('201' in doc.paths['/api/items']!.post!.responses && 'default' in doc.paths['/api/items']!.post!.responses);
    const tag = res.headers.get('etag')!;
    assert.equal((await fetch(`${s.url}/openapi.json`, { headers: { 'if-none-match': tag } })).status, 304);
  });
});

test('OpenAPI: an optional segment gives one path per shape, each with its own operationId', () => {
  const r = new Router();
  r.get('/posts/:year?', () => undefined);
  r.get('/files/*', () => undefined);
  const doc = openApiDocument(r, { title: 't', version: '1', include: () => true }) as { paths: Record<string, { get: { operationId: string; parameters?: unknown[] } }> };
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/files/{wildcard}', '/posts', '/posts/{year}']);
  const ids = Object.values(doc.paths).map((p) => p.get.operationId);
  assert.equal(new Set(ids).size, ids.length);
});
