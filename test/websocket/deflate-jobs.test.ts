// permessage-deflate's zlib side (deflate.ts) hands each message to zlib as one write: one job in
// the thread pool, not a write and then a flush (and, inflating, a separate write of the tail), each
// a round trip between the event loop and a pool thread. The writes reaching zlib are counted on the
// streams' _transform, and every message still round-trips intact, with and without takeover.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDeflateRaw, createInflateRaw, deflateRawSync, constants } from 'node:zlib';
import { PerMessageDeflate } from '../../src/websocket/deflate.ts';
import type { DeflateParams } from '../../src/websocket/permessage-deflate.ts';

type Transform = (this: unknown, chunk: Buffer, encoding: string, cb: () => void) => void;
interface Patchable {
  _transform: Transform;
  push?: (chunk: Buffer | null) => boolean;
}

/** Counts the writes that reach zlib (each is a job of its own) while fn runs. */
async function countWrites(fn: () => Promise<void>): Promise<number> {
  return (await count(fn)).writes;
}

/** Counts writes into zlib and the pieces of output it hands back (one per pool job that made any). */
async function count(fn: () => Promise<void>): Promise<{ writes: number; pieces: number }> {
  const protos = [Object.getPrototypeOf(createDeflateRaw()), Object.getPrototypeOf(createInflateRaw())].map((p) => Object.getPrototypeOf(p) as Patchable);
  const proto = protos[0]!; // ZlibBase, shared by both
  assert.equal(protos[1], proto);
  const original = proto._transform;
  const push = Object.getPrototypeOf(proto).push as (chunk: Buffer | null) => boolean;
  let writes = 0;
  let pieces = 0;
  proto._transform = function (this: unknown, chunk, encoding, cb) {
    writes++;
    original.call(this, chunk, encoding, cb);
  };
  proto.push = function (this: unknown, chunk) {
    if (chunk !== null && chunk.length > 0) pieces++;
    return push.call(this, chunk);
  };
  try {
    await fn();
  } finally {
    proto._transform = original;
    delete proto.push;
  }
  return { writes, pieces };
}

function text(size: number): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'echo', 'value', '{', '}', '":', '1234', 'true', 'null'];
  let seed = 11;
  let s = '';
  while (s.length < size) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    s += words[seed % words.length] + (seed & 1 ? ' ' : ',');
  }
  return Buffer.from(s.slice(0, size));
}

function pmd(takeover: boolean): PerMessageDeflate {
  const params: DeflateParams = { serverNoContextTakeover: !takeover, clientNoContextTakeover: !takeover, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  return new PerMessageDeflate({ params, threshold: 0, memLevel: 8, level: 6 });
}

const compress = (d: PerMessageDeflate, data: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => d.compress(data, (out) => (out === null ? reject(new Error('closed')) : resolve(out))));
const inflate = (d: PerMessageDeflate, parts: Buffer[], limit = 1 << 24): Promise<Buffer> =>
  new Promise((resolve, reject) => d.inflate(parts, limit, (error, out) => (error === null ? resolve(out) : reject(error))));

for (const takeover of [false, true]) {
  test(`a message is one zlib write each way (${takeover ? 'context takeover' : 'no context takeover'})`, async () => {
    const d = pmd(takeover);
    try {
      const message = text(64 * 1024);
      for (let i = 0; i < 3; i++) {
        let wire: Buffer = Buffer.alloc(0);
        assert.equal(await countWrites(async () => void (wire = await compress(d, message))), 1, 'compress: one write');
        // §7.2.1: the sync flush's 00 00 FF FF is not on the wire.
        assert.notDeepEqual(wire.subarray(-4), Buffer.from([0, 0, 0xff, 0xff]));
        let back: Buffer = Buffer.alloc(0);
        // The frame split in two, as it may arrive: still one write once the tail is joined.
        const parts = [wire.subarray(0, 100), wire.subarray(100)];
        assert.equal(await countWrites(async () => void (back = await inflate(d, parts))), 1, 'inflate: one write');
        assert.deepEqual(back, message);
      }
    } finally {
      d.close();
    }
  });
}

test('without takeover (pooled contexts) a 64 KiB message inflates in one piece; a kept context uses 16 KiB pieces', async () => {
  for (const takeover of [false, true]) {
    const d = pmd(takeover);
    try {
      const message = text(64 * 1024);
      const wire = await compress(d, message);
      let back: Buffer = Buffer.alloc(0);
      const seen = await count(async () => void (back = await inflate(d, [wire])));
      assert.equal(seen.pieces, takeover ? 4 : 1);
      assert.deepEqual(back, message);
    } finally {
      d.close();
    }
  }
});

test('a compressed message over 64 KiB is written as it came, then the tail, and inflates intact', async () => {
  const d = pmd(false);
  try {
    // Random bytes do not compress: the wire form is larger than 64 KiB.
    const message = randomBytes(96 * 1024);
    const wire = deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    assert.ok(wire.length > 64 * 1024);
    const parts = [wire.subarray(0, 50_000), wire.subarray(50_000)];
    let back: Buffer = Buffer.alloc(0);
    assert.equal(await countWrites(async () => void (back = await inflate(d, parts))), 3);
    assert.deepEqual(back, message);
    // The bound still holds on the joined path: 64 KiB of text against a 1 KiB limit fails with 1009.
    const small = await compress(d, text(64 * 1024));
    await assert.rejects(inflate(d, [small], 1024), (e: { code?: number }) => e.code === 1009);
  } finally {
    d.close();
  }
});
