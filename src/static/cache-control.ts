// Cache-Control for static responses, from config: a default built from enable_browser_caching and
// browser_cache_time, and per-pattern overrides (cache_control: [{pattern, value}]), first match wins.
//
// The default is revalidation: `no-cache` (RFC 9111 §5.2.2.4) with the validators still sent, so a
// browser asks every time and an unchanged file costs a 304 — an edited file shows on the next
// reload. A lifetime (browser_cache_time > 0, or a pattern for fingerprinted assets) is a
// production choice.
//
// Patterns are globs: `*` any run of characters except "/", `**` any run including "/", `?` one
// character, `{a,b}` alternatives. A pattern without "/" matches the file's base name anywhere
// (`*.html`); one with "/" matches the whole URL path from the root (`/assets/**`).

import { unsafeFieldValue } from '../http1/response-head.ts';

export interface CacheControlRule {
  pattern: string;
  value: string;
}

export interface CacheControlOptions {
  enableBrowserCaching?: boolean;
  /** max-age in seconds; 0 (the default) sends no-cache. */
  browserCacheTime?: number;
  rules?: readonly CacheControlRule[];
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?'; // "**/" also matches zero folders
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{' && !inBraces) {
      inBraces = true;
      re += '(?:';
    } else if (c === '}' && inBraces) {
      inBraces = false;
      re += ')';
    } else if (c === ',' && inBraces) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  if (inBraces) throw new Error(`pattern ${JSON.stringify(glob)}: unclosed "{"`);
  return new RegExp(`^${re}$`, 's');
}

/**
 * A test for one glob against a decoded URL path: a pattern with "/" matches the whole path from the
 * root, one without matches the base name anywhere; "/admin/**" also matches the folder itself
 * ("/admin"). Shared by cache_control, the access rules and rate_limits, so a glob means one thing.
 */
export function pathGlobMatcher(pattern: string): (urlPath: string) => boolean {
  if (pattern === '/**' || pattern === '**') return () => true; // every path: no regex per request
  const anchored = pattern.includes('/');
  const glob = anchored && !pattern.startsWith('/') ? '/' + pattern : pattern;
  const re = globToRegExp(glob);
  if (!anchored) return (urlPath) => re.test(urlPath.slice(urlPath.lastIndexOf('/') + 1));
  if (!glob.endsWith('/**')) return (urlPath) => re.test(urlPath);
  const folder = glob.slice(0, -3);
  return (urlPath) => urlPath === folder || re.test(urlPath);
}

/** Returns a function from a decoded URL path ("/assets/app.3f2a.js") to its Cache-Control value. */
export function cacheControlFor(options: CacheControlOptions): (urlPath: string) => string {
  const seconds = Math.max(0, Math.floor(options.browserCacheTime ?? 0));
  const fallback = options.enableBrowserCaching === false || seconds === 0 ? 'no-cache' : `public, max-age=${seconds}`;
  const rules = (options.rules ?? []).map((rule) => {
    if (unsafeFieldValue(rule.value)) throw new Error(`cache_control value for ${JSON.stringify(rule.pattern)} contains a line break`);
    return { matches: pathGlobMatcher(rule.pattern), value: rule.value };
  });
  if (rules.length === 0) return () => fallback;
  return (urlPath) => {
    for (const rule of rules) if (rule.matches(urlPath)) return rule.value;
    return fallback;
  };
}
