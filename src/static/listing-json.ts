// The JSON form of a directory listing (?format=json or Accept: application/json): the same entries,
// in the same order, as the HTML page.

import { encodeSegment, type ListingEntry, type ListingQuery } from './listing.ts';

export interface ListingView {
  /** The folder's decoded URL path, ending in "/". */
  urlPath: string;
  /** Entries to show, already filtered and sorted. */
  entries: readonly ListingEntry[];
  query: ListingQuery;
  /** Entries in the folder before filtering. */
  total: number;
  /** Trusted HTML added below the table (the upload form); the HTML page only. */
  extraHtml?: string;
}

/** The folder's URL path with each segment percent-encoded, for links. */
export function encodePath(urlPath: string): string {
  return urlPath.split('/').map(encodeSegment).join('/');
}

export function renderListingJson(view: ListingView): string {
  const base = encodePath(view.urlPath);
  return (
    JSON.stringify({
      path: view.urlPath,
      parent: view.urlPath === '/' ? null : view.urlPath.replace(/[^/]+\/$/, ''),
      sort: view.query.sort,
      order: view.query.order,
      filter: view.query.filter,
      total: view.total,
      entries: view.entries.map((e) => ({
        name: e.name,
        type: e.isDirectory ? 'directory' : 'file',
        size: e.isDirectory ? null : e.size,
        modified: new Date(e.mtimeMs).toISOString(),
        href: base + encodeSegment(e.name) + (e.isDirectory ? '/' : ''),
        ...(e.isDirectory ? {} : { contentType: e.contentType }),
      })),
    }, null, 2) + '\n'
  );
}
