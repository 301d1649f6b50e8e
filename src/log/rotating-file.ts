// A log file written asynchronously and in batches, rotated by size and/or by day.
//
// write() only encodes a line into an in-memory queue of byte chunks (line-buffer.ts); one writer
// loop drains the queue a batch at a time, so a request never waits on the disk and a burst costs
// one writev() syscall instead of thousands. Because a single loop owns the file,
// writes and rotations never interleave: lines are whole, in order, and never split across files.
//
// Rotation (numbered, like logrotate): file → file.1 → file.2 … → file.<keep>, the oldest removed.
// With compress, file.1 is gzipped to file.1.gz in the background; the next rotation waits for it.

import { appendFileSync, createReadStream, createWriteStream, writeSync } from 'node:fs';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CHUNK_BYTES, chunkViews, LineBuffer, type Chunk } from './line-buffer.ts';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { makeFolders, makeFoldersSync } from './log-paths.ts';

export interface RotatingFileOptions {
  path: string;
  /** Rotate before a write would take the file past this many bytes; 0 = no size limit. */
  maxBytes: number;
  /** Rotate when the local date changes. */
  daily: boolean;
  /** Rotated files kept; 0 = none (the file is simply started over). */
  keep: number;
  compress: boolean;
  /** Reported when the disk fails us; logging must not take the server down. */
  onError?: (error: Error) => void;
  /** The clock, for tests of daily rotation. */
  now?: () => number;
}

// Queued lines are written at most this long after they were logged, or sooner once a chunk of
// them (64 KiB) is full; flush() and close() write at once.
const FLUSH_INTERVAL_MS = 100;

const localDay = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
};

export class RotatingFile {
  readonly path: string;
  readonly #options: RotatingFileOptions;
  readonly #now: () => number;
  readonly #lines = new LineBuffer();
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #fh: FileHandle | null = null;
  #size = 0;
  #day = '';
  #compressing: Promise<void> = Promise.resolve();
  #closed = false;
  #rotations = 0;
  #writes = 0;
  #reopen = false;
  #failing = false;
  /** flush() calls waiting: while any do, the writer drains everything instead of a chunk at a time. */
  #draining = 0;

  constructor(options: RotatingFileOptions) {
    this.path = options.path;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** How many times the file has been rotated (for tests and the status page). */
  get rotations(): number {
    return this.#rotations;
  }

  /** How many write calls have gone to the file (for tests of batching). */
  get writes(): number {
    return this.#writes;
  }

  /** Queues one line (without its newline). Never blocks, never throws. */
  write(line: string): void {
    if (this.#closed) return;
    if (this.#lines.append(line)) this.#wake?.();
    this.#loop ??= this.#run();
  }

  /** Queues one line that encode() writes as bytes (at most maxBytes of them, without the newline). */
  writeEncoded<T>(maxBytes: number, value: T, encode: (value: T, buf: Buffer, at: number) => number): void {
    if (this.#closed) return;
    if (this.#lines.appendEncoded(maxBytes, value, encode)) this.#wake?.();
    this.#loop ??= this.#run();
  }

  /** Closes the file after the writes in progress; the next write opens the path afresh. */
  reopen(): void {
    this.#reopen = true;
    this.#loop ??= this.#run();
  }

  /** Resolves once every line queued so far is on disk. */
  async flush(): Promise<void> {
    this.#draining++;
    try {
      while (this.#loop !== null) {
        this.#wake?.();
        await this.#loop;
      }
    } finally {
      this.#draining--;
    }
  }

  /** Flushes, waits for compression, closes the file. Later writes are dropped. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    await this.#compressing;
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close();
  }

  /**
   * Last resort on a forced exit: writes what is still queued synchronously. A batch already handed
   * to the OS completes on its own; lines queued after it are appended here.
   */
  flushSync(): void {
    if (this.#lines.isEmpty) return;
    const data = Buffer.concat(chunkViews(this.#lines.take()));
    try {
      if (this.#fh !== null) {
        for (let offset = 0; offset < data.length; ) offset += writeSync(this.#fh.fd, data, offset);
      } else {
        makeFoldersSync(dirname(this.path));
        appendFileSync(this.path, data);
      }
    } catch (error) {
      this.#options.onError?.(error as Error);
    }
  }

  async #run(): Promise<void> {
    // Let lines gather, then write them as one batch: at most one write per FLUSH_INTERVAL_MS (or
    // per 64 KiB chunk), not one per event-loop turn. Each write is a round trip to libuv's thread
    // pool, and under load one per turn cost more than formatting the lines themselves.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, FLUSH_INTERVAL_MS);
      this.#wake = done;
      if (this.#lines.bytes >= CHUNK_BYTES) done();
    });
    try {
      if (this.#reopen) {
        this.#reopen = false;
        const fh = this.#fh;
        this.#fh = null;
        await fh?.close();
      }
      // Lines logged while a batch is being written wait for the next interval, unless a full
      // chunk is ready (a burst) or flush() wants everything: writing them at once, a few at a
      // time, turned batching into a write per millisecond under load.
      while (!this.#lines.isEmpty) {
        const batch = this.#lines.take();
        try {
          await this.#writeBatch(batch);
        } finally {
          this.#lines.recycle(batch);
        }
        this.#failing = false;
        if (this.#lines.bytes < CHUNK_BYTES && this.#draining === 0) break;
      }
    } catch (error) {
      // Report once per outage, not once per batch; the next batch tries a fresh file handle.
      if (!this.#failing) this.#options.onError?.(error as Error);
      this.#failing = true;
      this.#lines.recycle(this.#lines.take());
      const fh = this.#fh;
      this.#fh = null;
      await fh?.close().catch(() => undefined);
    } finally {
      this.#loop = null;
      // What arrived during the last write gets a writer of its own (and its own interval).
      if (!this.#lines.isEmpty) this.#loop = this.#run();
    }
  }

  async #ensureOpen(): Promise<FileHandle> {
    if (this.#fh !== null) return this.#fh;
    await makeFolders(dirname(this.path));
    const fh = await open(this.path, 'a');
    const st = await fh.stat();
    this.#fh = fh;
    this.#size = st.size;
    // A file left from yesterday's run rotates on the first write today.
    this.#day = localDay(st.size > 0 ? st.mtimeMs : this.#now());
    return fh;
  }

  async #writeBatch(chunks: Chunk[]): Promise<void> {
    let fh = await this.#ensureOpen();
    const max = this.#options.maxBytes;
    if (this.#options.daily && localDay(this.#now()) !== this.#day) fh = await this.#rotate();
    let total = 0;
    for (const c of chunks) total += c.used;
    // The common case: the whole batch fits in the current file, one writev.
    if (max === 0 || this.#size + total <= max) {
      await this.#append(fh, chunkViews(chunks), total);
      return;
    }
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (const chunk of chunks) {
      let runStart = 0; // where the part of this chunk not yet in `pending` begins
      let prev = 0;
      for (const end of chunk.ends) {
        const bytes = end - prev;
        // Rotate at a record boundary when this record would overflow a non-empty file; a single
        // record bigger than the limit gets a file of its own rather than being cut.
        if (this.#size + pendingBytes > 0 && this.#size + pendingBytes + bytes > max) {
          if (prev > runStart) pending.push(chunk.buf.subarray(runStart, prev));
          await this.#append(fh, pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
          runStart = prev;
          fh = await this.#rotate();
        }
        pendingBytes += bytes;
        prev = end;
      }
      if (prev > runStart) pending.push(chunk.buf.subarray(runStart, prev));
    }
    await this.#append(fh, pending, pendingBytes);
  }

  /** Writes every byte (a regular-file write may be short when the disk is nearly full). */
  async #append(fh: FileHandle, data: Buffer[], bytes: number): Promise<void> {
    if (bytes === 0) return;
    let rest = data;
    while (rest.length > 0) {
      this.#writes++;
      let { bytesWritten } = await fh.writev(rest);
      let i = 0;
      while (i < rest.length && bytesWritten >= rest[i]!.length) bytesWritten -= rest[i++]!.length;
      rest = rest.slice(i);
      if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
    }
    this.#size += bytes;
  }

  async #rotate(): Promise<FileHandle> {
    const { keep, compress } = this.#options;
    await this.#compressing;
    await this.#fh?.close();
    this.#fh = null;
    const path = this.path;
    const suffix = compress ? '.gz' : '';
    if (keep > 0) {
      await removeIfPresent(`${path}.${keep}${suffix}`);
      for (let i = keep - 1; i >= 1; i--) await renameIfPresent(`${path}.${i}${suffix}`, `${path}.${i + 1}${suffix}`);
      await rename(path, `${path}.1`);
      if (compress) this.#compressing = gzipFile(`${path}.1`).catch((error: unknown) => this.#options.onError?.(error as Error));
    } else {
      await removeIfPresent(path);
    }
    this.#rotations++;
    const fh = await this.#ensureOpen();
    this.#day = localDay(this.#now());
    return fh;
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** file → file.gz, written to a temporary name first so a crash never leaves half a .gz. */
async function gzipFile(path: string): Promise<void> {
  await stat(path);
  await pipeline(createReadStream(path), createGzip(), createWriteStream(`${path}.gz.tmp`));
  await rename(`${path}.gz.tmp`, `${path}.gz`);
  await unlink(path);
}
