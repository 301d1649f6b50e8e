// Watches the document root for changes and reports them in batches (batch.ts), as URL paths.
//
// Node 20's `fs.watch(root, { recursive: true })` on Linux is not a kernel facility: it walks the
// tree synchronously (blocking the event loop), adds one inotify watch per *file*, and descends into
// everything, .git and the state folder included, with no way to leave a subtree out. So on Linux
// (and any platform without a native recursive watch) we watch each folder ourselves: one inotify
// watch per folder (a folder's watch reports changes of the files in it), an asynchronous walk, and
// no descent into ignored folders (dot-folders: .git, .httpcraft …) or protected ones (state_dir,
// protected-paths.ts), nor through symbolic links (a link can lead out of the root or into a loop).
// macOS and Windows have a native recursive watch (FSEvents, ReadDirectoryChangesW: one handle for
// the whole tree), used as is, with the same filter applied to its events.
//
// Resources are bounded: at most `maxFolders` folders are watched (a warning says when the limit,
// or the system's inotify limit, is reached), a batch holds at most MAX_BATCH_PATHS paths, and
// close() releases every handle and timer.

import { watch, type FSWatcher } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { ProtectedPaths } from '../static/protected-paths.ts';
import { ChangeBatcher, DEFAULT_MAX_WAIT_MS, DEFAULT_QUIET_MS, MAX_BATCH_PATHS, type ChangeBatch } from './batch.ts';
import { isIgnoredName, isIgnoredPath } from './ignore.ts';

export type WatchMode = 'recursive' | 'per-folder';

export interface TreeWatchOptions {
  /** Absolute, real (symlink-free) path of the folder to watch. */
  root: string;
  /** Never watched nor reported (the server's own files). */
  protect?: ProtectedPaths | undefined;
  onChange: (batch: ChangeBatch) => void;
  onWarning?: ((message: string) => void) | undefined;
  quietMs?: number | undefined;
  maxWaitMs?: number | undefined;
  maxFolders?: number | undefined;
  /** Default: 'recursive' where the platform has a native recursive watch (macOS, Windows), else 'per-folder'. */
  mode?: WatchMode | undefined;
}

export const DEFAULT_MAX_WATCHED_FOLDERS = 8192;

/** The mode that costs least on this platform (see the header comment). */
export function defaultWatchMode(platform: NodeJS.Platform = process.platform): WatchMode {
  return platform === 'darwin' || platform === 'win32' ? 'recursive' : 'per-folder';
}

export class TreeWatcher {
  readonly #root: string;
  readonly #protect: ProtectedPaths | undefined;
  readonly #warn: (message: string) => void;
  readonly #maxFolders: number;
  readonly #batcher: ChangeBatcher;
  readonly #watchers = new Map<string, FSWatcher>();
  #limitWarned = false;
  #closed = false;
  /** Resolves once the initial walk is done: a change made after that is seen. */
  readonly ready: Promise<void>;
  readonly mode: WatchMode;

  constructor(options: TreeWatchOptions) {
    this.#root = options.root;
    this.#protect = options.protect;
    this.#warn = options.onWarning ?? (() => {});
    this.#maxFolders = options.maxFolders ?? DEFAULT_MAX_WATCHED_FOLDERS;
    this.#batcher = new ChangeBatcher({ quietMs: options.quietMs ?? DEFAULT_QUIET_MS, maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, maxPaths: MAX_BATCH_PATHS, onBatch: options.onChange });
    this.mode = options.mode ?? defaultWatchMode();
    this.ready = this.mode === 'recursive' ? this.#watchRecursive() : this.#watchFolder(this.#root);
  }

  /** How many folders have a watch of their own (1 in recursive mode). */
  get watchedFolders(): number {
    return this.#watchers.size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    this.#batcher.close();
  }

  /** The URL path of an absolute path under the root ("/css/site.css"). */
  #urlPath(full: string): string {
    const rel = relative(this.#root, full);
    return '/' + (sep === '/' ? rel : rel.split(sep).join('/'));
  }

  #report(full: string): void {
    if (this.#protect?.has(full) === true) return;
    this.#batcher.add(this.#urlPath(full));
  }

  async #watchRecursive(): Promise<void> {
    const w = this.#open(this.#root, { recursive: true }, (_event, name) => {
      if (name === null) return this.#batcher.add('/');
      const rel = sep === '/' ? name : name.split(sep).join('/');
      if (!isIgnoredPath(rel)) this.#report(this.#root + sep + name);
    });
    if (w !== null) this.#watchers.set(this.#root, w);
  }

  /** Watches a folder, then the folders in it (watch first: nothing created meanwhile is missed). */
  async #watchFolder(dir: string): Promise<void> {
    if (this.#closed || this.#watchers.has(dir)) return;
    if (dir !== this.#root && this.#protect?.has(dir) === true) return;
    if (this.#watchers.size >= this.#maxFolders) {
      this.#limitReached(`more than ${this.#maxFolders} folders under ${this.#root}`);
      return;
    }
    const w = this.#open(dir, {}, (event, name) => this.#onEvent(dir, event, name));
    if (w === null) return;
    this.#watchers.set(dir, w);
    let folder;
    try {
      folder = await opendir(dir);
    } catch {
      return; // gone meanwhile; its watch reports that
    }
    try {
      for await (const entry of folder) {
        if (this.#closed) break;
        // Dirent.isDirectory() is false for a link to a folder: links are not followed.
        if (entry.isDirectory() && !isIgnoredName(entry.name)) await this.#watchFolder(dir + sep + entry.name);
      }
    } catch {
      // The folder vanished while being read.
    }
  }

  #open(dir: string, options: { recursive?: boolean }, listener: (event: string, name: string | null) => void): FSWatcher | null {
    try {
      // Not persistent: the watch never keeps the process alive on its own (the server does).
      const w = watch(dir, { ...options, persistent: false, encoding: 'utf8' }, listener);
      w.on('error', () => this.#unwatch(dir));
      return w;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EMFILE') this.#limitReached(`the system's limit on watches was reached (${code}; on Linux raise fs.inotify.max_user_watches)`);
      else if (code !== 'ENOENT' && code !== 'ENOTDIR') this.#warn(`live reload: cannot watch ${dir}: ${(error as Error).message}`);
      return null;
    }
  }

  #limitReached(why: string): void {
    if (this.#limitWarned) return;
    this.#limitWarned = true;
    this.#warn(`live reload: ${why}; changes in the folders beyond are not seen`);
  }

  #onEvent(dir: string, event: string, name: string | null): void {
    if (this.#closed) return;
    if (name === null || name === '') {
      // No name (the kernel's queue overflowed, or the folder itself changed): say the folder changed.
      if (dir === this.#root || !isIgnoredPath(relative(this.#root, dir))) this.#batcher.add(dir === this.#root ? '/' : this.#urlPath(dir));
      return;
    }
    if (isIgnoredName(name)) return;
    const full = dir + sep + name;
    if (event === 'rename') void this.#onRename(full);
    this.#report(full);
  }

  /** Something appeared or vanished: watch a new folder (and what is in it), forget a removed one. */
  async #onRename(full: string): Promise<void> {
    try {
      // lstat: a link to a folder is not a folder to watch.
      if ((await lstat(full)).isDirectory() && !this.#watchers.has(full)) await this.#watchFolder(full);
    } catch {
      this.#unwatchTree(full);
    }
  }

  #unwatch(dir: string): void {
    this.#watchers.get(dir)?.close();
    this.#watchers.delete(dir);
  }

  #unwatchTree(dir: string): void {
    const prefix = dir + sep;
    for (const path of [...this.#watchers.keys()]) if (path === dir || path.startsWith(prefix)) this.#unwatch(path);
  }
}
