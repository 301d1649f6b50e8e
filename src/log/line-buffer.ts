// Log lines waiting for the disk, held as UTF-8 bytes in reused 64 KiB chunks rather than as strings.
//
// Why bytes: a busy server logs tens of thousands of lines between two file writes. Kept as strings,
// those lines outlive a few young-generation collections and are promoted, so every line is copied
// twice by the collector and later marked and swept in the old generation; under load that cost more
// than formatting the lines. Encoded into a chunk as soon as it is logged, a line's string dies young,
// and the chunks themselves are recycled, so queued lines are no garbage at all.
//
// Each chunk remembers where its records end, so the file can still be rotated exactly at a record
// boundary; a record is never split across chunks.

export const CHUNK_BYTES = 64 * 1024;

// Buffer#utf8Write is what buf.write(s, offset, 'utf8') ends in, minus the argument juggling that
// made up a fifth of a log line's cost; the caller has checked that the line fits.
type Utf8Writer = { utf8Write(s: string, offset: number): number };
const encodeUtf8 = (s: string, buf: Buffer, at: number): number => at + (buf as unknown as Utf8Writer).utf8Write(s, at);
// Chunks kept for reuse once written: enough for a burst without holding memory when idle.
const SPARE_CHUNKS = 4;

export interface Chunk {
  buf: Buffer;
  /** Bytes filled. */
  used: number;
  /** Offset just past each record's final newline, in order. */
  ends: number[];
}

export class LineBuffer {
  #full: Chunk[] = [];
  #current: Chunk | null = null;
  #spare: Chunk[] = [];
  #bytes = 0;

  /** Bytes queued (whole records, newlines included). */
  get bytes(): number {
    return this.#bytes;
  }

  get isEmpty(): boolean {
    return this.#bytes === 0;
  }

  /** Queues one record (a newline is added). Returns true when a chunk has just filled up. */
  append(line: string): boolean {
    // Up to 3 bytes per UTF-16 unit: only a line that might not fit in a chunk is measured exactly.
    const worst = line.length * 3;
    return this.appendEncoded(worst < CHUNK_BYTES ? worst : Buffer.byteLength(line), line, encodeUtf8);
  }

  /**
   * Queues one record that encode() writes straight into the chunk (a newline is added), given an
   * upper bound on its size. Returns true when a chunk has just filled up.
   */
  appendEncoded<T>(maxBytes: number, value: T, encode: (value: T, buf: Buffer, at: number) => number): boolean {
    let chunk = this.#current;
    let filled = false;
    if (chunk === null || CHUNK_BYTES - chunk.used < maxBytes + 1) {
      if (chunk !== null) {
        this.#full.push(chunk);
        filled = true;
      }
      this.#current = chunk = null;
      if (maxBytes + 1 > CHUNK_BYTES) {
        // Possibly longer than a chunk: a buffer of its own, queued after what came before it.
        const buf = Buffer.allocUnsafe(maxBytes + 1);
        const end = encode(value, buf, 0);
        buf[end] = 0x0a;
        this.#full.push({ buf, used: end + 1, ends: [end + 1] });
        this.#bytes += end + 1;
        return true;
      }
      chunk = this.#current = this.#spare.pop() ?? { buf: Buffer.allocUnsafeSlow(CHUNK_BYTES), used: 0, ends: [] };
    }
    const end = encode(value, chunk.buf, chunk.used);
    chunk.buf[end] = 0x0a;
    this.#bytes += end + 1 - chunk.used;
    chunk.used = end + 1;
    chunk.ends.push(chunk.used);
    return filled;
  }

  /** Everything queued so far, in order; the buffer starts empty again. */
  take(): Chunk[] {
    const chunks = this.#full;
    if (this.#current !== null && this.#current.used > 0) chunks.push(this.#current);
    this.#current = null;
    this.#full = [];
    this.#bytes = 0;
    return chunks;
  }

  /** Hands written chunks back for reuse. */
  recycle(chunks: readonly Chunk[]): void {
    for (const chunk of chunks) {
      if (chunk.buf.length !== CHUNK_BYTES || this.#spare.length >= SPARE_CHUNKS) continue;
      chunk.used = 0;
      chunk.ends.length = 0;
      this.#spare.push(chunk);
    }
  }
}

/** The bytes of chunks as buffers for one writev (no copy). */
export function chunkViews(chunks: readonly Chunk[]): Buffer[] {
  return chunks.map((c) => (c.used === c.buf.length ? c.buf : c.buf.subarray(0, c.used)));
}
