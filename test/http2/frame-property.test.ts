// Property tests of the frame layer, fixed seeds and run counts (replayable, never time-bounded):
//  - writer → parser round trip for every frame type, random payloads and stream ids;
//  - any split of a valid frame stream gives the same events;
//  - random bytes after the preface never make push() throw, give at most one connection error
//    (the last event), and give the same events however they are cut.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_STREAM_ID, type Priority } from '../../src/http2/frame-types.ts';
import type { SettingsUpdate } from '../../src/http2/settings.ts';
import {
  dataFrame,
  goawayFrame,
  headersFrames,
  pingFrame,
  priorityFrame,
  pushPromiseFrames,
  rstStreamFrame,
  settingsAckFrame,
  settingsFrame,
  windowUpdateFrame,
} from '../../src/http2/frame-writer.ts';
import { CLIENT_PRELUDE, SERVER_PRELUDE, type FrameEvent, feedFrames, rawFrame, splitAt } from '../support/frame-harness.ts';

const SEED = 20261202;
const PEER_MAX_FRAME_SIZE = 16_384;

const streamId = fc.integer({ min: 1, max: MAX_STREAM_ID });
const bytesArb = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const padArb = fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined });
const priorityArb: fc.Arbitrary<Priority> = fc.record({ exclusive: fc.boolean(), dependency: fc.integer({ min: 0, max: MAX_STREAM_ID }), weight: fc.integer({ min: 1, max: 256 }) }).map((p) => ({ ...p })); // plain objects, as the parser makes
const u32Arb = fc.integer({ min: 0, max: 0xffff_ffff });

const settingsArb: fc.Arbitrary<SettingsUpdate> = fc.record(
  {
    headerTableSize: u32Arb,
    enablePush: fc.boolean(),
    maxConcurrentStreams: u32Arb,
    initialWindowSize: fc.integer({ min: 0, max: 0x7fff_ffff }),
    maxFrameSize: fc.integer({ min: 16_384, max: 16_777_215 }),
    maxHeaderListSize: u32Arb,
    noRfc7540Priorities: fc.boolean(),
  },
  { requiredKeys: [] },
).map((s) => ({ ...s })); // fc.record makes null-prototype objects; the parser's are plain

/** One frame (or field block) as written by our writer, and the event the parser must report. */
interface Case {
  bytes: Buffer;
  event: FrameEvent;
}

const hex = (b: Buffer): string => b.toString('hex');

// Frames a client may send to a server (PUSH_PROMISE is in the client-side property below).
const clientFrameArb: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ sid: streamId, data: bytesArb(300), endStream: fc.boolean(), pad: padArb }).map(({ sid, data, endStream, pad }) => ({
    bytes: dataFrame(sid, data, pad === undefined ? { endStream } : { endStream, padLength: pad }),
    event: { type: 'data', streamId: sid, data: hex(data), endStream, flowControlled: data.length + (pad === undefined ? 0 : pad + 1) } as FrameEvent,
  })),
  fc
    .record({ sid: streamId, block: bytesArb(40_000), endStream: fc.boolean(), pad: padArb, priority: fc.option(priorityArb, { nil: undefined }) })
    .filter(({ sid, priority }) => priority === undefined || priority.dependency !== sid)
    .map(({ sid, block, endStream, pad, priority }) => ({
      bytes: headersFrames(sid, block, { maxFrameSize: PEER_MAX_FRAME_SIZE, endStream, ...(pad === undefined ? {} : { padLength: pad }), ...(priority === undefined ? {} : { priority }) }),
      event: { type: 'headers', streamId: sid, endStream, block: hex(block), priority: priority ?? null } as FrameEvent,
    })),
  fc
    .record({ sid: streamId, priority: priorityArb })
    .filter(({ sid, priority }) => priority.dependency !== sid)
    .map(({ sid, priority }) => ({ bytes: priorityFrame(sid, priority), event: { type: 'priority', streamId: sid, priority } as FrameEvent })),
  fc.record({ sid: streamId, code: u32Arb }).map(({ sid, code }) => ({ bytes: rstStreamFrame(sid, code), event: { type: 'rst', streamId: sid, errorCode: code } as FrameEvent })),
  settingsArb.map((settings) => ({ bytes: settingsFrame(settings), event: { type: 'settings', settings } as FrameEvent })),
  fc.constant({ bytes: settingsAckFrame(), event: { type: 'settings-ack' } as FrameEvent }),
  fc.record({ data: fc.uint8Array({ minLength: 8, maxLength: 8 }), ack: fc.boolean() }).map(({ data, ack }) => ({
    bytes: pingFrame(Buffer.from(data), ack),
    event: { type: 'ping', data: hex(Buffer.from(data)), ack } as FrameEvent,
  })),
  fc.record({ last: fc.integer({ min: 0, max: MAX_STREAM_ID }), code: u32Arb, debug: bytesArb(100) }).map(({ last, code, debug }) => ({
    bytes: goawayFrame(last, code, debug),
    event: { type: 'goaway', lastStreamId: last, errorCode: code, debug: hex(debug) } as FrameEvent,
  })),
  fc.record({ sid: fc.integer({ min: 0, max: MAX_STREAM_ID }), inc: fc.integer({ min: 1, max: 0x7fff_ffff }) }).map(({ sid, inc }) => ({
    bytes: windowUpdateFrame(sid, inc),
    event: { type: 'window-update', streamId: sid, increment: inc } as FrameEvent,
  })),
  // Unknown frame types: ignored, no event.
  fc.record({ type: fc.integer({ min: 0x0a, max: 0xff }), flags: fc.integer({ min: 0, max: 0xff }), sid: fc.integer({ min: 0, max: MAX_STREAM_ID }), payload: bytesArb(200) }).map(
    ({ type, flags, sid, payload }) => ({ bytes: rawFrame(type, flags, sid, payload), event: null as unknown as FrameEvent }),
  ),
);

const cutsArb = fc.array(fc.nat(), { maxLength: 30 });

function expectedOf(cases: readonly Case[]): FrameEvent[] {
  return [{ type: 'settings', settings: {} }, ...cases.map((c) => c.event).filter((e) => e !== null)];
}

test('writer → parser round trip for every frame type, random payloads and stream ids, under any split (RFC 9113 §4, §6)', () => {
  fc.assert(
    fc.property(fc.array(clientFrameArb, { minLength: 1, maxLength: 12 }), cutsArb, (cases, cuts) => {
      const input = Buffer.concat([CLIENT_PRELUDE, ...cases.map((c) => c.bytes)]);
      const expected = expectedOf(cases);
      const whole = feedFrames([input]);
      assert.deepEqual(whole.events, expected);
      const split = feedFrames(splitAt(input, cuts.map((c) => c % (input.length + 1))));
      assert.deepEqual(split.events, expected);
      assert.equal(split.parser.midFrame, false);
      assert.equal(split.parser.inHeaderBlock, false);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test('PUSH_PROMISE round trip on the client side, under any split (RFC 9113 §6.6)', () => {
  const arb = fc.record({ sid: streamId, promised: streamId, block: bytesArb(40_000), pad: padArb });
  fc.assert(
    fc.property(fc.array(arb, { minLength: 1, maxLength: 4 }), cutsArb, (frames, cuts) => {
      const input = Buffer.concat([
        SERVER_PRELUDE,
        ...frames.map(({ sid, promised, block, pad }) => pushPromiseFrames(sid, promised, block, { maxFrameSize: PEER_MAX_FRAME_SIZE, ...(pad === undefined ? {} : { padLength: pad }) })),
      ]);
      const expected: FrameEvent[] = [
        { type: 'settings', settings: {} },
        ...frames.map(({ sid, promised, block }) => ({ type: 'push-promise', streamId: sid, promisedStreamId: promised, block: hex(block) }) as FrameEvent),
      ];
      assert.deepEqual(feedFrames([input], { role: 'client' }).events, expected);
      assert.deepEqual(feedFrames(splitAt(input, cuts.map((c) => c % (input.length + 1))), { role: 'client' }).events, expected);
    }),
    { seed: SEED, numRuns: 100 },
  );
});

test('random bytes never throw, end in at most one connection error, and parse alike under any split', () => {
  // Mostly-plausible frame headers with random payloads, so that the checks past the header run too.
  const frameish = fc
    .record({ type: fc.integer({ min: 0, max: 11 }), flags: fc.integer({ min: 0, max: 0xff }), sid: fc.integer({ min: 0, max: 5 }), payload: bytesArb(40), lie: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }) })
    .map(({ type, flags, sid, payload, lie }) => (lie === undefined ? rawFrame(type, flags, sid, payload) : rawFrame(type, flags, sid, payload, lie)));
  fc.assert(
    fc.property(fc.array(fc.oneof(frameish, bytesArb(20)), { maxLength: 20 }), cutsArb, fc.constantFrom<'server' | 'client'>('server', 'client'), (parts, cuts, role) => {
      const input = Buffer.concat([role === 'server' ? CLIENT_PRELUDE : SERVER_PRELUDE, ...parts]);
      const whole = feedFrames([input], { role });
      const split = feedFrames(splitAt(input, cuts.map((c) => c % (input.length + 1))), { role });
      assert.deepEqual(split.events, whole.events);
      const connectionErrors = whole.events.filter((e) => e.type === 'error' && e.scope === 'connection');
      assert.ok(connectionErrors.length <= 1);
      if (connectionErrors.length === 1) assert.equal(whole.events.at(-1), connectionErrors[0]);
      assert.equal(whole.parser.dead, connectionErrors.length === 1);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});
