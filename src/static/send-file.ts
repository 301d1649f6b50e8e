// Answers one request for one file, in RFC 9110's order: pick the representation (content coding),
// evaluate preconditions (§13.2.2: 412 or 304), then Range (§14: 206, multipart/byteranges, 416),
// then send. Bodies come from memory in one write (cached files) or stream from disk with
// backpressure, so a 2 GB file to a slow client costs a few 256 KiB buffers, not 2 GB.

import { createReadStream, type ReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { PreparedFields } from '../server/response-wire.ts';
import { HttpError } from '../app/http-error.ts';
import { exhaustionError } from '../app/exhaustion.ts';
import { createCompressor, negotiateEncoding } from '../middleware/compression.ts';
import { evaluateConditionals, ifRangeApplies } from './conditional.ts';
import { contentRange, multipartLayout, parseRange, unsatisfiedRange, type ByteRange, type MultipartLayout } from './range.ts';
import { NOSNIFF, toPrepared, variantFor, type FileEntry, type Variant } from './representation.ts';
import type { FsPath } from './fs-path.ts';
import { explainCoding, explainConditionals, type CompressionSettings } from './explain.ts';
import { readTargetBuffer } from '../server/read-target-buffer.ts';
import { LARGE_FILE_BYTES } from './large-file-admission.ts';

const READ_CHUNK_BYTES = 256 * 1024;
// Reads grow to this while the socket takes each chunk whole (a fast client: the kernel had room
// for all of it): a quarter of the reads, thread-pool hand-offs and promises per byte (10 MiB:
// 6.2 M -> 3.2 M instructions of ours per response, bench/instructions.mjs big). A client that makes
// the socket queue gets the small size again, so a slow reader never holds more than one large one.
const LARGE_READ_CHUNK_BYTES = 1024 * 1024;

export interface SendFileOptions {
  maxInMemoryBytes: number;
  /** Reports bytes added to the entry (a compressed variant made for this request). */
  onGrow: (req: Request, entry: FileEntry, bytes: number) => void;
  /** enable_compression and compression_min_size, for the trace's reasons (explain.ts). */
  compression?: CompressionSettings;
}

// Read buffers are recycled: a buffer goes back to the pool once the socket holds none of it (it was
// written through at once, or a 'drain' has since emptied the socket's queue). Without this, each
// 256 KiB read is fresh garbage, and at gigabytes per second the collector lags far enough behind to
// add tens of megabytes to the process.
const FREE_BUFFERS: Buffer[] = [];
const FREE_LARGE_BUFFERS: Buffer[] = [];
const MAX_FREE_BUFFERS = (8 * 1024 * 1024) / READ_CHUNK_BYTES; // at most 8 + 8 MiB kept idle
const MAX_FREE_LARGE_BUFFERS = (8 * 1024 * 1024) / LARGE_READ_CHUNK_BYTES;

function takeBuffer(large: boolean): Buffer {
  if (large) return FREE_LARGE_BUFFERS.pop() ?? readTargetBuffer(LARGE_READ_CHUNK_BYTES);
  return FREE_BUFFERS.pop() ?? readTargetBuffer(READ_CHUNK_BYTES);
}

function releaseBuffers(buffers: Buffer[]): void {
  for (const b of buffers) {
    if (b.length === LARGE_READ_CHUNK_BYTES) {
      if (FREE_LARGE_BUFFERS.length < MAX_FREE_LARGE_BUFFERS) FREE_LARGE_BUFFERS.push(b);
    } else if (FREE_BUFFERS.length < MAX_FREE_BUFFERS) FREE_BUFFERS.push(b);
  }
  buffers.length = 0;
}

/** Opens a file first (a vanished file is a clean 404 before any header is sent). */
async function openFile(path: FsPath): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw notFound(error);
  }
}

/** A file that cannot be opened is not found, unless the server ran out of descriptors (503). */
export function notFound(error: unknown): HttpError {
  return exhaustionError(error) ?? new HttpError(404, 'Not Found', { cause: error });
}

/**
 * Sends bytes [start, end] of an open file as the body, reading only while the socket keeps up
 * (backpressure), then ends the response. Closes the file.
 */
async function streamFile(res: Response, file: FileHandle, start: number, end: number, tail: Buffer | null = null): Promise<void> {
  const written: Buffer[] = []; // buffers the socket may still hold
  let pos = start;
  let large = false; // the last chunk went into the kernel whole
  try {
    while (pos <= end) {
      if (res.aborted) return;
      // What is left decides too: a small remainder (or a small range) needs no large buffer.
      const buf = takeBuffer(large && end - pos + 1 > READ_CHUNK_BYTES);
      let n: number;
      try {
        n = (await file.read(buf, 0, Math.min(buf.length, end - pos + 1), pos)).bytesRead;
      } catch (error) {
        res.abort(error as Error);
        return;
      }
      if (n === 0) {
        // The file shrank under us: the promised length cannot be met.
        res.abort(new Error('file shrank while being sent'));
        return;
      }
      pos += n;
      written.push(buf);
      const accepted = res.write(n === buf.length ? buf : buf.subarray(0, n));
      large = res.flushed;
      if (!accepted) {
        await res.drained();
        // Over HTTP/1.1 'drain' means the socket's queue is empty; over HTTP/2 only that the stream
        // can take more, its queue (our buffers) still waiting on the client's window.
        if (res.flushed) releaseBuffers(written);
        else written.length = 0;
      } else if (res.flushed) {
        releaseBuffers(written);
      } else if (written.length > 4) {
        written.length = 0; // still queued somewhere: leave these to the collector
      }
    }
    res.end(tail ?? undefined);
  } finally {
    await file.close();
  }
}

// A large body from memory goes out in 256 KiB slices, each after the socket took the one before
// ('drain') and one more turn of the event loop, so every connection gets its turn. Written whole, a
// 10 MiB body is the socket's to send as fast as the kernel takes it, and with 50 clients on one
// file the connections whose send buffers had grown took most of the bandwidth (wrk: a 0.39 s mean,
// p99 3.7 s, the slowest 3.95 s). 1 MiB and 512 KiB slices were still uneven (p99 2-3.4 s). With
// 256 KiB slices and the turn: a 0.15-0.24 s mean and p99 0.29-0.5 s in most runs, and up to 1.4 s
// in some (nginx's sendfile in the same runs: p99 0.42-0.64 s; the same file from disk, whose reads
// take turns in the thread pool, 0.46-0.56 s and up to 1.9 s), at the same CPU per byte as whole.
// Slices are views of the cached buffer: nothing is copied.
const MEMORY_SLICE_BYTES = 256 * 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function writeInSlices(res: Response, body: Buffer): Promise<void> {
  for (let pos = 0; pos < body.length; pos += MEMORY_SLICE_BYTES) {
    if (res.aborted) return;
    if (!res.write(body.subarray(pos, Math.min(body.length, pos + MEMORY_SLICE_BYTES)))) await res.drained();
    await nextTurn();
  }
  res.end();
}

/** Opens a read stream and waits until the file is really open, so a vanished file is a clean 404
 * before any header is sent, not a cut connection after. */
function openStream(path: FsPath, range?: ByteRange): Promise<ReadStream> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES, ...(range === undefined ? {} : { start: range.start, end: range.end }) });
    stream.once('ready', () => {
      stream.off('error', reject);
      resolve(stream);
    });
    stream.once('error', (error) => reject(notFound(error)));
  });
}

function setFields(res: Response, fields: readonly (readonly [string, string])[]): void {
  for (const [name, value] of fields) res.setHeader(name, value);
  if (!res.hasHeader('X-Content-Type-Options')) res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** Whether any precondition field (RFC 9110 §13.1) is present: a scan for names that begin "if-",
 * without building the request's header map. */
function hasConditionals(req: Request): boolean {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length < 8 || (n.charCodeAt(0) | 0x20) !== 0x69 || (n.charCodeAt(1) | 0x20) !== 0x66 || n.charCodeAt(2) !== 0x2d) continue;
    const lower = n.toLowerCase();
    if (lower === 'if-match' || lower === 'if-none-match' || lower === 'if-modified-since' || lower === 'if-unmodified-since') return true;
  }
  return false;
}

/**
 * Sends a file's representation. Synchronous when everything needed is in memory (a cached body, a
 * 304, a HEAD): a cache hit then costs no promise at all. Returns a promise only when it has to wait
 * for the disk or a compressor.
 */
export function sendFile(req: Request, res: Response, entry: FileEntry, options: SendFileOptions): void | Promise<void> {
  let range = req.method === 'GET' ? req.header('range') : undefined; // §14.2: Range is defined for GET only
  // A page with an HTML addition is sent whole (§14.2: a server may ignore Range): looked at only
  // when a Range came, so other requests pay nothing.
  if (range !== undefined && !entry.ranges) range = undefined;
  // Partial responses are always of the identity representation: byte offsets into a compressed
  // stream would be useless to a client resuming a download.
  if (entry.negotiable.length > 0 && range === undefined) {
    const coding = negotiateEncoding(req.header('accept-encoding'), entry.negotiable);
    if (coding !== 'identity') {
      if (req.trace !== null) explainCoding(req.trace, req, entry, coding, false, options.compression);
      // A callback only when the variant has to be made (the first request for it).
      const v = entry.variants.get(coding) ?? variantFor(entry, coding, options.maxInMemoryBytes, (bytes) => options.onGrow(req, entry, bytes));
      if (v instanceof Promise) return v.then((variant) => sendVariant(req, res, entry, variant, range));
      return sendVariant(req, res, entry, v, range);
    }
  }
  if (req.trace !== null) explainCoding(req.trace, req, entry, 'identity', range !== undefined, options.compression);
  return sendVariant(req, res, entry, entry.identity, range);
}

function sendVariant(req: Request, res: Response, entry: FileEntry, variant: Variant, range: string | undefined): void | Promise<void> {
  const sniff = !res.hasHeader('X-Content-Type-Options');

  if (hasConditionals(req)) {
    const fields = { ifMatch: req.header('if-match'), ifNoneMatch: req.header('if-none-match'), ifModifiedSince: req.header('if-modified-since'), ifUnmodifiedSince: req.header('if-unmodified-since') };
    const validators = { etag: variant.etag, lastModifiedMs: entry.mtimeMs };
    const outcome = evaluateConditionals(req.method, fields, validators);
    if (req.trace !== null) explainConditionals(req.trace, req.method, fields, validators, outcome);
    if (outcome === 'not-modified') {
      res.sendPrepared(304, variant.notModified, null);
      return;
    }
    if (outcome === 'precondition-failed') throw new HttpError(412, 'Precondition Failed', { headers: { ETag: variant.etag } });
  }

  if (range !== undefined && !ifRangeApplies(req.header('if-range'), { etag: entry.identity.etag, lastModifiedMs: entry.mtimeMs })) {
    req.trace?.decide('range-if-range');
  } else if (range !== undefined) {
    const parsed = parseRange(range, entry.size);
    if (parsed.kind === 'ignore') req.trace?.decide('range-ignored');
    if (parsed.kind === 'unsatisfiable') {
      req.trace?.decide('range-416', entry.size);
      throw new HttpError(416, 'Range Not Satisfiable', { headers: { 'Content-Range': unsatisfiedRange(entry.size), 'Accept-Ranges': 'bytes' } });
    }
    if (parsed.kind === 'ranges') {
      req.trace?.decide('range', range);
      if (parsed.ranges.length === 1) return sendSingleRange(res, entry, parsed.ranges[0]!, sniff);
      return sendMultipart(res, entry, multipartLayout(parsed.ranges, entry.size, entry.contentType, randomBytes(12).toString('hex')), sniff);
    }
  }

  if (variant.body !== null) {
    if (variant.body.length > LARGE_FILE_BYTES && req.method !== 'HEAD') {
      setFields(res, variant.fields);
      return writeInSlices(res, variant.body);
    }
    res.sendPrepared(200, sniff ? variant.preparedSniff : variant.prepared, variant.body);
    return;
  }
  if (req.method === 'HEAD' || variant.size === 0) {
    res.sendPrepared(200, sniff ? variant.preparedSniff : variant.prepared, null);
    return;
  }
  return variant.path !== null ? streamVariantFile(res, variant, variant.path) : streamCompressed(res, entry, variant);
}

async function streamVariantFile(res: Response, variant: Variant, path: FsPath): Promise<void> {
  const file = await openFile(path);
  setFields(res, variant.fields);
  await streamFile(res, file, 0, variant.size - (variant.tail?.length ?? 0) - 1, variant.tail);
}

/** Compressed on the fly: length unknown, so the body is chunked (or close-delimited for 1.0). The
 * source is the cached body when there is one (a large file: it is the page as sent, any HTML
 * addition included), else the file, then the addition's tail. */
async function streamCompressed(res: Response, entry: FileEntry, variant: Variant): Promise<void> {
  const cached = entry.identity.body;
  let source: Readable;
  if (cached !== null) source = Readable.from(slicesOf(cached), { objectMode: false });
  else {
    const file = await openStream(entry.filePath);
    const tail = entry.identity.tail;
    source = tail === null ? file : Readable.from(withTail(file, tail), { objectMode: false });
  }
  const compressor = createCompressor(variant.coding as 'br' | 'gzip');
  pipeline(source, compressor, () => {}); // errors surface through the compressor to res.stream
  setFields(res, variant.fields);
  await res.stream(compressor);
}

function* slicesOf(body: Buffer): Generator<Buffer> {
  for (let pos = 0; pos < body.length; pos += MEMORY_SLICE_BYTES) yield body.subarray(pos, pos + MEMORY_SLICE_BYTES);
}

async function* withTail(stream: ReadStream, tail: Buffer): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  yield tail;
}

function withSniff(prepared: PreparedFields, sniff: boolean): PreparedFields {
  return sniff ? prepared.concat(NOSNIFF) : prepared;
}

function rangeFields(entry: FileEntry): [string, string][] {
  return entry.identity.fields.filter(([name]) => name !== 'Content-Length' && name !== 'Content-Type') as [string, string][];
}

async function sendSingleRange(res: Response, entry: FileEntry, range: ByteRange, sniff: boolean): Promise<void> {
  const length = range.end - range.start + 1;
  const fields: [string, string][] = [['Content-Type', entry.contentType], ...rangeFields(entry), ['Content-Range', contentRange(range, entry.size)], ['Content-Length', String(length)]];
  const body = entry.identity.body;
  if (body !== null && length > LARGE_FILE_BYTES) {
    res.status = 206;
    setFields(res, fields);
    return writeInSlices(res, body.subarray(range.start, range.end + 1));
  }
  if (body !== null) {
    res.sendPrepared(206, withSniff(toPrepared(fields), sniff), body.subarray(range.start, range.end + 1));
    return;
  }
  const file = await openFile(entry.filePath);
  res.status = 206;
  setFields(res, fields);
  await streamFile(res, file, range.start, range.end);
}

async function sendMultipart(res: Response, entry: FileEntry, layout: MultipartLayout, sniff: boolean): Promise<void> {
  const fields: [string, string][] = [['Content-Type', layout.contentType], ...rangeFields(entry), ['Content-Length', String(layout.length)]];
  const body = entry.identity.body;
  if (body !== null) {
    const pieces: Buffer[] = [];
    for (const part of layout.parts) pieces.push(Buffer.from(part.head, 'latin1'), body.subarray(part.range.start, part.range.end + 1));
    pieces.push(Buffer.from(layout.tail, 'latin1'));
    res.sendPrepared(206, withSniff(toPrepared(fields), sniff), Buffer.concat(pieces, layout.length));
    return;
  }
  // Check the file opens before committing to a 206.
  (await openStream(entry.filePath, layout.parts[0]!.range)).destroy();
  res.status = 206;
  setFields(res, fields);
  const path = entry.filePath;
  async function* parts(): AsyncGenerator<Buffer> {
    for (const part of layout.parts) {
      yield Buffer.from(part.head, 'latin1');
      const stream = createReadStream(path, { start: part.range.start, end: part.range.end, highWaterMark: READ_CHUNK_BYTES });
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
      } finally {
        stream.destroy();
      }
    }
    yield Buffer.from(layout.tail, 'latin1');
  }
  await res.stream(Readable.from(parts(), { objectMode: false }));
}
