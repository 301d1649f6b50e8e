import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curlLine, shellQuote } from '../../src/trace/curl-line.ts';
import { record } from './inspector-fixtures.ts';

test('shellQuote: plain words bare, the rest in single quotes, bytes outside ASCII in $\'\\xHH\'', () => {
  assert.equal(shellQuote('http://localhost:8000/a.css'), 'http://localhost:8000/a.css');
  assert.equal(shellQuote('Accept: */*'), "'Accept: */*'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote('$(rm -rf ~) `x` "y"'), "'$(rm -rf ~) `x` \"y\"'");
  assert.equal(shellQuote('caf\u00e9\r'), "$'caf\\xe9\\x0d'");
  assert.equal(shellQuote("a'\\\u0001"), "$'a\\'\\\\\\x01'");
});

test('a GET: the URL from scheme, Host and target; every field but Host, Content-Length, Connection as -H', () => {
  const r = record({
    target: '/index.html?q=1',
    host: '127.0.0.1:8080',
    requestFields: ['Host', '127.0.0.1:8080', 'User-Agent', 'curl/8', 'If-None-Match', '"abc"', 'Connection', 'keep-alive', 'Content-Length', '0', 'X-Empty', ''],
  });
  assert.equal(curlLine(r), `curl -H 'User-Agent: curl/8' -H 'If-None-Match: "abc"' -H 'X-Empty;' 'http://127.0.0.1:8080/index.html?q=1'`);
});

test('methods: HEAD is --head, others -X; https from secure; h2 adds --http2 and leaves out pseudo fields', () => {
  assert.equal(curlLine(record({ method: 'HEAD' })), 'curl --head http://localhost:8000/');
  assert.equal(curlLine(record({ method: 'DELETE', secure: true })), 'curl -X DELETE https://localhost:8000/');
  const h2 = record({ protocol: 'h2', secure: true, requestFields: [':method', 'GET', ':path', '/', 'accept', 'text/html'] });
  assert.equal(curlLine(h2), "curl --http2 -H 'accept: text/html' https://localhost:8000/");
});

test('a request with a body says so instead of replaying it', () => {
  const post = record({ method: 'POST', requestBodyBytes: 12, requestFields: ['Host', 'localhost:8000', 'Content-Type', 'text/plain', 'Content-Length', '12'] });
  assert.equal(curlLine(post), "curl -X POST -H 'Content-Type: text/plain' http://localhost:8000/  # the request had a 12-byte body, not replayed (add --data-binary @file)");
  // Announced but never read by the handler: still said.
  const unread = record({ method: 'PUT', requestFields: ['Transfer-Encoding', 'chunked'] });
  assert.match(curlLine(unread), /^curl -X PUT http:\/\/localhost:8000\/  # the request had a body, not replayed/);
});

test('hostile and unusual targets stay one safe word; globbing and dot segments are kept as sent', () => {
  const evil = curlLine(record({ target: "/'; rm -rf / #<script>" }));
  assert.equal(evil, `curl 'http://localhost:8000/'\\''; rm -rf / #<script>'`);
  assert.equal(curlLine(record({ target: '/a/../b[1]' })), "curl --globoff --path-as-is 'http://localhost:8000/a/../b[1]'");
  assert.equal(curlLine(record({ method: 'OPTIONS', target: '*' })), "curl -X OPTIONS --request-target '*' http://localhost:8000/");
  assert.equal(curlLine(record({ target: 'http://example.com/x' })), 'curl http://example.com/x');
  assert.equal(curlLine(record({ host: '' })), 'curl http://localhost/');
});
