// A log file written asynchronously and in batches, rotated by size and/or by day.
//
// write() only appends a string to an in-memory queue; one writer loop drains the queue a batch at a
// time (everything queued during one turn of the event loop), so a request never waits on the disk
// and a burst costs one write() syscall instead of thousands. Because a single loop owns the file,
// writes and rotations never interleave: lines are whole, in order, and never split across files.
//
// Rotation (numbered, like logrotate): file → file.1 → file.2 … → file.<keep>, the oldest removed.
// With compress, file.1 is gzipped to file.1.gz in the background; the next rotation waits for it.

import { appendFileSync, createReadStream, createWriteStream, mkdirSync, writeSync } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

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

// Queued lines are written at most this long after they were logged, or sooner once this many
// bytes wait; flush() and close() write at once.
const FLUSH_INTERVAL_MS = 100;
const FLUSH_BYTES = 64 * 1024;

const localDay = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
};

export class RotatingFile {
  readonly path: string;
  readonly #options: RotatingFileOptions;
  readonly #now: () => number;
  #queue: string[] = [];
  #queuedBytes = 0;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #fh: FileHandle | null = null;
  #size = 0;
  #day = '';
  #compressing: Promise<void> = Promise.resolve();
  #closed = false;
  #rotations = 0;
  #reopen = false;
  #failing = false;

  constructor(options: RotatingFileOptions) {
    this.path = options.path;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** How many times the file has been rotated (for tests and the status page). */
  get rotations(): number {
    return this.#rotations;
  }

  /** Queues one line (without its newline). Never blocks, never throws. */
  write(line: string): void {
    if (this.#closed) return;
    this.#queue.push(line);
    this.#queuedBytes += line.length + 1;
    if (this.#queuedBytes >= FLUSH_BYTES) this.#wake?.();
    this.#loop ??= this.#run();
  }

  /** Closes the file after the writes in progress; the next write opens the path afresh. */
  reopen(): void {
    this.#reopen = true;
    this.#loop ??= this.#run();
  }

  /** Resolves once every line queued so far is on disk. */
  async flush(): Promise<void> {
    while (this.#loop !== null) {
      this.#wake?.();
      await this.#loop;
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
    if (this.#queue.length === 0) return;
    const text = this.#queue.join('\n') + '\n';
    this.#queue = [];
    this.#queuedBytes = 0;
    try {
      if (this.#fh !== null) writeSync(this.#fh.fd, text);
      else {
        mkdirSync(dirname(this.path), { recursive: true });
        appendFileSync(this.path, text);
      }
    } catch (error) {
      this.#options.onError?.(error as Error);
    }
  }

  async #run(): Promise<void> {
    // Let lines gather, then write them as one batch: at most one write per FLUSH_INTERVAL_MS (or
    // per FLUSH_BYTES), not one per event-loop turn. Each write is a round trip to libuv's thread
    // pool, and under load one per turn cost more than formatting the lines themselves.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, FLUSH_INTERVAL_MS);
      this.#wake = done;
      if (this.#queuedBytes >= FLUSH_BYTES) done();
    });
    try {
      if (this.#reopen) {
        this.#reopen = false;
        const fh = this.#fh;
        this.#fh = null;
        await fh?.close();
      }
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        await this.#writeBatch(batch);
        this.#failing = false;
      }
    } catch (error) {
      // Report once per outage, not once per batch; the next batch tries a fresh file handle.
      if (!this.#failing) this.#options.onError?.(error as Error);
      this.#failing = true;
      this.#queue = [];
      const fh = this.#fh;
      this.#fh = null;
      await fh?.close().catch(() => undefined);
    } finally {
      this.#loop = null;
    }
  }

  async #ensureOpen(): Promise<FileHandle> {
    if (this.#fh !== null) return this.#fh;
    await mkdir(dirname(this.path), { recursive: true });
    const fh = await open(this.path, 'a');
    const st = await fh.stat();
    this.#fh = fh;
    this.#size = st.size;
    // A file left from yesterday's run rotates on the first write today.
    this.#day = localDay(st.size > 0 ? st.mtimeMs : this.#now());
    return fh;
  }

  async #writeBatch(lines: string[]): Promise<void> {
    let fh = await this.#ensureOpen();
    const max = this.#options.maxBytes;
    if (this.#options.daily && localDay(this.#now()) !== this.#day) fh = await this.#rotate();
    // The common case: the whole batch fits in the current file. One join and one encode, instead of
    // measuring every line (which flattens and scans each string a second time).
    const whole = Buffer.from(lines.join('\n') + '\n');
    if (max === 0 || this.#size + whole.length <= max) {
      await this.#writeAll(fh, whole);
      this.#size += whole.length;
      return;
    }
    let pending: string[] = [];
    let pendingBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      // Rotate at a line boundary when this line would overflow a non-empty file; a single line
      // bigger than the limit gets a file of its own rather than being cut.
      if (max > 0 && this.#size + pendingBytes > 0 && this.#size + pendingBytes + bytes > max) {
        await this.#append(fh, pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        fh = await this.#rotate();
      }
      pending.push(line);
      pendingBytes += bytes;
    }
    await this.#append(fh, pending, pendingBytes);
  }

  async #append(fh: FileHandle, lines: string[], bytes: number): Promise<void> {
    if (lines.length === 0) return;
    await this.#writeAll(fh, Buffer.from(lines.join('\n') + '\n'));
    this.#size += bytes;
  }

  /** Writes every byte (a regular-file write may be short when the disk is nearly full). */
  async #writeAll(fh: FileHandle, data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await fh.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
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
