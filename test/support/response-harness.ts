// Drives the sans-IO ResponseParser in tests: feeds bytes in a chosen chunking for a list of request
// methods (one response expected per method, in order), records the events as plain data (body bytes
// of consecutive onData calls joined), and checks that whole, byte-by-byte and any other chunking
// give the same events.

import assert from 'node:assert/strict';
import { bytewise, splitAt } from './parser-harness.ts';
import { ResponseParser, type ResponseHead, type ResponseParserLimits } from '../../src/http1/response-parser.ts';

export type ResponseEvent =
  | { type: 'inform'; status: number; fields: string[] }
  | { type: 'head'; head: ResponseHead }
  | { type: 'data'; data: string }
  | { type: 'trailers'; trailers: string[] }
  | { type: 'end' }
  | { type: 'error'; code: string; status: number };

export interface ResponseFeed {
  events: ResponseEvent[];
  parser: ResponseParser;
}

/** Feeds chunks for responses to `methods` (the next is expected as soon as one ends); `eof` calls finish(). */
export function feedResponses(chunks: readonly Buffer[], methods: readonly string[] = ['GET'], eof = false, limits: Partial<ResponseParserLimits> = {}): ResponseFeed {
  const events: ResponseEvent[] = [];
  const queue = [...methods];
  const record = (event: ResponseEvent): void => {
    const last = events[events.length - 1];
    if (event.type === 'data' && last?.type === 'data') last.data += event.data;
    else events.push(event);
  };
  let armNext = false;
  const parser: ResponseParser = new ResponseParser(
    {
      onInform: (status, fields) => record({ type: 'inform', status, fields: [...fields] }),
      onHead: (head) => record({ type: 'head', head: { ...head, rawHeaders: [...head.rawHeaders] } }),
      onData: (chunk) => record({ type: 'data', data: chunk.toString('latin1') }),
      onTrailers: (trailers) => record({ type: 'trailers', trailers: [...trailers] }),
      onEnd: () => {
        record({ type: 'end' });
        armNext = true;
      },
      onError: (error) => record({ type: 'error', code: error.code, status: error.status }),
    },
    limits,
  );
  const arm = (): void => {
    while (armNext && parser.idle && queue.length > 0) {
      armNext = false;
      parser.expect(queue.shift()!);
    }
  };
  armNext = true;
  arm();
  for (const chunk of chunks) {
    parser.push(chunk);
    arm();
  }
  if (eof) parser.finish();
  return { events, parser };
}

export { bytewise, splitAt };

/** Events for `text` fed whole; asserts byte-by-byte feeding gives the same. */
export function parseBoth(text: string, methods: readonly string[] = ['GET'], eof = false): ResponseEvent[] {
  const bytes = Buffer.from(text, 'latin1');
  const whole = feedResponses([bytes], methods, eof).events;
  const byByte = feedResponses(bytewise(bytes), methods, eof).events;
  assert.deepEqual(byByte, whole, 'byte-by-byte differs from whole');
  return whole;
}
