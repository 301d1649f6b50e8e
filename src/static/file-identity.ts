// What tells one version of a file from another without reading it: its size and mtime, and its
// inode and device (a file replaced by a rename, or a symlink pointed elsewhere, is another file even
// with the same size and mtime). Stats and cache entries both carry these.

export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}
