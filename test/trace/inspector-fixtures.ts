// A TraceRecord with plausible defaults, for the inspector's unit tests.

import type { TraceRecord } from '../../src/trace/exchange-trace.ts';

export function record(over: Partial<TraceRecord> = {}): TraceRecord {
  return {
    id: '1',
    worker: 0,
    time: 1_700_000_000_000,
    protocol: 'http/1.1',
    connection: 1,
    stream: 0,
    remote: '127.0.0.1:50000',
    secure: false,
    method: 'GET',
    target: '/',
    host: 'localhost:8000',
    status: 200,
    requestHead: 'GET / HTTP/1.1\r\nHost: localhost:8000\r\n\r\n',
    requestFields: ['Host', 'localhost:8000'],
    requestBodyBytes: 0,
    responseHead: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n',
    responseBodyBytes: 2,
    contentType: 'text/plain',
    bodySample: 'ok',
    timings: { headers: 0.1, firstByte: 0.2, lastByte: 0.3 },
    decisions: [],
    frames: [],
    ...over,
  };
}
