// `--trace` as a learner sees it: the CLI's output for two fixed requests (a 200, then a 304 on the
// same connection) is exactly the golden file test/trace/golden/trace-304.txt once the fields that
// change from run to run (dates, the ETag, the client's port, timings, the version) are masked.
// The formatter's pieces are checked alone too: control characters made visible, a frame list.
// UPDATE_GOLDEN=1 rewrites the golden file (then read the diff before committing it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startCli, tempDir } from '../support/config-helpers.ts';
import { formatExchange, visibleBytes } from '../../src/trace/console-trace.ts';
import { ansi } from '../../src/log/colors.ts';
import type { TraceRecord } from '../../src/trace/exchange-trace.ts';

const GOLDEN = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'test', 'trace', 'golden', 'trace-304.txt');

/** Sends one request on its own connection and resolves with everything received until the server closes. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => (got += s));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    socket.write(request);
  });
}

function maskTrace(text: string): string {
  return text
    .replace(/(Date|Last-Modified): [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT/g, '$1: <date>')
    .replace(/"[0-9a-f]+-[0-9a-f]+"/g, '"<etag>"')
    .replace(/from [0-9a-f:.]+:\d+\)/g, 'from <client>)')
    .replace(/\d+\.\d\d ms/g, '<t> ms')
    .replace(/httpcraft\/\d+\.\d+\.\d+/g, 'httpcraft/<version>');
}

test('--trace prints both exchanges exactly as documented (golden file, volatile fields masked)', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), '<!doctype html>\n<title>Hello</title>\n<h1>Hello, HTTP</h1>\n');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--no-config', '--trace', '--access-log', 'off', '--no-color', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const first = await exchange(Number(port), 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  const etag = /ETag: ("[^"]+")/.exec(first)?.[1];
  assert.ok(etag !== undefined, first);
  await exchange(Number(port), `GET / HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`);
  await run.waitFor(/── #2 [^]*why:[^]*\n\n/);
  const out = run.stdout();
  const traced = maskTrace(out.slice(out.indexOf('── #1')));
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(GOLDEN, traced);
  assert.equal(traced, await readFile(GOLDEN, 'utf8'));
  // The contract of issue 18: the line ends are visible, and the 304 names its rule.
  assert.match(traced, /If-None-Match: "<etag>"\\r\\n/);
  assert.match(traced, /HTTP\/1\.1 304 Not Modified\\r\\n/);
});

test('control characters are made visible: CRLF, bare CR, NUL, tab, obs-text and the backslash itself', () => {
  assert.equal(visibleBytes('GET / HTTP/1.1\r\n'), 'GET / HTTP/1.1\\r\\n');
  assert.equal(visibleBytes('X: a\rb\n'), 'X: a\\rb\\n');
  assert.equal(visibleBytes('X: \0\t\x7f\xe9\\'), 'X: \\0\\t\\x7f\\xe9\\\\');
});

function record(over: Partial<TraceRecord>): TraceRecord {
  return {
    id: '7', worker: 0, time: 0, protocol: 'http/1.1', connection: 3, stream: 0, remote: '127.0.0.1:4000', secure: false,
    method: 'GET', target: '/', host: 'h', status: 200, requestHead: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', requestFields: ['Host', 'h'], requestBodyBytes: 0,
    responseHead: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', responseBodyBytes: 2, contentType: 'text/plain', bodySample: 'hi',
    timings: { headers: 0.1, firstByte: 0.2, lastByte: 0.3 }, decisions: [], frames: [], ...over,
  };
}

test('the body summary shows length, type, hex and text; a refusal without a response head says so', () => {
  const text = formatExchange(record({}));
  assert.match(text, /body: 2 bytes, text\/plain\n {4}first 2 as hex: {2}68 69\n {4}first 2 as text: hi/);
  assert.match(formatExchange(record({ responseHead: '', responseBodyBytes: 0, status: 499 })), /← no response head was sent\n {2}body: none/);
});

test('HTTP/2 exchanges list their frames with direction, flags, stream and HPACK bytes', () => {
  const text = formatExchange(record({
    protocol: 'h2', stream: 1,
    frames: [
      { dir: 'in', type: 'HEADERS', flags: ['END_STREAM', 'END_HEADERS'], stream: 1, length: 3, seq: 0, detail: 'field block of 3 bytes', hpack: '828684' },
      { dir: 'out', type: 'DATA', flags: ['END_STREAM'], stream: 1, length: 2, seq: 1, detail: '' },
    ],
  }));
  assert.match(text, /h2 stream 1, connection 3/);
  assert.match(text, /→ request fields, HPACK decoded\n/);
  assert.match(text, /→ HEADERS stream 1 \[END_STREAM END_HEADERS\] 3 bytes {2}field block of 3 bytes\n {8}hpack: 828684\n {4}← DATA stream 1 \[END_STREAM\] 2 bytes/);
});

test('--trace-filter through the CLI: only matching exchanges are printed; a term of no kind is a config error naming where it came from', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hi');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--no-config', '--trace', '--trace-filter', '4xx', '--access-log', 'off', '--no-color', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  await exchange(Number(port), 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  await exchange(Number(port), 'GET /missing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  await run.waitFor(/── #2 GET \/missing → 404 Not Found[^]*why:[^]*\n\n/);
  assert.doesNotMatch(run.stdout(), /── #1/, 'the 200 is filtered out');

  const bad = startCli(['-H', '127.0.0.1', '-p', '0', '--no-config', '--trace', '--trace-filter', '4x', 'www'], { cwd: dir });
  t.after(() => bad.child.kill('SIGKILL'));
  const { code } = await bad.exited;
  assert.notEqual(code, 0);
  // Named by its source, as every config error is: the flag here, HTTPCRAFT_TRACE_FILTER or config.json:$.trace_filter elsewhere.
  assert.match(bad.stderr(), /^httpcraft: --trace-filter: "4x": /m);
  assert.match(bad.stderr(), /"4x" is neither a path glob/);
});

test('colored for a terminal, plain otherwise: the same text, with ANSI codes only when asked', () => {
  const r = record({ status: 404 });
  const plainText = formatExchange(r);
  const colored = formatExchange(r, ansi);
  assert.doesNotMatch(plainText, /\x1b\[/);
  assert.match(colored, /\x1b\[33m← response head/);
  assert.equal(colored.replace(/\x1b\[\d+m/g, ''), plainText);
});
