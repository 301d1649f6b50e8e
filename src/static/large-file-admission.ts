// Which large files enter the memory cache. A small file is cached on its first request; a large one
// (over LARGE_FILE_BYTES) only on its second, and only one read of it into memory runs at a time.
//
// Why a second request: the cache holds 64 MiB by default, and one 16 MiB download that is never
// asked for again would push out hundreds of small files that are. A file asked for twice is likely
// to be asked for again (the "doorkeeper" of TinyLFU; nginx's proxy_cache_min_uses). Why one fill at
// a time: fifty clients that start the same 16 MiB file together would otherwise read it into
// memory fifty times over (800 MiB); while one fill runs, the others stream from disk in 256 KiB
// buffers as an uncached file does.

import { sameFile, type FileIdentity } from './file-identity.ts';

/** Files up to this size are cached on their first request, as they always were. */
export const LARGE_FILE_BYTES = 1024 * 1024;
/** Large files remembered as seen once; the oldest is forgotten first. */
const REMEMBERED_FILES = 1024;

export class LargeFileAdmission {
  /** Key → the file's identity (file-identity.ts) when it was first asked for. */
  readonly #seenOnce = new Map<string, FileIdentity>();
  readonly #filling = new Set<string>();

  /**
   * Whether this request may read the file into the cache now. True for a small file; for a large
   * one, true on a request after the first for the same unchanged file, when no other request is
   * filling it. A true for a large file must be followed by done(key).
   */
  admitNow(key: string, file: FileIdentity): boolean {
    if (file.size <= LARGE_FILE_BYTES) return true;
    if (this.#filling.has(key)) return false;
    const seen = this.#seenOnce.get(key);
    if (seen === undefined || !sameFile(seen, file)) {
      this.#seenOnce.delete(key); // re-inserted at the newest end
      // Its four numbers, not the caller's Stats object (which holds a dozen more).
      this.#seenOnce.set(key, { size: file.size, mtimeMs: file.mtimeMs, ino: file.ino, dev: file.dev });
      if (this.#seenOnce.size > REMEMBERED_FILES) this.#seenOnce.delete(this.#seenOnce.keys().next().value!);
      return false;
    }
    this.#seenOnce.delete(key);
    this.#filling.add(key);
    return true;
  }

  /** The fill admitted for key has finished (cached, or failed). */
  done(key: string): void {
    this.#filling.delete(key);
  }

  /** What the trace says about a large file that is not read into memory on this request. */
  whyNot(key: string): string {
    return this.#filling.has(key)
      ? 'another request is reading this file into the memory cache; this one streams it meanwhile'
      : `files over ${LARGE_FILE_BYTES} bytes are kept in memory from their second request, so this first one streams from disk`;
  }

  clear(): void {
    this.#seenOnce.clear();
  }
}
