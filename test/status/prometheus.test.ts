import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knownSequence, rawGet, startStatusServer } from '../support/status-helpers.ts';
import { ExpositionError, parseExposition, sampleValue } from '../support/prometheus-parser.ts';
import { escapeLabelValue, formatValue, PROMETHEUS_CONTENT_TYPE } from '../../src/status/prometheus.ts';
import { DURATION_BOUNDS_SECONDS } from '../../src/status/latency.ts';

test('/metrics parses as strict text format 0.0.4 with exact counts after a known sequence', async () => {
  const f = await startStatusServer();
  try {
    const { clientWrote, serverWrote } = await knownSequence(f);
    const request = 'GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
    const res = await rawGet(f.port, '/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const text = res.body.toString('utf8');
    const m = parseExposition(text);

    // Every family has HELP and TYPE.
    for (const fam of m.values()) {
      assert.ok(fam.help !== undefined && fam.help.length > 0, `${fam.name} has HELP`);
      assert.notEqual(fam.type, 'untyped', `${fam.name} has TYPE`);
    }
    assert.equal(m.get('httpcraft_http_requests_total')!.type, 'counter');
    assert.equal(m.get('httpcraft_http_request_duration_seconds')!.type, 'histogram');
    assert.equal(m.get('httpcraft_connections_active')!.type, 'gauge');

    const req = (method: string, cls: string): number | undefined => sampleValue(m, 'httpcraft_http_requests_total', { method, class: cls });
    assert.equal(req('GET', '2xx'), 1);
    assert.equal(req('GET', '4xx'), 1);
    assert.equal(req('HEAD', '2xx'), 1);
    assert.equal(req('POST', '5xx'), 1);
    assert.equal(req('other', '5xx'), 1);
    assert.equal(req('OPTIONS', '2xx'), 1);
    assert.equal(m.get('httpcraft_http_requests_total')!.samples.length, 6);
    assert.equal(sampleValue(m, 'httpcraft_http_keepalive_reused_requests_total'), 2);

    // The histogram: per method, counts consistent (checked by the parser) and equal to the requests.
    assert.equal(sampleValue(m, 'httpcraft_http_request_duration_seconds_count', { method: 'GET' }), 2);
    assert.equal(sampleValue(m, 'httpcraft_http_request_duration_seconds_bucket', { method: 'GET', le: '+Inf' }), 2);
    assert.equal(sampleValue(m, 'httpcraft_http_request_duration_seconds_count', { method: 'other' }), 1);
    assert.equal(sampleValue(m, 'httpcraft_http_request_duration_seconds_count', { method: 'PUT' }), undefined);
    const getBuckets = m.get('httpcraft_http_request_duration_seconds')!.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.method === 'GET');
    assert.deepEqual(
      getBuckets.map((s) => s.labels.le),
      [...DURATION_BOUNDS_SECONDS.map(String), '+Inf'],
    );
    const sum = sampleValue(m, 'httpcraft_http_request_duration_seconds_sum', { method: 'GET' })!;
    assert.ok(sum > 0 && sum < 30);

    assert.equal(sampleValue(m, 'httpcraft_connections_total'), 5);
    assert.equal(sampleValue(m, 'httpcraft_connections_active'), 1);
    assert.equal(sampleValue(m, 'httpcraft_received_bytes_total'), clientWrote + Buffer.byteLength(request));
    assert.equal(sampleValue(m, 'httpcraft_sent_bytes_total'), serverWrote);
    assert.equal(sampleValue(m, 'httpcraft_info', { version: '9.8.7', node: process.version }), 1);
    assert.equal(sampleValue(m, 'httpcraft_uploads_files_total'), 0);
    // No file cache configured: its metrics are absent rather than misleading zeros.
    assert.equal(m.has('httpcraft_cache_hits_total'), false);
    assert.ok(sampleValue(m, 'process_resident_memory_bytes')! > 0);

    // Label values only ever come from the fixed sets.
    for (const fam of m.values()) {
      for (const s of fam.samples) {
        if (s.labels.method !== undefined) assert.match(s.labels.method, /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|other)$/);
        if (s.labels.class !== undefined) assert.match(s.labels.class, /^[1-5]xx$/);
      }
    }
  } finally {
    await f.close();
  }
});

test('odd methods and many paths do not create new series', async () => {
  const f = await startStatusServer();
  try {
    for (const method of ['BREW', 'PROPFIND', 'M-SEARCH', 'X' + 'Y'.repeat(30)]) await rawGet(f.port, `/${method}/${Math.random()}`, { method });
    f.recorder.cache = { entries: 1, bytes: 2, hits: 3, misses: 4, evictions: 5 };
    const m = parseExposition((await rawGet(f.port, '/metrics')).body.toString());
    assert.deepEqual(
      m.get('httpcraft_http_requests_total')!.samples.map((s) => s.labels),
      [{ method: 'other', class: '5xx' }],
    );
    assert.equal(sampleValue(m, 'httpcraft_http_requests_total', { method: 'other', class: '5xx' }), 4);
    assert.equal(sampleValue(m, 'httpcraft_cache_hits_total'), 3);
    assert.equal(sampleValue(m, 'httpcraft_cache_evictions_total'), 5);
    assert.equal(sampleValue(m, 'httpcraft_cache_entries'), 1);
  } finally {
    await f.close();
  }
});

test('label values are escaped per the format: backslash, double quote, line feed', () => {
  const nasty = 'a"b\\c\nd';
  const line = `# HELP x y\n# TYPE x gauge\nx{v="${escapeLabelValue(nasty)}"} 1\n`;
  const m = parseExposition(line);
  assert.equal(m.get('x')!.samples[0]!.labels.v, nasty);
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(0.0005), '0.0005');
});

test('the strict parser rejects what the format forbids', () => {
  const bad: Array<[string, RegExp]> = [
    ['# TYPE x gauge\nx 1', /line feed/],
    ['x 1\n', /without a TYPE/],
    ['# TYPE x gauge\nx{a="1",a="2"} 1\n', /duplicate label/],
    ['# TYPE x gauge\nx{a="\\t"} 1\n', /bad escape/],
    ['# TYPE x gauge\nx{a=1} 1\n', /not quoted/],
    ['# TYPE x gauge\nx 1\nx 2\n', /duplicate sample/],
    ['# TYPE x gauge\nx one\n', /bad value/],
    ['# TYPE 1x gauge\n', /bad metric name/],
    ['# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a="b"} 1\n', /split/],
    ['# TYPE x counter\nx -1\n', /negative/],
    ['# TYPE x gauge\n\nx 1\n', /blank line/],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /\+Inf/],
    ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /cumulative/],
    ['# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /increasing/],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', /differs/],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n', /_sum or _count missing/],
    ['# TYPE x gauge\n# comment\n', /not a HELP or TYPE/],
    ['# HELP x a\\tb\n', /bad escape in HELP/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseExposition(text), (e: unknown) => e instanceof ExpositionError && why.test(e.message), JSON.stringify(text));
  // And accepts a well-formed histogram.
  const ok = parseExposition('# HELP h d\n# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 3\nh_sum 4.5\nh_count 3\n');
  assert.equal(ok.get('h')!.samples.length, 4);
});
