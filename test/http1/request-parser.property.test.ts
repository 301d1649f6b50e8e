// Property tests of RequestParser: for random valid pipelined requests, any chunking of the bytes gives
// the events the generator's model predicts; for random mutations, the parser never throws, reports
// at most one error, with a status from the catalogue, the same however the bytes are chunked.
// Fixed seeds and run counts: a failure is replayable, never time-bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RequestHead } from '../../src/http1/request-parser.ts';
import { type ParserEvent, feed, splitAt } from '../support/parser-harness.ts';
import { type ModelRequest, bodyOf, mutate, mutationArb, persistentUntilLast, requestArb, serialize, streamArb } from '../support/http-arbitraries.ts';

const SEED = 20260511;

function expectedEvents(requests: readonly ModelRequest[]): ParserEvent[] {
  const out: ParserEvent[] = [];
  for (const r of requests) {
    const body = bodyOf(r);
    const head: RequestHead = {
      method: r.method,
      target: r.target,
      targetForm: 'origin',
      versionMajor: 1,
      versionMinor: r.versionMinor,
      httpVersion: r.versionMinor === 0 ? '1.0' : '1.1',
      rawHeaders: r.fields.flatMap(([name, , value]) => [name, value]),
      contentLength: r.framing === 'chunked' ? -1 : body.length,
      chunked: r.framing === 'chunked',
      keepAlive: r.keepAlive,
      expect: '',
      host: r.host,
    };
    out.push({ type: 'head', head });
    if (body.length > 0) out.push({ type: 'data', data: body });
    if (r.trailers.length > 0) out.push({ type: 'trailers', trailers: r.trailers.flat() });
    out.push({ type: 'end' });
  }
  return out;
}

test('valid pipelined requests parse to the model under any chunking (RFC 9112 §2.2, §6, §7, §9.3.2)', () => {
  fc.assert(
    fc.property(streamArb(), fc.constantFrom<'after-push' | 'in-callback'>('after-push', 'in-callback'), ({ requests, cuts }, resume) => {
      const bytes = Buffer.from(requests.map(serialize).join(''), 'latin1');
      const expected = expectedEvents(requests);
      const whole = feed([bytes]);
      assert.deepEqual(whole.events, expected);
      const split = feed(splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))), { resume });
      assert.deepEqual(split.events, expected);
      assert.equal(split.parser.midMessage, false);
      assert.equal(split.parser.pendingBytes, 0);
    }),
    { seed: SEED, numRuns: 400 },
  );
});

test('valid requests held while paused come out in order after resume() (RFC 9112 §9.3.2)', () => {
  fc.assert(
    fc.property(streamArb(), ({ requests, cuts }) => {
      const bytes = Buffer.from(requests.map(serialize).join(''), 'latin1');
      const { events, parser } = feed(splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))), { resume: 'never' });
      assert.ok(events.filter((e) => e.type === 'end').length <= 1);
      while (parser.paused && parser.pendingBytes > 0) parser.resume();
      assert.deepEqual(events, expectedEvents(requests));
    }),
    { seed: SEED + 1, numRuns: 200 },
  );
});

const STATUSES = new Set([400, 413, 414, 431, 501, 505]);

test('mutated requests never throw, end in at most one catalogued error, whatever the chunking', () => {
  const limitsArb = fc.oneof(
    fc.constant({}),
    fc.record({
      maxRequestLineBytes: fc.integer({ min: 8, max: 200 }),
      maxHeaderBytes: fc.integer({ min: 16, max: 400 }),
      maxHeaderCount: fc.integer({ min: 1, max: 8 }),
      maxBodyBytes: fc.integer({ min: 0, max: 300 }),
    }),
  );
  fc.assert(
    fc.property(streamArb({ maxRequests: 3 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), limitsArb, ({ requests, cuts }, mutations, limits) => {
      const bytes = Buffer.from(mutate(requests.map(serialize).join(''), mutations), 'latin1');
      const whole = feed([bytes], { limits });
      assert.ok(whole.errors <= 1, 'at most one error');
      const error = whole.events.find((e) => e.type === 'error');
      if (error !== undefined) {
        assert.ok(error.type === 'error' && STATUSES.has(error.status), `status ${JSON.stringify(error)}`);
        assert.equal(whole.events[whole.events.length - 1], error, 'nothing after the error');
        assert.ok(whole.parser.dead);
      }
      const split = feed(splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))), { limits, resume: 'in-callback' });
      assert.deepEqual(split.events, whole.events);
    }),
    { seed: SEED + 2, numRuns: 1500 },
  );
});

test('random bytes never make the parser throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat({ max: 300 }), { maxLength: 10 }), (raw, cuts) => {
      const bytes = Buffer.concat([Buffer.from('POST / HTTP/1.1\r\nHost: a\r\n'), Buffer.from(raw)]);
      const whole = feed([bytes], { limits: { maxBodyBytes: 100 } });
      assert.ok(whole.errors <= 1);
      assert.deepEqual(feed(splitAt(bytes, cuts), { limits: { maxBodyBytes: 100 } }).events, whole.events);
    }),
    { seed: SEED + 3, numRuns: 500 },
  );
});

// The parser reuses the previous request's strings for a target or field that arrives with the same
// bytes, and then skips re-validating them. A connection's history must never change the outcome: a
// request parses (or fails) exactly as it would on a fresh connection. Follow-up requests are the
// first one with small edits (same-length byte replacements, so fields stay aligned with the
// previous request's and the reuse path is taken with one byte different, including bytes that make
// a value, name or target invalid).
test('a request parses the same after earlier requests on its connection as on a fresh one', () => {
  const editArb = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant<'replace'>('replace'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
    { weight: 1, arbitrary: mutationArb },
  );
  fc.assert(
    fc.property(
      requestArb(),
      fc.array(fc.array(editArb, { maxLength: 2 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat({ max: 4000 }), { maxLength: 20 }),
      (request, editsPerFollowUp, cuts) => {
        const [first] = persistentUntilLast([request, request]);
        const base = serialize(first!);
        const texts = [base, ...editsPerFollowUp.map((edits) => mutate(base, edits))];
        // Each request alone on a fresh parser. One that is incomplete or leaves bytes over (an
        // edit made it two messages) is not sent: on a shared connection what follows it would be
        // read differently. The sequence ends after an error or a request that closes.
        const expected: ParserEvent[] = [];
        const sent: string[] = [];
        for (const text of texts) {
          const alone = feed([Buffer.from(text, 'latin1')], { resume: 'never' });
          const ended = alone.parser.paused && alone.parser.pendingBytes === 0;
          if (!ended && !alone.parser.dead) break;
          expected.push(...alone.events);
          sent.push(text);
          const head = alone.events.find((e) => e.type === 'head');
          if (alone.parser.dead || (head?.type === 'head' && !head.head.keepAlive)) break;
        }
        const bytes = Buffer.from(sent.join(''), 'latin1');
        assert.deepEqual(feed([bytes]).events, expected);
        assert.deepEqual(feed(splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))), { resume: 'in-callback' }).events, expected);
      },
    ),
    { seed: SEED + 4, numRuns: 1500 },
  );
});
