// A socket's read buffer of its own (the `onread` option of net.connect and tls.connect: over TLS
// each read is one record's plaintext), reused from one read to the next. By default Node allocates
// a fresh buffer for every read (64 KiB, or a record's worth over TLS); a proxy streaming large
// responses then allocates (and later collects) a buffer per read for bytes it only passes on
// (and GC work for the external memory: 0.4 brk calls per 100 KiB request).
//
// The bytes of a read are handed to the consumer as a view of the buffer, valid while it runs. It
// answers whether it still holds on to them when it returns (queued in a client socket that did not
// take them all, gathered for later): the buffer is then left to those views and the next read goes
// into a new one. Reuse is only safe while that answer is honest.

import type { OnReadOpts } from 'node:net';
import { readTargetBuffer } from '../server/read-target-buffer.ts';

/** Twice Node's own read size: a 100 KiB response is read in one go (one read, then one writev to
 * the client: 4 system calls per proxied request instead of 6 at 64 KiB). Memory is only touched
 * as far as reads fill it (a connection of small responses keeps a page or two resident). */
export const READ_BUFFER_BYTES = 128 * 1024;

/** Gets the bytes of one read; returns true to keep them (the next read then gets a new buffer). */
export type ReadConsumer = (chunk: Buffer) => boolean;

export class ReusedReadBuffer {
  /** For net.connect / tls.connect `onread`. */
  readonly onread: OnReadOpts;
  /** Buffers allocated, the first included (tests, figures). */
  allocated = 1;
  #buffer: Buffer;
  #kept = false;
  #consumer: ReadConsumer;

  constructor(consumer: ReadConsumer, bytes = READ_BUFFER_BYTES) {
    this.#consumer = consumer;
    this.#buffer = readTargetBuffer(bytes);
    this.onread = {
      // Node asks for the buffer once when the socket gets its handle, then after every read.
      buffer: () => this.#next(),
      callback: (bytes: number) => {
        this.#kept = this.#consumer(this.#buffer.subarray(0, bytes));
        return true; // false would pause the socket
      },
    };
  }

  /** Who gets the reads from now on. */
  set consumer(consumer: ReadConsumer) {
    this.#consumer = consumer;
  }

  #next(): Buffer {
    if (this.#kept) {
      this.#kept = false;
      this.#buffer = readTargetBuffer(this.#buffer.length);
      this.allocated++;
    }
    return this.#buffer;
  }
}
