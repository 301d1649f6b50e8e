// What we know about one file, computed once per file (and kept in the cache for small files): its
// type, validators, Cache-Control, the preformatted header lines of each representation (identity,
// brotli, gzip), and where each one's bytes come from (memory, the file, a precompressed sibling, or
// a compressor fed from the file). Per-request work is then choosing a representation and writing.

import { lstat, readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { CODINGS, compressBuffer, siblingSuffix, type Coding } from '../middleware/compression.ts';
import { makeEtag, variantEtag } from './etag.ts';
import { typeInfoFor } from './mime.ts';
import { pathText, withSuffix, type FsPath } from './fs-path.ts';
import { LARGE_FILE_BYTES } from './large-file-admission.ts';
import { PreparedFields } from '../server/response-wire.ts';

export interface Variant {
  coding: Coding | 'identity';
  etag: string;
  /** Byte length; -1 when unknown (compressed while streaming). */
  size: number;
  /** The bytes, when held in memory. */
  body: Buffer | null;
  /** The file to read when not in memory (the file itself or its .br/.gz sibling); null when the
   * body is the identity file run through a compressor. */
  path: FsPath | null;
  /** Header fields of a full (200) response, Content-Length included when known. nosniff excluded:
   * it is added unless a middleware already set it. */
  fields: readonly (readonly [string, string])[];
  /** The same fields prepared for Response.sendPrepared (flat, and as HTTP/1.1 lines). */
  prepared: PreparedFields;
  /** prepared with X-Content-Type-Options: nosniff, for a response no middleware gave one. */
  preparedSniff: PreparedFields;
  /** Fields of a 304 (RFC 9110 §15.4.5: the validators, Cache-Control and Vary). */
  notModified: PreparedFields;
  /** Bytes sent after the file's when the body streams from `path` (an HTML addition, see HtmlInjection). */
  tail: Buffer | null;
}

/**
 * Something added to every HTML page (the live-reload script tag), decided at start-up: absent, the
 * static server pays nothing for it. The page then differs from the file: its own length and entity
 * tag, no Range (offsets into the file would not be offsets into the page; RFC 9110 §14.2 lets a
 * server ignore Range), no precompressed sibling (it holds the file's bytes), compression of the page.
 */
export interface HtmlInjection {
  /** The page's bytes with the addition (a page held in memory). */
  bytes(body: Buffer): Buffer;
  /** The same for a page made as text (a directory listing, an error page). */
  text(html: string): string;
  /** Appended to a page streamed from disk (one too large to hold in memory). */
  tail: Buffer;
  /** Added to the entity-tag, so a validator of the plain file never matches the page (§8.8.3). */
  etagSuffix: string;
}

export interface FileEntry {
  filePath: FsPath;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
  contentType: string;
  lastModified: string;
  cacheControl: string;
  /** Field names (lower case) left out of the prepared heads: a middleware sets them (StaticOptions.omitFields). */
  omitFields: ReadonlySet<string>;
  /** Codings this file can be sent in (precompressed siblings, or compression on the fly). */
  negotiable: readonly Coding[];
  identity: Variant;
  variants: Map<Coding, Variant | Promise<Variant>>;
  /** False for a page with an HTML addition: a Range is ignored and the whole page sent. */
  ranges: boolean;
  /** Size/mtime of the .br and .gz siblings, to notice when they change. */
  siblingSignature: string;
  siblings: Partial<Record<Coding, Stats>>;
  /** When the file was last checked against the disk (ms). */
  checkedAt: number;
  /** The check against the disk under way, shared by the requests that arrive while it runs. */
  checking: Promise<boolean> | null;
}

export interface RepresentationOptions {
  cacheControl: string;
  omitFields?: ReadonlySet<string>;
  enableCompression: boolean;
  compressionMinSize: number;
  /** Precompressed siblings smaller than this are loaded into memory for cached files. */
  maxInMemoryBytes: number;
  /** Added to HTML pages (live reload); undefined for none. */
  htmlInjection?: HtmlInjection | undefined;
}

/** The addition a file of this path gets: the injection for text/html, else null. */
export function injectionFor(filePath: FsPath, injection: HtmlInjection | undefined): HtmlInjection | null {
  return injection !== undefined && typeInfoFor(pathText(filePath)).header.startsWith('text/html') ? injection : null;
}

/** X-Content-Type-Options: nosniff (name, value), added when no middleware set the field. */
export const NOSNIFF: readonly string[] = Object.freeze(['X-Content-Type-Options', 'nosniff']);

/** Fields as pairs, prepared for Response.sendPrepared. */
export function toPrepared(fields: readonly (readonly [string, string])[]): PreparedFields {
  return new PreparedFields(fields.flat());
}

const NO_FIELDS: ReadonlySet<string> = new Set();

/** The fields without those named in omit (lower case): one field of a name goes out, the middleware's. */
export function withoutFields(fields: [string, string][], omit: ReadonlySet<string>): [string, string][] {
  return omit.size === 0 ? fields : fields.filter(([name]) => !omit.has(name.toLowerCase()));
}

function makeVariant(entry: Omit<FileEntry, 'identity' | 'variants'>, coding: Coding | 'identity', etag: string, size: number, body: Buffer | null, path: FsPath | null, tail: Buffer | null = null): Variant {
  let validators: [string, string][] = [['ETag', etag], ['Last-Modified', entry.lastModified], ['Cache-Control', entry.cacheControl]];
  if (entry.negotiable.length > 0) validators.push(['Vary', 'Accept-Encoding']);
  let fields: [string, string][] = [['Content-Type', entry.contentType], ...validators];
  if (entry.ranges) fields.push(['Accept-Ranges', 'bytes']);
  if (coding !== 'identity') fields.push(['Content-Encoding', coding]);
  if (size >= 0) fields.push(['Content-Length', String(size)]);
  validators = withoutFields(validators, entry.omitFields);
  fields = withoutFields(fields, entry.omitFields);
  const prepared = toPrepared(fields);
  return { coding, etag, size, body, path, fields, prepared, preparedSniff: prepared.concat(NOSNIFF), notModified: toPrepared(validators), tail };
}

/** A sibling counts only when it is a regular file (not a link that could lead out of the root) and
 * not older than the file it stands for (a stale .gz must not hide a newer original). */
async function statSibling(filePath: FsPath, coding: Coding, original: Stats): Promise<Stats | undefined> {
  try {
    const st = await lstat(withSuffix(filePath, siblingSuffix(coding)));
    return st.isFile() && st.mtimeMs >= original.mtimeMs ? st : undefined;
  } catch {
    return undefined;
  }
}

export function signatureOf(siblings: Partial<Record<Coding, Stats | undefined>>): string {
  let s = '';
  for (const c of CODINGS) {
    const st = siblings[c];
    s += st === undefined ? '-;' : `${st.size}:${st.mtimeMs};`;
  }
  return s;
}

export async function statSiblings(filePath: FsPath, st: Stats): Promise<Partial<Record<Coding, Stats>>> {
  const out: Partial<Record<Coding, Stats>> = {};
  const [br, gz] = await Promise.all([statSibling(filePath, 'br', st), statSibling(filePath, 'gzip', st)]);
  if (br !== undefined) out.br = br;
  if (gz !== undefined) out.gzip = gz;
  return out;
}

export async function buildEntry(filePath: FsPath, st: Stats, body: Buffer | null, options: RepresentationOptions, now: number): Promise<FileEntry> {
  const info = typeInfoFor(pathText(filePath));
  const inject = injectionFor(filePath, options.htmlInjection);
  const siblings = options.enableCompression ? await statSiblings(filePath, st) : {};
  // The page as sent: the file, or the file with the addition (in memory, or streamed then the tail).
  const page = inject === null || body === null ? body : inject.bytes(body);
  const size = inject === null ? st.size : page !== null ? page.length : st.size + inject.tail.length;
  const usable = inject === null ? siblings : {};
  const dynamic = options.enableCompression && info.compressible && size >= options.compressionMinSize;
  const negotiable = CODINGS.filter((c) => dynamic || usable[c] !== undefined);
  const base = {
    filePath,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
    dev: st.dev,
    contentType: info.header,
    lastModified: new Date(st.mtimeMs).toUTCString(),
    cacheControl: options.cacheControl,
    omitFields: options.omitFields ?? NO_FIELDS,
    negotiable,
    ranges: inject === null,
    // The signature of every sibling, used or not: a change of one is a change of the entry (stillFresh).
    siblingSignature: signatureOf(siblings),
    siblings: usable,
    checkedAt: now,
    checking: null,
  };
  const tail = inject !== null && page === null ? inject.tail : null;
  const identity = makeVariant(base, 'identity', makeEtag(st.size, st.mtimeMs, inject?.etagSuffix ?? ''), size, page, filePath, tail);
  return { ...base, identity, variants: new Map() };
}

/**
 * The entry's representation in `coding`, made on first use: a precompressed sibling if there is
 * one, else the identity bytes compressed (in memory when the file is cached, else as a stream).
 * `onGrow` reports bytes added to a cached entry, so the cache can account for them.
 */
export function variantFor(entry: FileEntry, coding: Coding, maxInMemoryBytes: number, onGrow: (bytes: number) => void): Variant | Promise<Variant> {
  const known = entry.variants.get(coding);
  if (known !== undefined) return known;
  const cached = entry.identity.body !== null;
  const sibling = entry.siblings[coding];
  let made: Variant | Promise<Variant>;
  if (sibling !== undefined) {
    const path = withSuffix(entry.filePath, siblingSuffix(coding));
    const etag = makeEtag(sibling.size, sibling.mtimeMs, coding === 'br' ? '-br' : '-gz');
    if (cached && sibling.size <= maxInMemoryBytes) {
      made = readFile(path).then(
        (buf) => {
          onGrow(buf.length);
          return makeVariant(entry, coding, etag, buf.length, buf, null);
        },
        () => makeVariant(entry, coding, etag, sibling.size, null, path),
      );
    } else made = makeVariant(entry, coding, etag, sibling.size, null, path);
  } else if (cached && entry.identity.size <= LARGE_FILE_BYTES) {
    // A large cached body is compressed as a stream per request instead: brotli at quality 9 takes
    // seconds over 16 MiB of text, and the request that asked first would wait for all of it.
    made = compressBuffer(entry.identity.body!, coding).then((buf) => {
      // Incompressible after all (already-compressed data with a text-ish name): identity is better.
      if (buf.length >= entry.identity.size) return entry.identity;
      onGrow(buf.length);
      return makeVariant(entry, coding, variantEtag(entry.identity.etag, coding), buf.length, buf, null);
    });
  } else {
    return makeVariant(entry, coding, variantEtag(entry.identity.etag, coding), -1, null, null);
  }
  entry.variants.set(coding, made);
  if (made instanceof Promise) void made.then((v) => entry.variants.set(coding, v), () => entry.variants.delete(coding));
  return made;
}
