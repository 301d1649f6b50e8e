// Property: a random valid client conversation — streams interleaved, bodies cut into DATA frames of
// random sizes with or without padding, trailers or not — fed in any split never produces a stream
// or connection error, every request body arrives byte-exact, and every echoed response comes back
// byte-exact through the client's windows (WINDOW_UPDATE as it reads).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness, REQUEST, TestClient, ofType, opening } from '../support/session-harness.ts';

interface StreamPlan {
  body: Uint8Array;
  cuts: number[];
  padded: boolean;
  trailers: boolean;
}

const streamPlan = fc.record({
  body: fc.uint8Array({ minLength: 0, maxLength: 40_000 }),
  cuts: fc.array(fc.integer({ min: 1, max: 16_000 }), { minLength: 1, maxLength: 8 }),
  padded: fc.boolean(),
  trailers: fc.boolean(),
});

/** Each stream's frames in order; streams interleaved by `order`, HEADERS in id order. */
function conversation(c: TestClient, plans: StreamPlan[], order: number[]): Buffer {
  const queues = plans.map((p, i) => {
    const id = 2 * i + 1;
    const body = Buffer.from(p.body);
    const post = body.length > 0 || p.trailers;
    const frames: Buffer[] = [];
    frames.push(c.headers(id, REQUEST(`/s${id}`, post ? 'POST' : 'GET', post ? ['content-length', String(body.length)] : []), !post));
    if (post) {
      let at = 0;
      let k = 0;
      while (at < body.length) {
        const n = Math.min(p.cuts[k++ % p.cuts.length]!, body.length - at);
        const last = at + n === body.length && !p.trailers;
        frames.push(c.data(id, body.subarray(at, at + n), last, p.padded ? n % 7 : undefined));
        at += n;
      }
      if (p.trailers) frames.push(c.headers(id, ['x-sum', String(body.length)], true));
      else if (body.length === 0) frames.push(c.data(id, '', true));
    }
    return frames;
  });
  // HPACK blocks must reach the server in the order they were encoded: encode per stream first,
  // then interleave only DATA freely; HEADERS go in encoding order (header blocks were built above
  // stream by stream, so the interleaving below keeps each stream's order and all field blocks
  // in stream order).
  const out: Buffer[] = [];
  const heads = new Array(queues.length).fill(0);
  let nextHeaders = 0;
  const headerBlocks = queues.map((q) => q.map((f) => f[3] === 0x1));
  const pending = (): number[] => queues.map((q, i) => (heads[i] < q.length ? i : -1)).filter((i) => i >= 0);
  let turn = 0;
  for (;;) {
    const live = pending();
    if (live.length === 0) break;
    let pick = live[order[turn++ % order.length]! % live.length]!;
    // A field block may only go out when it is the next one encoded.
    const isBlock = headerBlocks[pick]![heads[pick]]!;
    if (isBlock && pick !== blockOwner(headerBlocks, heads, nextHeaders)) pick = blockOwner(headerBlocks, heads, nextHeaders);
    if (headerBlocks[pick]![heads[pick]]) nextHeaders++;
    out.push(queues[pick]![heads[pick]++]!);
  }
  return Buffer.concat(out);
}

// The stream whose field block is the n-th encoded (blocks were encoded stream by stream, in order).
function blockOwner(blocks: boolean[][], _heads: number[], n: number): number {
  let seen = 0;
  for (let i = 0; i < blocks.length; i++) {
    for (const b of blocks[i]!) {
      if (b) {
        if (seen === n) return i;
        seen++;
      }
    }
  }
  return 0;
}

test('any valid conversation, any split: no errors, request and response bodies byte-exact', () => {
  fc.assert(
    fc.property(
      fc.array(streamPlan, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 10 }),
      (plans, order, splits) => {
        const c = new TestClient();
        const h = new Harness({ onRequest: (s) => s.respond(200) });
        // An echo handler: the request body goes back as the response body, after the request ends.
        const harnessEvents = h.events;
        const input = Buffer.concat([opening(c), conversation(c, plans, order)]);
        let at = 0;
        let k = 0;
        while (at < input.length) {
          const n = Math.min(splits[k++ % splits.length]!, input.length - at);
          h.feed(input.subarray(at, at + n));
          at += n;
        }
        for (const e of harnessEvents) assert.notEqual(e.type, 'conn-error', JSON.stringify(e));
        assert.ok(!harnessEvents.some((e) => e.type === 'reset'), 'no stream reset');
        for (let i = 0; i < plans.length; i++) {
          const id = 2 * i + 1;
          assert.ok(h.body(id).equals(Buffer.from(plans[i]!.body)), `request body of stream ${id}`);
          const s = h.streams.get(id)!;
          s.write(h.body(id));
          s.end();
        }
        // The client reads the responses, granting back what it read.
        const got = new Map<number, Buffer[]>();
        const ended = new Set<number>();
        for (let round = 0; round < 1000; round++) {
          const frames = h.out();
          const data = ofType(frames, 'data');
          if (frames.length === 0) break;
          let total = 0;
          const updates: Buffer[] = [];
          for (const f of data) {
            (got.get(f.id) ?? got.set(f.id, []).get(f.id)!).push(f.data);
            if (f.endStream) ended.add(f.id);
            total += f.data.length;
            if (f.data.length > 0 && !f.endStream) updates.push(c.windowUpdate(f.id, f.data.length));
          }
          if (total > 0) updates.push(c.windowUpdate(0, total));
          if (updates.length > 0) h.feed(Buffer.concat(updates));
        }
        for (let i = 0; i < plans.length; i++) {
          const id = 2 * i + 1;
          assert.ok(ended.has(id), `response ${id} ended`);
          assert.ok(Buffer.concat(got.get(id) ?? []).equals(Buffer.from(plans[i]!.body)), `response body of stream ${id}`);
        }
        assert.equal(h.session.openStreams, 0);
      },
    ),
    { numRuns: 60, seed: 1309 },
  );
});
