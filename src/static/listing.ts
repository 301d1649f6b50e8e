// Directory listings: reading a folder into entries, sorting and filtering them, and the query
// options (?sort=name|size|modified&order=asc|desc&filter=…&format=json). Rendering lives in
// listing-html.ts and listing-json.ts, so the two forms always show the same entries.

import { isUtf8 } from 'node:buffer';
import { lstat, opendir, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { contentTypeFor } from './mime.ts';
import { isHiddenName } from './resolve-path.ts';
import { encodeSegmentBytes, isUnder, joinName, pathText, realPath, type FsPath } from './fs-path.ts';
import type { ProtectedPaths } from './protected-paths.ts';

export interface ListingEntry {
  /** The name as text; bytes that are not UTF-8 show as U+FFFD. */
  name: string;
  /** The name percent-encoded from its real bytes, for links. */
  href: string;
  isDirectory: boolean;
  /** Bytes; 0 for folders. */
  size: number;
  mtimeMs: number;
  /** The Content-Type the file would be served with ('' for folders). */
  contentType: string;
}

export type SortKey = 'name' | 'size' | 'modified';
export type SortOrder = 'asc' | 'desc';

export interface ListingQuery {
  sort: SortKey;
  order: SortOrder;
  /** Case-insensitive substring filter on names ('' for none). */
  filter: string;
  format: 'html' | 'json' | null;
  /** 1-based page of LISTING_PAGE_SIZE entries (clamped to the last page when rendering). */
  page: number;
}

export interface ReadListingOptions {
  /** The real document root (symlink targets must stay under it unless followSymlinks). */
  root: string;
  showHiddenFiles: boolean;
  followSymlinks: boolean;
  /** Whether this folder is the document root (".well-known" is only public there). */
  atRoot: boolean;
  /** Never listed, whatever showHiddenFiles says (state folder, logs, config file, temp files). */
  protect?: ProtectedPaths | undefined;
}

/**
 * Entries per listing page. A browser paints a page of this many rows at once; 10,000 rows on one
 * page took Chromium 0.6–1 s to first paint and 2 s to DOMContentLoaded, so big folders are paged.
 */
export const LISTING_PAGE_SIZE = 1000;

/** Folders with more entries than this are listed only up to it (a listing is a page, not a dump). */
export const MAX_LISTING_ENTRIES = 10_000;

export async function readListing(dirPath: FsPath, options: ReadListingOptions): Promise<ListingEntry[]> {
  const rootPrefix = options.root.endsWith(sep) ? options.root : options.root + sep;
  const isProtected = options.protect?.namesIn(pathText(dirPath)) ?? (() => false);
  const entries: ListingEntry[] = [];
  // Names as bytes (the types only know text encodings): a name that is not UTF-8 is listed and
  // linked by its real bytes instead of being mangled into a name no file has.
  const dir = await opendir(dirPath as string, { bufferSize: 128, encoding: 'buffer' as BufferEncoding });
  const pending: Promise<void>[] = [];
  for await (const dirent of dir) {
    const raw = dirent.name as unknown as Buffer;
    const text = isUtf8(raw);
    const name = raw.toString('utf8');
    if (!options.showHiddenFiles && isHiddenName(name, options.atRoot)) continue;
    if (isProtected(name)) continue;
    if (entries.length + pending.length >= MAX_LISTING_ENTRIES) break;
    const full = joinName(dirPath, text ? name : raw);
    pending.push(
      (async () => {
        try {
          let st = dirent.isSymbolicLink() ? await stat(full) : await lstat(full);
          if (dirent.isSymbolicLink() && (!options.followSymlinks || options.protect !== undefined)) {
            // A link leaving the root is not served, so it is not listed either; nor is one to a protected file.
            const real = await realPath(full);
            if (!options.followSymlinks && !isUnder(real, options.root, rootPrefix)) return;
            if (options.protect?.has(pathText(real)) === true) return;
            st = await stat(real);
          }
          if (!st.isFile() && !st.isDirectory()) return; // sockets, fifos, devices: not served
          entries.push({
            name,
            href: text ? encodeSegment(name) : encodeSegmentBytes(raw),
            isDirectory: st.isDirectory(),
            size: st.isDirectory() ? 0 : st.size,
            mtimeMs: st.mtimeMs,
            contentType: st.isDirectory() ? '' : contentTypeFor(name),
          });
        } catch {
          // Broken link or the entry vanished meanwhile: leave it out.
        }
      })(),
    );
    if (pending.length >= 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return entries;
}

const SORT_KEYS: readonly SortKey[] = ['name', 'size', 'modified'];

export function parseListingQuery(query: string): ListingQuery {
  const params = new URLSearchParams(query);
  const sortParam = (params.get('sort') ?? '').toLowerCase();
  const sort: SortKey = sortParam === 'mtime' || sortParam === 'date' ? 'modified' : SORT_KEYS.includes(sortParam as SortKey) ? (sortParam as SortKey) : 'name';
  const orderParam = (params.get('order') ?? '').toLowerCase();
  // Sizes and dates read best newest/biggest first; names A→Z.
  const order: SortOrder = orderParam === 'asc' || orderParam === 'desc' ? orderParam : sort === 'name' ? 'asc' : 'desc';
  const formatParam = (params.get('format') ?? '').toLowerCase();
  return {
    sort,
    order,
    filter: (params.get('filter') ?? '').slice(0, 200),
    format: formatParam === 'json' ? 'json' : formatParam === 'html' ? 'html' : null,
    page: pageNumber(params.get('page')),
  };
}

/** ?page=N: a positive integer, else 1 (a bad or absurd number is not worth an error page). */
function pageNumber(text: string | null): number {
  if (text === null || !/^[1-9]\d{0,8}$/.test(text)) return 1;
  return Number(text);
}

/** The part of the sorted entries on one page, and where that page sits. */
export function pageOf<T>(entries: readonly T[], page: number, pageSize = LISTING_PAGE_SIZE): { items: readonly T[]; page: number; pages: number; first: number } {
  const pages = Math.max(1, Math.ceil(entries.length / pageSize));
  const current = Math.min(page, pages);
  const first = (current - 1) * pageSize;
  return { items: entries.slice(first, first + pageSize), page: current, pages, first };
}

// Created on the first sort, not at load: a collator maps ICU's collation data (about 3 MB of
// resident memory), which a server that never lists a folder should not pay for.
let collator: Intl.Collator | undefined;

/** Folders first, then by the key; ties by name so the order is stable and predictable. */
export function sortEntries(entries: readonly ListingEntry[], sort: SortKey, order: SortOrder): ListingEntry[] {
  const dir = order === 'asc' ? 1 : -1;
  collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const { compare } = collator;
  return [...entries].sort((a, b) => {
    if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1;
    const byName = compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    let c = 0;
    if (sort === 'size') c = a.size - b.size;
    else if (sort === 'modified') c = a.mtimeMs - b.mtimeMs;
    else return byName * dir;
    // Equal sizes or dates (all folders, say) stay in name order whichever way the column runs.
    return c === 0 ? byName : c * dir;
  });
}

export function filterEntries(entries: readonly ListingEntry[], filter: string): ListingEntry[] {
  if (filter === '') return [...entries];
  const needle = filter.toLowerCase();
  return entries.filter((e) => e.name.toLowerCase().includes(needle));
}

/** "1.5 KiB" style sizes (binary units, as `ls -h` and nginx autoindex use). */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]!}`;
}

/** Percent-encodes one path segment for an href (RFC 3986 §3.3): everything but unreserved and a few
 * sub-delims stays readable; "#", "?", "%", "/" and spaces are always encoded. */
export function encodeSegment(name: string): string {
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
