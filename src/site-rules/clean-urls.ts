// Clean URLs, the redirect half: with clean_urls on, `/about` serves about.html (withFallback in
// site-rules.ts), and a GET/HEAD for `/about.html` answers 301 to `/about`, so that a page has one
// URL (serve's cleanUrls, Netlify's pretty URLs). `/dir/index.html` goes to `/dir/`.
//
// A redirect is sent only when the clean URL leads back to the same file, so that it can never
// point at a 404 or at another file:
//   - `/x/name.html` must be a file the static handler would serve (the same refusals, safe-stat.ts:
//     outside the root, the server's own files; and dotfiles), else it stays what it is (a 404);
//   - `name` has no "." (the clean-URL lookup only tries paths without an extension), and nothing
//     named `/x/name` exists on disk (a file or folder of that name would be served instead);
//   - for an index file, `/x/` must serve that very file: it is in index_file and no index file
//     listed before it exists.
// The Location is the request's own path minus ".html", so its percent-encoding goes back exactly
// as it came; runs of slashes are collapsed to one, since "//evil.example" would be a network-path
// reference to another host (RFC 3986 §4.2), and a path with dot segments is not redirected.

import { hasHiddenSegment, resolveServedPath } from '../static/resolve-path.ts';
import { joinName, type FsPath } from '../static/fs-path.ts';
import { safeStatter, type ServedRoot } from '../static/safe-stat.ts';

export interface CleanUrlOptions extends ServedRoot {
  showHiddenFiles: boolean;
  /** index_file, in order. */
  indexFiles: readonly string[];
}

const SUFFIX = '.html';
/** "." and ".." segments, also percent-encoded (RFC 3986 §5.2.4 removes them, WHATWG URL also as
 * %2e): such a path is not redirected, so a Location never has segments a client would resolve. */
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?=\/|$)/i;

/**
 * The clean Location for a request path ending in ".html" (without the query), or null when the
 * path is not redirected. Costs a few stats; asked only with clean_urls on, for GET/HEAD of a path
 * ending in ".html".
 */
export function cleanUrlTarget(options: CleanUrlOptions): (path: string) => Promise<string | null> {
  const { root } = options;
  const safeStat = safeStatter(options);

  /** 'file' for a regular file the static handler would serve, 'other' for anything else it would
   * find there (a folder), null where it finds nothing (refused paths included). */
  const kind = async (filePath: FsPath): Promise<'file' | 'other' | null> => {
    const st = await safeStat(filePath, null);
    return st === null ? null : st.isFile() ? 'file' : 'other';
  };

  return async (path) => {
    if (!path.endsWith(SUFFIX)) return null;
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1, -SUFFIX.length);
    if (name === '' || name.includes('.') || DOT_SEGMENT.test(path)) return null;
    const resolved = resolveServedPath(root, path);
    if (!resolved.ok || resolved.segments.length === 0) return null;
    if (!options.showHiddenFiles && hasHiddenSegment(resolved.segments)) return null;
    if ((await kind(resolved.filePath)) !== 'file') return null;
    // Runs of slashes collapsed: "//evil.html" must give "/evil", not the other host "//evil".
    const folder = path.slice(0, slash + 1).replace(/\/{2,}/g, '/');
    const indexAt = options.indexFiles.indexOf(resolved.segments[resolved.segments.length - 1]!);
    if (indexAt !== -1) {
      const dir = resolveServedPath(root, path.slice(0, slash + 1));
      let first = dir.ok;
      for (const earlier of options.indexFiles.slice(0, indexAt)) {
        if (dir.ok && (await kind(joinName(dir.filePath, earlier))) === 'file') first = false;
      }
      // `/x/` serves an earlier index file: then this one keeps its name (its clean URL below).
      if (first) return folder;
    }
    // `/x/name` must find nothing of its own, or it would not reach name.html.
    const clean = resolveServedPath(root, path.slice(0, -SUFFIX.length));
    if (!clean.ok || (await kind(clean.filePath)) !== null) return null;
    return folder + name;
  };
}
