// Content codings for responses: Accept-Encoding negotiation (RFC 9110 §12.5.3) and the brotli and
// gzip coders. Static serving uses these to pick a precompressed sibling (file.br, file.gz), a cached
// compressed variant, or to compress a stream on the fly.
//
// Compressing is worth it only for compressible types (text, JSON, SVG, wasm, …) above a size
// threshold; already-compressed types (images, video, archives, fonts like woff2) and partial
// responses (Range) are always sent as they are.

import { brotliCompress, constants, createBrotliCompress, createGzip, gzip, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import { promisify } from 'node:util';
import type { Transform } from 'node:stream';

export type Coding = 'br' | 'gzip';
export const CODINGS: readonly Coding[] = ['br', 'gzip'];

/**
 * The best coding from `available` that the client accepts, or 'identity'.
 * Accept-Encoding = #( codings [ weight ] ); "*" stands for any coding not named; q=0 means "not
 * acceptable"; x-gzip is gzip (§8.4.1.3). Ties go to brotli (smaller). Without the header, any
 * coding is acceptable (§12.5.3), but we send identity: clients that do not ask rarely decode.
 */
export function negotiateEncoding(acceptEncoding: string | undefined, available: readonly Coding[]): Coding | 'identity' {
  if (acceptEncoding === undefined || available.length === 0) return 'identity';
  const q = codingWeights(acceptEncoding);
  const star = q.get('*');
  let best: Coding | 'identity' = 'identity';
  let bestQ = 0;
  for (const coding of available) {
    const w = q.get(coding) ?? star ?? 0;
    if (w > bestQ) {
      best = coding;
      bestQ = w;
    }
  }
  return best;
}

/** Each coding Accept-Encoding names, with its weight (q, 1 when not given); the highest of repeats. */
function codingWeights(acceptEncoding: string): Map<string, number> {
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    let name = rawName.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m !== null) weight = Math.min(1, Number(m[1]));
    }
    q.set(name, Math.max(q.get(name) ?? 0, weight));
  }
  return q;
}

/** The weight Accept-Encoding gives `coding` (named, or through "*"); 0 when not acceptable. */
export function codingWeight(acceptEncoding: string | undefined, coding: Coding): number {
  if (acceptEncoding === undefined) return 0;
  const q = codingWeights(acceptEncoding);
  return q.get(coding) ?? q.get('*') ?? 0;
}

/** Cached variants are made once and served many times: a higher brotli quality pays off. */
const BROTLI_BUFFER: BrotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } };
// Streams are compressed while the client waits: a fast setting keeps throughput up.
const BROTLI_STREAM: BrotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
const GZIP: ZlibOptions = { level: 6 };

const brotliAsync = promisify(brotliCompress) as (buf: Buffer, options: BrotliOptions) => Promise<Buffer>;
const gzipAsync = promisify(gzip) as (buf: Buffer, options: ZlibOptions) => Promise<Buffer>;

/** Compresses a whole buffer off the main thread (zlib's thread pool). */
export function compressBuffer(body: Buffer, coding: Coding): Promise<Buffer> {
  if (coding === 'br') return brotliAsync(body, { ...BROTLI_BUFFER, params: { ...BROTLI_BUFFER.params, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  return gzipAsync(body, GZIP);
}

export function createCompressor(coding: Coding): Transform {
  return coding === 'br' ? createBrotliCompress(BROTLI_STREAM) : createGzip(GZIP);
}

/** The file-name suffix of a precompressed sibling. */
export function siblingSuffix(coding: Coding): string {
  return coding === 'br' ? '.br' : '.gz';
}
