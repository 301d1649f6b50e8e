// Serves files from a document root. The request path is resolved so it can never leave the root
// (resolve-path.ts); dotfiles are 404 unless shown, and the server's own files never served
// (protected-paths.ts); folders get their first index file, a listing, or a 301 to add the trailing
// slash; everything else is sendFile's job (validators, ranges, codings).
//
// Files up to cache_file_max_bytes live in an LRU cache (file-cache.ts) keyed by the request path as
// received: small ones from their first request, large ones from their second (large-file-admission.ts).
// A hit is checked against the disk at most once per `statIntervalMs`: between checks it costs no
// syscall at all, and is written as one preformatted head plus the body buffer (one copy per byte,
// where a file from disk costs two: into memory, then into the socket).

import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { Handler } from '../server/connection.ts';
import { HttpError } from '../app/http-error.ts';
import { cacheControlFor, pathGlobMatcher, type CacheControlRule } from './cache-control.ts';
import { FileCache, type CacheStats } from './file-cache.ts';
import { safeStatter } from './safe-stat.ts';
import { hasHiddenSegment, resolveServedPath, type Resolved, type ResolvedBytes } from './resolve-path.ts';
import { buildEntry, injectionFor, signatureOf, statSiblings, type FileEntry, type HtmlInjection } from './representation.ts';
import { notFound, sendFile, type SendFileOptions } from './send-file.ts';
import { LargeFileAdmission } from './large-file-admission.ts';
import { sameFile } from './file-identity.ts';
import { directoryServer, type DirectoryOptions } from './serve-directory.ts';
import { encodeSegmentBytes, isUnder, joinName, pathText, realPath, type FsPath } from './fs-path.ts';
import { encodeSegment } from './listing.ts';
import { protectedPaths, type ProtectedPaths } from './protected-paths.ts';
import { LOOPBACK_NETWORKS, networkMatcher } from '../status/access.ts';

export interface StaticOptions {
  /** Absolute, real (symlink-free) path of the document root. */
  root: string;
  showHiddenFiles?: boolean | undefined;
  followSymlinks?: boolean | undefined;
  /** Index file name(s) for a folder URL; the first that exists wins. */
  indexFile?: string | readonly string[] | undefined;
  directoryListing?: boolean | undefined;
  /** Never served nor listed, whatever showHiddenFiles says (built once: protectedPaths()). */
  protect?: ProtectedPaths | undefined;
  /** Trusted HTML added to a folder's listing page, given the folder's encoded URL (the upload form). */
  listingExtraHtml?: ((folderUrl: string) => string) | undefined;
  /** Per-request listing view from the access rules (hidden entries, upload form only where writable). */
  listingView?: DirectoryOptions['viewFor'];
  enableBrowserCaching?: boolean | undefined;
  /** Seconds; 0 (the default) sends no-cache, so browsers revalidate. */
  browserCacheTime?: number | undefined;
  cacheControl?: readonly CacheControlRule[] | undefined;
  enableCache?: boolean | undefined;
  /** Entries. */
  cacheMaxSize?: number | undefined;
  /** Seconds. */
  cacheMaxAge?: number | undefined;
  cacheMaxBytes?: number | undefined;
  cacheFileMaxBytes?: number | undefined;
  enableCompression?: boolean | undefined;
  compressionMinSize?: number | undefined;
  /** Header names a middleware sets on every response (security_headers): the handler leaves its
   * own field of such a name out, so exactly one goes out, the configured one. */
  omitFields?: readonly string[] | undefined;
  /** How often a cached file is compared with the disk (ms); 1000 by default. */
  statIntervalMs?: number | undefined;
  /** Added to every HTML page and listing (the live-reload script); undefined for none. */
  htmlInjection?: HtmlInjection | undefined;
}

export interface StaticHandler extends Handler {
  /** Cache counters as a snapshot. */
  stats(): CacheStats;
  /** The file cache itself (live counters for the status page); null when caching is off. */
  readonly cache: FileCache<FileEntry> | null;
  /** Forgets every cached file and rendered listing: a watcher saw the files change (live reload),
   * so the next request, the reload it causes, must not get a copy up to statIntervalMs old. */
  invalidate(): void;
}

/** index_file as the list of names tried in order (one name, a list, or the default index.html). */
export function indexFileNames(indexFile: string | readonly string[] | undefined): readonly string[] {
  return typeof indexFile === 'string' ? [indexFile] : (indexFile ?? ['index.html']);
}

export function serveStatic(options: StaticOptions): StaticHandler {
  const root = options.root;
  const indexes = indexFileNames(options.indexFile);
  const protect = options.protect ?? protectedPaths(root);
  const showHidden = options.showHiddenFiles === true;
  const followSymlinks = options.followSymlinks === true;
  const statIntervalMs = options.statIntervalMs ?? 1000;
  const cacheControl = cacheControlFor({
    enableBrowserCaching: options.enableBrowserCaching ?? true,
    browserCacheTime: options.browserCacheTime ?? 0,
    rules: options.cacheControl ?? [],
  });
  // For the trace only: which key a file's Cache-Control came from (a cache_control rule, or the default).
  const cacheRules = (options.cacheControl ?? []).map((rule) => pathGlobMatcher(rule.pattern));
  const cacheControlSource = (urlPath: string): string =>
    cacheRules.some((matches) => matches(urlPath)) ? 'config cache_control' : options.enableBrowserCaching === false ? 'config enable_browser_caching' : 'config browser_cache_time';
  const representation = {
    enableCompression: options.enableCompression ?? true,
    compressionMinSize: options.compressionMinSize ?? 1024,
    omitFields: new Set((options.omitFields ?? []).map((name) => name.toLowerCase())),
    htmlInjection: options.htmlInjection,
  };
  const cache = new FileCache<FileEntry>({
    maxEntries: options.enableCache === false ? 0 : (options.cacheMaxSize ?? 100),
    maxBytes: options.cacheMaxBytes ?? 64 * 1024 * 1024,
    maxAgeMs: (options.cacheMaxAge ?? 3600) * 1000,
    maxEntryBytes: options.cacheFileMaxBytes ?? 16 * 1024 * 1024,
  });
  const cacheOn = options.enableCache !== false && (options.cacheMaxSize ?? 100) > 0;
  const admission = new LargeFileAdmission();
  const listDirectory = directoryServer({ root, showHiddenFiles: showHidden, followSymlinks, ...representation, freshMs: statIntervalMs, extraHtml: options.listingExtraHtml, protect, htmlInjection: options.htmlInjection, viewFor: options.listingView });
  const isLoopback = networkMatcher(LOOPBACK_NETWORKS);
  const listingHint = `This folder has no ${indexes.join(' or ')}, and directory listings are off. To list folders, start the server with --directory-listing or set "directory_listing": true in the config file.`;

  const safeStat = safeStatter({ root, followSymlinks, protect });

  /** Still the same file on disk? Size, mtime and inode (a swapped symlink changes the inode). */
  const stillFresh = async (entry: FileEntry): Promise<boolean> => {
    try {
      const st = await stat(entry.filePath);
      if (!sameFile(st, entry)) return false;
      if (representation.enableCompression && signatureOf(await statSiblings(entry.filePath, st)) !== entry.siblingSignature) return false;
      return true;
    } catch {
      return false;
    }
  };

  // Made once, not per request: a cached entry is keyed by its request path, so a variant added to
  // it grows the cache slot of that path; an entry served without caching accounts for nothing.
  const compression = { enabled: representation.enableCompression, minSize: representation.compressionMinSize };
  const sendCached: SendFileOptions = {
    maxInMemoryBytes: cache.maxEntryBytes,
    onGrow: (req, entry, bytes) => cache.resize(req.path, estimateBytes(entry) + bytes),
    compression,
  };
  const sendUncached: SendFileOptions = { maxInMemoryBytes: cache.maxEntryBytes, onGrow: () => {}, compression };
  const send = (req: Request, res: Response, entry: FileEntry, cached: boolean): void | Promise<void> =>
    sendFile(req, res, entry, cached ? sendCached : sendUncached);

  // A cache hit checked against the disk less than statIntervalMs ago is answered synchronously: no
  // promise, no microtask. The disk is consulted at most once per interval per file, however busy
  // the file is (the check time moves only when a check is made).
  const handler = (req: Request, res: Response): void | Promise<void> => {
    if (cacheOn) {
      const key = req.path;
      const now = Date.now();
      const entry = cache.get(key, now);
      if (entry !== undefined) {
        if (now - entry.checkedAt < statIntervalMs) {
          cache.recordHit();
          req.trace?.decide('memory-cache');
          return send(req, res, entry, true);
        }
        return revalidate(req, res, entry, key, now);
      }
    }
    return fromDisk(req, res);
  };

  // One check per entry at a time: with 50 keep-alive clients on one file, each expired interval
  // used to start 50 stats (150 with the .br/.gz siblings) through the thread pool; now the requests
  // that arrive while the check runs wait for its answer.
  const revalidate = async (req: Request, res: Response, entry: FileEntry, key: string, now: number): Promise<void> => {
    const check = (entry.checking ??= stillFresh(entry).finally(() => (entry.checking = null)));
    if (await check) {
      entry.checkedAt = now;
      cache.recordHit();
      req.trace?.decide('memory-cache');
      return send(req, res, entry, true);
    }
    // Several requests may have waited on this check: the first to get here drops the stale entry;
    // the others must not drop the fresh one it may have cached meanwhile.
    cache.deleteIf(key, entry);
    return fromDisk(req, res);
  };

  const fromDisk = async (req: Request, res: Response): Promise<void> => {
    const key = req.path;
    const resolved = resolveServedPath(root, req.path);
    if (!resolved.ok) {
      if (resolved.status === 404) req.trace?.decide('not-found');
      throw new HttpError(resolved.status, resolved.status === 400 ? 'Bad request path' : 'Not Found');
    }
    // Dotfiles are answered as absent (404), so their existence is not revealed.
    if (!showHidden && hasHiddenSegment(resolved.segments)) {
      req.trace?.decide('hidden-404');
      throw new HttpError(404, 'Not Found');
    }
    let filePath: FsPath = resolved.filePath;
    let urlPath = '/' + resolved.segments.join('/');
    let st = await safeStat(filePath, req.trace);
    if (st === null) {
      if (req.trace !== null && !req.trace.has('outside-root') && !req.trace.has('protected-404')) req.trace.decide('not-found');
      throw new HttpError(404, 'Not Found');
    }
    if (st.isDirectory()) {
      if (!req.path.endsWith('/')) {
        // A folder is addressed with its trailing slash, so relative links inside it resolve. Leading
        // slashes are collapsed: "//evil.example" must not become a protocol-relative redirect.
        const location = '/' + req.path.replace(/^\/+/, '') + '/' + (req.query === '' ? '' : `?${req.query}`);
        req.trace?.decide('folder-redirect', location);
        res.setHeader('Location', location);
        res.send(301, 'Moved Permanently\n');
        return;
      }
      const folderUrl = urlPath === '/' ? '/' : urlPath + '/';
      let found: { path: FsPath; name: string; st: Stats } | null = null;
      for (const name of indexes) {
        const indexPath = joinName(filePath, name);
        const indexStat = await safeStat(indexPath, req.trace);
        if (indexStat !== null && indexStat.isFile()) {
          found = { path: indexPath, name, st: indexStat };
          break;
        }
      }
      if (found === null) {
        if (options.directoryListing === true) {
          req.trace?.decide('listing');
          return listDirectory(req, res, filePath, folderUrl, hrefPathOf(resolved));
        }
        req.trace?.decide('no-listing');
        // The developer at this machine is told how to list the folder; anyone else learns nothing.
        throw new HttpError(404, isLoopback(req.remoteAddress) ? listingHint : 'Not Found');
      }
      req.trace?.decide('index-file', found.name);
      filePath = found.path;
      urlPath = folderUrl + found.name;
      st = found.st;
    } else if (!st.isFile()) {
      req.trace?.decide('not-found');
      throw new HttpError(404, 'Not Found'); // devices, sockets, fifos
    }

    // A miss is a file served from disk; folders, listings and errors are neither hit nor miss.
    if (cacheOn) cache.recordMiss();
    const now = Date.now();
    const repOptions = { ...representation, cacheControl: cacheControl(urlPath), maxInMemoryBytes: cache.maxEntryBytes };
    req.trace?.decideFrom(cacheControlSource(urlPath), 'cache-control', repOptions.cacheControl);
    const cacheable = cacheOn && cache.admits(st.size);
    const fill = cacheable && admission.admitNow(key, st);
    if (req.trace !== null) {
      if (!cacheOn) req.trace.decideFrom('config enable_cache', 'from-disk', 'the memory cache is off');
      else if (!cacheable) req.trace.decide('from-disk', `its ${st.size} bytes are more than cache_file_max_bytes ${cache.maxEntryBytes}, so it is not cached`);
      else if (!fill) req.trace.decideFrom('config enable_cache', 'from-disk', admission.whyNot(key));
      else req.trace.decideFrom('config enable_cache', 'from-disk', 'not in the memory cache yet; kept there for the next request');
    }
    if (fill) {
      let body: Buffer;
      try {
        body = await readFile(filePath);
      } catch (error) {
        throw notFound(error);
      } finally {
        admission.done(key);
      }
      if (body.length === st.size) {
        const entry = await buildEntry(filePath, st, body, repOptions, now);
        cache.set(key, entry, estimateBytes(entry), now);
        return send(req, res, entry, true);
      }
      // The file changed while we read it: serve what we have, cache nothing.
      return send(req, res, await buildEntry(filePath, { ...st, size: body.length } as Stats, body, repOptions, now), false);
    }
    // A page that gets an addition is read whole when it is small enough to hold, uncached, so the
    // addition goes where it belongs (before </body>); a larger one streams, the addition after it.
    if (representation.htmlInjection !== undefined && st.size <= cache.maxEntryBytes && injectionFor(filePath, representation.htmlInjection) !== null) {
      let body: Buffer;
      try {
        body = await readFile(filePath);
      } catch (error) {
        throw notFound(error);
      }
      return send(req, res, await buildEntry(filePath, { ...st, size: body.length } as Stats, body, repOptions, now), false);
    }
    return send(req, res, await buildEntry(filePath, st, null, repOptions, now), false);
  };

  const invalidate = (): void => {
    cache.clear();
    admission.clear();
    listDirectory.clear();
  };
  return Object.assign(handler, { stats: () => cache.stats(), cache: cacheOn ? cache : null, invalidate });
}

/** A folder's URL path percent-encoded from its real name bytes, ending in "/". */
function hrefPathOf(resolved: (Resolved | ResolvedBytes) & { ok: true }): string {
  const segments = 'rawSegments' in resolved ? resolved.rawSegments.map(encodeSegmentBytes) : resolved.segments.map(encodeSegment);
  return segments.length === 0 ? '/' : `/${segments.join('/')}/`;
}

/** Bytes an entry holds: its body, its compressed variants, and a little for headers and keys. */
function estimateBytes(entry: FileEntry): number {
  let bytes = 512 + 2 * entry.identity.prepared.lines.length;
  if (entry.identity.body !== null) bytes += entry.identity.body.length;
  for (const v of entry.variants.values()) if (!(v instanceof Promise) && v !== entry.identity && v.body !== null) bytes += v.body.length;
  return bytes;
}
