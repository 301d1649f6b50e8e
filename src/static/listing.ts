// Directory listings: reading a folder into entries, sorting and filtering them, and the query
// options (?sort=name|size|modified&order=asc|desc&filter=…&format=json). Rendering lives in
// listing-html.ts and listing-json.ts, so the two forms always show the same entries.

import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { contentTypeFor } from './mime.ts';
import { isHiddenName } from './resolve-path.ts';

export interface ListingEntry {
  name: string;
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
}

export interface ReadListingOptions {
  /** The real document root (symlink targets must stay under it unless followSymlinks). */
  root: string;
  showHiddenFiles: boolean;
  followSymlinks: boolean;
  /** Whether this folder is the document root (".well-known" is only public there). */
  atRoot: boolean;
}

/** Folders with more entries than this are listed only up to it (a listing is a page, not a dump). */
export const MAX_LISTING_ENTRIES = 10_000;

export async function readListing(dirPath: string, options: ReadListingOptions): Promise<ListingEntry[]> {
  const rootPrefix = options.root.endsWith(sep) ? options.root : options.root + sep;
  const entries: ListingEntry[] = [];
  const dir = await opendir(dirPath, { bufferSize: 128 });
  const pending: Promise<void>[] = [];
  for await (const dirent of dir) {
    const name = dirent.name;
    if (!options.showHiddenFiles && isHiddenName(name, options.atRoot)) continue;
    if (entries.length + pending.length >= MAX_LISTING_ENTRIES) break;
    const full = join(dirPath, name);
    pending.push(
      (async () => {
        try {
          let st = dirent.isSymbolicLink() ? await stat(full) : await lstat(full);
          if (dirent.isSymbolicLink() && !options.followSymlinks) {
            // A link leaving the root is not served, so it is not listed either.
            const real = await realpath(full);
            if (real !== options.root && !real.startsWith(rootPrefix)) return;
            st = await stat(real);
          }
          if (!st.isFile() && !st.isDirectory()) return; // sockets, fifos, devices: not served
          entries.push({
            name,
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
  };
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
