#!/usr/bin/env node
// CPU cost of HPACK per header block, in ns: decoding a browser-like request and encoding a typical
// static-file response, on the first block of a connection (every field a literal) and in the
// steady state of a keep-alive connection (repeated fields are table indices). For scale, the same
// response head serialized for HTTP/1.1 (one string, then latin1 bytes). Not part of npm test.
// Usage: npm run build && node bench/hpack-micro.mjs [iterations]
import { HpackDecoder } from '../dist/src/http2/hpack/decoder.js';
import { HpackEncoder } from '../dist/src/http2/hpack/encoder.js';
import { serializeHead } from '../dist/src/http1/response-head.js';

const N = Number(process.argv[2] ?? 300_000);

const request = [
  ':method', 'GET', ':authority', 'localhost:8443', ':scheme', 'https', ':path', '/static/app.js?v=3',
  'sec-ch-ua', '"Chromium";v="120", "Not?A_Brand";v="8"', 'sec-ch-ua-mobile', '?0', 'sec-ch-ua-platform', '"Linux"',
  'user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'accept', '*/*', 'sec-fetch-site', 'same-origin', 'sec-fetch-mode', 'no-cors', 'sec-fetch-dest', 'script',
  'referer', 'https://localhost:8443/', 'accept-encoding', 'gzip, deflate, br', 'accept-language', 'en-US,en;q=0.9',
  'cookie', 'theme=dark; session=0123456789abcdef0123456789abcdef', 'priority', 'u=1',
];
const DATE = 'Tue, 14 Jul 2026 10:00:00 GMT';
const response = [
  ':status', '200', 'content-type', 'text/javascript; charset=utf-8', 'content-length', '12345',
  'etag', '"3039-18f1c2a3b4c"', 'last-modified', 'Mon, 13 Jul 2026 09:00:00 GMT', 'cache-control', 'no-cache',
  'accept-ranges', 'bytes', 'vary', 'accept-encoding', 'date', DATE, 'server', 'httpcraft',
];

// A browser indexes nearly everything: the client side of the connection, as nghttp2 would encode it.
const browser = new HpackEncoder({ indexing: 'all' });
const firstRequest = browser.encode(request);
const steadyRequest = browser.encode(request);

function time(label, run) {
  for (let i = 0; i < Math.min(N, 20_000); i++) run(i); // warm up
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < N; i++) sink += run(i);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  console.log(`${label.padEnd(46)} ${ns.toFixed(0).padStart(6)} ns/block  (${sink > 0 ? 'ok' : '?'})`);
}

console.log(`request block: ${firstRequest.length} octets first, ${steadyRequest.length} steady; ${request.length / 2} fields`);
time('decode request, first block of a connection', () => {
  const d = new HpackDecoder();
  return d.decode(firstRequest).length;
});
const steady = new HpackDecoder();
steady.decode(firstRequest);
time('decode request, keep-alive steady state', () => steady.decode(steadyRequest).length);

time('encode response, first block of a connection', () => new HpackEncoder().encode(response, 9).length);
const enc = new HpackEncoder();
enc.encode(response);
console.log(`response block: ${new HpackEncoder().encode(response).length} octets first, ${enc.encode(response).length} steady; ${response.length / 2} fields`);
time('encode response, keep-alive steady state', () => enc.encode(response, 9).length);
const lengths = ['1', '12', '123', '1234', '12345'];
time('encode response, steady, content-length varies', (i) => {
  response[5] = lengths[i % 5];
  return enc.encode(response, 9).length;
});

const lines = [];
for (let i = 2; i < response.length - 4; i += 2) lines.push(`${response[i]}: ${response[i + 1]}\r\n`);
const fieldLines = lines.join('');
time('for scale: HTTP/1.1 head, string + latin1 bytes', () => Buffer.from(serializeHead(200, 'httpcraft', fieldLines, DATE), 'latin1').length);
