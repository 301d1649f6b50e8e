// The cross-origin write rule on its own (src/middleware/cross-origin.ts): which requests it lets
// through, from the headers and the connection alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from '../../src/server/request.ts';
import { HttpError } from '../../src/app/http-error.ts';
import { createCrossOriginGuard, type CrossOriginOptions } from '../../src/middleware/cross-origin.ts';

function fakeRequest(method: string, host: string, fields: Record<string, string>, secure = false): Request {
  const lower = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, host, secure, header: (name: string) => lower.get(name.toLowerCase()) } as unknown as Request;
}

function allowed(options: CrossOriginOptions, req: Request): boolean {
  try {
    createCrossOriginGuard(options)(req);
    return true;
  } catch (error) {
    assert.ok(error instanceof HttpError && error.status === 403, String(error));
    return false;
  }
}

test('Sec-Fetch-Site decides when present; same-site is another origin', () => {
  const host = 'localhost:8125';
  assert.equal(allowed({}, fakeRequest('POST', host, { 'Sec-Fetch-Site': 'same-origin', Origin: 'http://evil.example' })), true);
  assert.equal(allowed({}, fakeRequest('POST', host, { 'Sec-Fetch-Site': 'none' })), true);
  assert.equal(allowed({}, fakeRequest('POST', host, { 'Sec-Fetch-Site': 'same-site', Origin: 'http://localhost:8126' })), false);
  assert.equal(allowed({}, fakeRequest('PUT', host, { 'Sec-Fetch-Site': 'cross-site', Origin: `http://${host}` })), false);
  assert.equal(allowed({}, fakeRequest('DELETE', host, { 'Sec-Fetch-Site': 'something-new' })), false);
});

test('without Sec-Fetch-Site, Origin is compared with the connection scheme and Host (default ports, case)', () => {
  assert.equal(allowed({}, fakeRequest('PUT', 'Example.COM:80', { Origin: 'http://example.com' })), true);
  assert.equal(allowed({}, fakeRequest('PUT', 'example.com', { Origin: 'https://example.com' }, true)), true);
  assert.equal(allowed({}, fakeRequest('PUT', 'example.com:443', { Origin: 'https://example.com' }, true)), true);
  assert.equal(allowed({}, fakeRequest('PUT', 'example.com', { Origin: 'http://example.com' }, true)), false);
  assert.equal(allowed({}, fakeRequest('PUT', 'example.com', { Origin: 'null' })), false);
  assert.equal(allowed({}, fakeRequest('PUT', '', { Origin: 'http://example.com' })), false);
  assert.equal(allowed({}, fakeRequest('PUT', 'example.com', {})), true);
  // Safe methods are never checked.
  assert.equal(allowed({}, fakeRequest('GET', 'example.com', { 'Sec-Fetch-Site': 'cross-site' })), true);
});

test('trust needs enable_cors, a literal origin and the method; "*", patterns and null never write', () => {
  const cross = (origin: string, method = 'PUT'): Request => fakeRequest(method, 'server.test', { 'Sec-Fetch-Site': 'cross-site', Origin: origin });
  const on = { enableCors: true, allowOrigin: ['HTTPS://App.Example:443/', 'https://*.example.com', 'null'], allowMethods: ['get', 'put'] };
  assert.equal(allowed(on, cross('https://app.example')), true);
  assert.equal(allowed(on, cross('https://app.example', 'POST')), false);
  assert.equal(allowed(on, cross('https://a.example.com')), false);
  assert.equal(allowed(on, cross('null')), false);
  assert.equal(allowed({ ...on, enableCors: false }, cross('https://app.example')), false);
  assert.equal(allowed({ enableCors: true, allowOrigin: '*' }, cross('https://app.example')), false);
});
