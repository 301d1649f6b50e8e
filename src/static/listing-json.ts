// The JSON form of a directory listing (?format=json or Accept: application/json): the same entries,
// in the same order and pages, as the HTML page.

import { encodeSegment, LISTING_PAGE_SIZE, type ListingEntry, type ListingQuery } from './listing.ts';

export interface ListingView {
  /** The folder's decoded URL path, ending in "/" (bytes that are not UTF-8 show as U+FFFD). */
  urlPath: string;
  /** The same path percent-encoded from the real bytes, for links. */
  hrefPath: string;
  /** Entries of this page, already filtered and sorted. */
  entries: readonly ListingEntry[];
  query: ListingQuery;
  /** Entries in the folder before filtering. */
  total: number;
  /** Entries that pass the filter, on every page. */
  matched: number;
  /** The page shown (1-based, clamped) and the number of pages. */
  page: number;
  pages: number;
  /** Trusted HTML added below the table (the upload form); the HTML page only. */
  extraHtml?: string;
}

/** The folder's URL path with each segment percent-encoded, for links. */
export function encodePath(urlPath: string): string {
  return urlPath.split('/').map(encodeSegment).join('/');
}

/** A query string ("?a=1&b=2", or "" when every value is empty or default). */
export function queryString(params: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  return q === '' ? '' : `?${q}`;
}

/** The link to another page of the same listing (same sort, order, filter and format). */
export function pageLink(view: ListingView, page: number, format = ''): string {
  const { query } = view;
  // Defaults are left out, so the links stay short: "?page=2" for the usual name order.
  const defaultOrder = query.sort === 'name' ? 'asc' : 'desc';
  return queryString({ sort: query.sort === 'name' ? '' : query.sort, order: query.order === defaultOrder ? '' : query.order, filter: query.filter, format, page: page === 1 ? '' : String(page) }) || '?';
}

export function renderListingJson(view: ListingView): string {
  const base = view.hrefPath;
  const link = (page: number): string | null => (page < 1 || page > view.pages ? null : base + pageLink(view, page, 'json'));
  return (
    JSON.stringify({
      path: view.urlPath,
      parent: view.urlPath === '/' ? null : view.urlPath.replace(/[^/]+\/$/, ''),
      sort: view.query.sort,
      order: view.query.order,
      filter: view.query.filter,
      total: view.total,
      matched: view.matched,
      page: view.page,
      pages: view.pages,
      pageSize: LISTING_PAGE_SIZE,
      prev: link(view.page - 1),
      next: link(view.page + 1),
      entries: view.entries.map((e) => ({
        name: e.name,
        type: e.isDirectory ? 'directory' : 'file',
        size: e.isDirectory ? null : e.size,
        modified: new Date(e.mtimeMs).toISOString(),
        href: base + e.href + (e.isDirectory ? '/' : ''),
        ...(e.isDirectory ? {} : { contentType: e.contentType }),
      })),
    }, null, 2) + '\n'
  );
}
