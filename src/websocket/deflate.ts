// The zlib side of permessage-deflate (RFC 7692 §7.2): raw DEFLATE with a sync flush per message,
// the 4-byte tail 00 00 FF FF taken off when sending and put back when receiving.
//
// Memory is bounded three ways:
// - inflation stops at the message limit (maxPayload): a small message that would inflate to
//   gigabytes fails with 1009 once it passes the limit, and what was inflated so far is dropped;
// - a connection holds a zlib context only where context takeover needs one kept between messages
//   (the client's window, unless client_no_context_takeover; ours only when the route turns
//   serverNoContextTakeover off), and only from its first compressed message on. Without takeover
//   a context comes from a small shared pool for one message and goes back reset;
// - zlib work runs at most ZLIB_CONCURRENCY jobs at a time in the whole process (zlib runs in the
//   libuv thread pool; a flood of messages must not queue unbounded work or memory there).

import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import { CLOSE_INVALID_DATA, CLOSE_TOO_BIG, WebSocketError } from './close-codes.ts';
import type { DeflateParams } from './permessage-deflate.ts';
import type { MessageInflater } from './receiver.ts';

/** zlib jobs running at once, process-wide. */
export const ZLIB_CONCURRENCY = 10;
// Idle contexts kept per pool (per window size): enough for every job that can run at once.
const POOL_SIZE = ZLIB_CONCURRENCY;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
// Compressed messages up to this size are handed to zlib in one piece with the tail appended (one
// small copy), so the whole message is a single zlib job; larger ones are written as they are.
const JOIN_TAIL_BYTES = 64 * 1024;
// Contexts of the shared pools (at most POOL_SIZE per kind and settings, so their memory is bounded
// for the whole process) write their output in 64 KiB pieces: a 64 KiB message inflates into one
// piece in two pool jobs (the second finds no more output), not four pieces in five jobs and a copy
// to join them. Contexts kept per connection (context
// takeover) stay at zlib's 16 KiB: there is one per connection.
const POOLED_CHUNK = 64 * 1024;

type Job = (release: () => void) => void;
let running = 0;
const waiting: Job[] = [];

function schedule(job: Job): void {
  if (running < ZLIB_CONCURRENCY) start(job);
  else waiting.push(job);
}

function start(job: Job): void {
  running++;
  let released = false;
  job(() => {
    if (released) return;
    released = true;
    running--;
    const next = waiting.shift();
    if (next !== undefined) start(next);
  });
}

const deflatePools = new Map<string, DeflateRaw[]>();
const inflatePools = new Map<number, InflateRaw[]>();

// Every write is a sync flush (RFC 7692 §7.2.1 ends each message with one): a message is one write,
// so one zlib job in the thread pool instead of a write and then a flush, each a round trip.
function newDeflate(windowBits: number, memLevel: number, level: number, chunkSize?: number): DeflateRaw {
  const z = createDeflateRaw({ windowBits, memLevel, level, flush: constants.Z_SYNC_FLUSH, ...(chunkSize === undefined ? {} : { chunkSize }) });
  z.on('error', () => {}); // errors are handled per job; a stray one must not crash the process
  return z;
}


function newInflate(windowBits: number, chunkSize?: number): InflateRaw {
  const z = createInflateRaw({ windowBits, flush: constants.Z_SYNC_FLUSH, ...(chunkSize === undefined ? {} : { chunkSize }) });
  z.on('error', () => {});
  return z;
}

/** A context used without takeover goes back reset, for the next message of any connection. */
function giveBack<K, Z extends DeflateRaw | InflateRaw>(pools: Map<K, Z[]>, key: K, z: Z): void {
  z.reset();
  const pool = pools.get(key) ?? [];
  pools.set(key, pool);
  if (pool.length < POOL_SIZE) pool.push(z);
  else z.close();
}

export interface DeflateSettings {
  params: DeflateParams;
  threshold: number;
  memLevel: number;
  level: number;
}

export class PerMessageDeflate implements MessageInflater {
  readonly params: DeflateParams;
  readonly threshold: number;
  readonly #memLevel: number;
  readonly #level: number;
  readonly #inflateBits: number;
  // Contexts kept between messages (context takeover only).
  #deflate: DeflateRaw | null = null;
  #inflate: InflateRaw | null = null;
  #closed = false;
  // Jobs under way: the kept contexts are freed only once none uses them (a flush still running on
  // a closed context would never call back, and its slot in the limiter would never come back).
  #jobs = 0;

  constructor(settings: DeflateSettings) {
    this.params = settings.params;
    this.threshold = settings.threshold;
    this.#memLevel = settings.memLevel;
    this.#level = settings.level;
    // An 8-bit client window (RFC 7692 allows it) is read with 9 bits: zlib's smallest raw window.
    this.#inflateBits = Math.max(9, settings.params.clientMaxWindowBits);
  }

  /** Compresses one whole message; done(null) when the connection closed meanwhile. */
  compress(data: Buffer, done: (out: Buffer | null) => void): void {
    schedule((release) => {
      if (this.#closed) {
        release();
        done(null);
        return;
      }
      this.#jobs++;
      const takeover = !this.params.serverNoContextTakeover;
      const key = `${this.params.serverMaxWindowBits}:${this.#memLevel}:${this.#level}`;
      const make = (chunk?: number): DeflateRaw => newDeflate(this.params.serverMaxWindowBits, this.#memLevel, this.#level, chunk);
      const z = takeover ? (this.#deflate ??= make()) : (deflatePools.get(key)?.pop() ?? make(POOLED_CHUNK));
      const out: Buffer[] = [];
      let bytes = 0;
      const onData = (chunk: Buffer): void => {
        out.push(chunk);
        bytes += chunk.length;
      };
      z.on('data', onData);
      z.write(data, () => {
        z.off('data', onData);
        if (!takeover) giveBack(deflatePools, key, z);
        if (this.#endJob(release)) {
          done(null);
          return;
        }
        const all = out.length === 1 ? out[0]! : Buffer.concat(out, bytes);
        // §7.2.1: the sync flush ends with 00 00 FF FF, which is not sent.
        done(all.subarray(0, all.length - 4));
      });
    });
  }

  inflate(parts: readonly Buffer[], limit: number, done: (error: WebSocketError | null, data: Buffer) => void): void {
    schedule((release) => {
      if (this.#closed) {
        release();
        return;
      }
      this.#jobs++;
      const takeover = !this.params.clientNoContextTakeover;
      const bits = this.#inflateBits;
      const z = takeover ? (this.#inflate ??= newInflate(bits)) : (inflatePools.get(bits)?.pop() ?? newInflate(bits, POOLED_CHUNK));
      const out: Buffer[] = [];
      let bytes = 0;
      let finished = false;
      const finish = (error: WebSocketError | null): void => {
        if (finished) return;
        finished = true;
        z.off('data', onData);
        z.off('error', onError);
        if (error !== null) {
          // A context that failed mid-message is in an unknown state: dropped, never reused.
          z.close();
          if (z === this.#inflate) this.#inflate = null;
        } else if (!takeover) giveBack(inflatePools, bits, z);
        if (this.#endJob(release)) return;
        if (error !== null) done(error, Buffer.alloc(0));
        else done(null, out.length === 1 ? out[0]! : Buffer.concat(out, bytes));
      };
      const onData = (chunk: Buffer): void => {
        bytes += chunk.length;
        // The bound is checked on every piece zlib hands out: past the limit inflation stops, and
        // what came so far is dropped (never more than the limit plus one zlib chunk is held).
        if (bytes > limit) {
          out.length = 0;
          finish(new WebSocketError(CLOSE_TOO_BIG, `a compressed message inflates past ${limit} bytes (maxPayload)`));
        } else out.push(chunk);
      };
      const onError = (): void => finish(new WebSocketError(CLOSE_INVALID_DATA, 'a compressed message is not valid DEFLATE data'));
      z.on('data', onData);
      z.on('error', onError);
      // §7.2.2: the tail the sender took off goes back before inflating.
      let size = 0;
      for (const p of parts) size += p.length;
      if (size <= JOIN_TAIL_BYTES) z.write(Buffer.concat([...parts, TAIL], size + TAIL.length), () => finish(null));
      else {
        for (const p of parts) z.write(p);
        z.write(TAIL, () => finish(null));
      }
    });
  }

  /** A job is done: its limiter slot goes back; true when the connection closed meanwhile. */
  #endJob(release: () => void): boolean {
    release();
    this.#jobs--;
    if (!this.#closed) return false;
    this.#free();
    return true;
  }

  /** The connection closed: contexts kept for it are freed (pooled ones went back already). */
  close(): void {
    this.#closed = true;
    this.#free();
  }

  #free(): void {
    if (this.#jobs > 0) return;
    this.#deflate?.close();
    this.#inflate?.close();
    this.#deflate = null;
    this.#inflate = null;
  }
}
