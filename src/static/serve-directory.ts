// Serves a directory listing (HTML or JSON, chosen by ?format= or by Accept), with a short-lived
// cache of rendered pages: a listing is re-read at most once per interval (1 s by default), so a
// busy folder costs one readdir per second rather than one per request.

import { createHash } from 'node:crypto';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { prefersJson } from '../app/error-response.ts';
import { compressBuffer, negotiateEncoding, CODINGS, type Coding } from '../middleware/compression.ts';
import { evaluateConditionals } from './conditional.ts';
import { filterEntries, pageOf, parseListingQuery, readListing, sortEntries, type ReadListingOptions } from './listing.ts';
import { listingCsp, renderListingHtml } from './listing-html.ts';
import { stat } from 'node:fs/promises';
import { renderListingJson } from './listing-json.ts';
import { NOSNIFF, toPrepared, withoutFields, type HtmlInjection } from './representation.ts';
import { PreparedFields } from '../server/response-wire.ts';
import type { FsPath } from './fs-path.ts';
import type { ProtectedPaths } from './protected-paths.ts';

export interface DirectoryOptions {
  root: string;
  showHiddenFiles: boolean;
  followSymlinks: boolean;
  enableCompression: boolean;
  compressionMinSize: number;
  /** How long a rendered listing is reused at most (ms): file sizes change without touching the
   * folder's mtime, so even an unchanged folder is re-read after this. */
  freshMs: number;
  /** Trusted HTML for the page of a folder (given its encoded URL path), e.g. the upload form. */
  extraHtml?: ((folderUrl: string) => string) | undefined;
  /** Never listed (state folder, logs, config file, temp files). */
  protect?: ProtectedPaths | undefined;
  /** Field names (lower case) a middleware sets on every response: left out of the listing's heads. */
  omitFields?: ReadonlySet<string> | undefined;
  /** Added to every HTML listing (the live-reload script, allowed by the page's policy as 'self'). */
  htmlInjection?: HtmlInjection | undefined;
  /** Per-request view (access rules): which entries and whether extraHtml show; null shows all. */
  viewFor?: ((req: Request, urlPath: string) => ListingAccessView | null) | null | undefined;
}

/** What a listing shows to one request (access rules): the entries it may read, the form where it may write. */
export interface ListingAccessView {
  /** Requests with the same key see the same page (a rendered listing is reused between them). */
  key: string;
  /** Whether the entry at this decoded URL path ("/docs/a.txt", "/docs/sub/") is shown. */
  showEntry(path: string): boolean;
  /** Whether the extra HTML (the upload form) is shown. */
  showExtra: boolean;
}

/** Lists the folder at dirPath; urlPath is its decoded URL path and hrefPath the encoded one, both ending in "/". */
export type DirectoryServer = ((req: Request, res: Response, dirPath: FsPath, urlPath: string, hrefPath: string) => Promise<void>) & {
  /** Forgets every rendered listing (a watcher saw a change: the next request reads the folder). */
  clear(): void;
};

interface RenderedListing {
  body: Buffer;
  /** The listing's fields without Content-Length (name, value, …). */
  fields: readonly string[];
  notModified: PreparedFields;
  etag: string;
  createdAt: number;
  /** The folder's mtime when read: an entry added or removed (an upload) shows at once. */
  dirMtimeMs: number;
  encoded: Map<Coding, Promise<Buffer>>;
}

const MAX_RENDERED = 256;

export function directoryServer(options: DirectoryOptions): DirectoryServer {
  const rendered = new Map<string, RenderedListing>();
  const rendering = new Map<string, Promise<RenderedListing>>();
  const readOptions: Omit<ReadListingOptions, 'atRoot'> = { root: options.root, showHiddenFiles: options.showHiddenFiles, followSymlinks: options.followSymlinks, protect: options.protect };

  async function render(dirPath: FsPath, urlPath: string, hrefPath: string, query: ReturnType<typeof parseListingQuery>, json: boolean, now: number, dirMtimeMs: number, shown: ListingAccessView | null): Promise<RenderedListing> {
    const read = await readListing(dirPath, { ...readOptions, atRoot: urlPath === '/' });
    const all = shown === null ? read : read.filter((e) => shown.showEntry(`${urlPath}${e.name}${e.isDirectory ? '/' : ''}`));
    const matching = sortEntries(filterEntries(all, query.filter), query.sort, query.order);
    // Sorted and filtered over the whole folder, then cut into pages (a page is what a browser can paint at once).
    const { items, page, pages } = pageOf(matching, query.page);
    const extraHtml = json || options.extraHtml === undefined || shown?.showExtra === false ? '' : options.extraHtml(hrefPath);
    const view = { urlPath, hrefPath, entries: items, query, total: all.length, matched: matching.length, page, pages, extraHtml };
    const inject = options.htmlInjection;
    const body = Buffer.from(json ? renderListingJson(view) : inject === undefined ? renderListingHtml(view) : inject.text(renderListingHtml(view)));
    const etag = `W/"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
    const validators: [string, string][] = [['ETag', etag], ['Cache-Control', 'no-cache'], ['Vary', 'Accept, Accept-Encoding']];
    const fields: [string, string][] = [['Content-Type', json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8'], ...validators];
    if (!json) fields.push(['Content-Security-Policy', listingCsp(extraHtml, inject !== undefined)]);
    const omit = options.omitFields ?? new Set<string>();
    return { body, fields: withoutFields(fields, omit).flat(), notModified: toPrepared(withoutFields(validators, omit)), etag, createdAt: now, dirMtimeMs, encoded: new Map() };
  }

  const serve = async (req: Request, res: Response, dirPath: FsPath, urlPath: string, hrefPath: string): Promise<void> => {
    const query = parseListingQuery(req.query);
    const json = query.format === 'json' || (query.format === null && prefersJson(req));
    // Keyed by the encoded path: two byte names that differ only in undecodable bytes stay apart.
    const view = options.viewFor?.(req, urlPath) ?? null;
    const key = `${hrefPath}\0${json ? 'j' : 'h'}\0${query.sort}\0${query.order}\0${query.page}\0${query.filter}${view === null ? '' : `\0${view.key}`}`;
    const now = Date.now();
    let listing = rendered.get(key);
    // One stat per request keeps the page exact when entries come and go (far cheaper than a render).
    const dirMtimeMs = (await stat(dirPath)).mtimeMs;
    if (listing === undefined || now - listing.createdAt >= options.freshMs || listing.dirMtimeMs !== dirMtimeMs) {
      // One render per folder at a time: concurrent requests share it rather than each reading the
      // folder (a busy listing would otherwise re-read it once per waiting request, every second).
      let pending = rendering.get(key);
      if (pending === undefined) {
        pending = render(dirPath, urlPath, hrefPath, query, json, now, dirMtimeMs, view).finally(() => rendering.delete(key));
        rendering.set(key, pending);
      }
      listing = await pending;
      if (rendered.size >= MAX_RENDERED) rendered.clear();
      rendered.set(key, listing);
    }
    const sniff = !res.hasHeader('X-Content-Type-Options');
    const ifNoneMatch = req.header('if-none-match');
    if (ifNoneMatch !== undefined && evaluateConditionals(req.method, { ifNoneMatch }, { etag: listing.etag, lastModifiedMs: 0 }) === 'not-modified') {
      res.sendPrepared(304, listing.notModified, null);
      return;
    }
    let body = listing.body;
    let coded = '';
    if (options.enableCompression && body.length >= options.compressionMinSize) {
      const coding = negotiateEncoding(req.header('accept-encoding'), CODINGS);
      if (coding !== 'identity') {
        let pending = listing.encoded.get(coding);
        if (pending === undefined) {
          pending = compressBuffer(body, coding);
          listing.encoded.set(coding, pending);
        }
        body = await pending;
        coded = coding;
      }
    }
    const fields = [...listing.fields];
    if (coded !== '') fields.push('Content-Encoding', coded);
    if (sniff) fields.push(...NOSNIFF);
    fields.push('Content-Length', String(body.length));
    res.sendPrepared(200, new PreparedFields(fields), body);
  };
  return Object.assign(serve, { clear: () => rendered.clear() });
}
