// Custom error pages: `<status>.html` from the document root (404.html, 500.html, …), as the seed
// does. A page is read once and reused while the file is unchanged, checked at most once per
// interval, so a flood of 404s does not become a flood of file reads.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorPageSource } from '../app/error-response.ts';

interface Page {
  body: Buffer | undefined;
  mtimeMs: number;
  checkedAt: number;
}

/** Pages larger than this are not error pages; they are ignored (the generated page is used). */
const MAX_ERROR_PAGE_BYTES = 1024 * 1024;

/** The pages, and clear() to forget what was read (a watcher saw a change). */
export type DocumentRootErrorPages = ErrorPageSource & { clear(): void };

export function documentRootErrorPages(root: string, freshMs = 1000): DocumentRootErrorPages {
  const pages = new Map<number, Page>();
  const source: ErrorPageSource = async (status) => {
    if (!Number.isInteger(status) || status < 400 || status > 599) return undefined;
    const now = Date.now();
    const known = pages.get(status);
    if (known !== undefined && now - known.checkedAt < freshMs) return known.body;
    const path = join(root, `${status}.html`);
    try {
      const st = await stat(path);
      if (!st.isFile() || st.size > MAX_ERROR_PAGE_BYTES) throw new Error('not a page');
      if (known !== undefined && known.body !== undefined && known.mtimeMs === st.mtimeMs && known.body.length === st.size) {
        known.checkedAt = now;
        return known.body;
      }
      const body = await readFile(path);
      pages.set(status, { body, mtimeMs: st.mtimeMs, checkedAt: now });
      return body;
    } catch {
      pages.set(status, { body: undefined, mtimeMs: 0, checkedAt: now });
      return undefined;
    }
  };
  return Object.assign(source, { clear: () => pages.clear() });
}
