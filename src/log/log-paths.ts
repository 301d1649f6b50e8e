// Where a configuration's logs are written, and whether a log path can be used at all, decided before
// the server starts.
//
// Why not mkdir({ recursive: true }): Node 20's recursive mkdir, sync and async alike, loops forever
// at full CPU (and ignores Ctrl-C) when the kernel answers ENOENT for a folder whose parent exists,
// as /proc and /sys do. Folders are made here one level at a time, and a path on a kernel file
// system is refused before anything is tried.

import { accessSync, closeSync, constants, mkdirSync, openSync, statfsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** access_log values that are not paths. */
export const ACCESS_LOG_WORDS = ['stdout', 'off'] as const;

/** The access log's file, or null when it goes to stdout or nowhere. */
export function accessLogFile(accessLog: string): string | null {
  return (ACCESS_LOG_WORDS as readonly string[]).includes(accessLog) ? null : accessLog;
}

/**
 * Where a process writes a log file. Workers of a cluster each write their own file
 * (server.log → server.worker-1.log, by slot): one writer per file keeps rotation race-free.
 */
export function logFileFor(logFile: string, slot: string | undefined): string {
  if (slot === undefined) return logFile;
  const ext = extname(logFile);
  return join(dirname(logFile), `${basename(logFile, ext)}.worker-${slot}${ext}`);
}

// statfs f_type magic numbers (linux/magic.h) of the kernel's pseudo file systems.
const KERNEL_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2fs'],
  [0x73636673, 'securityfs'],
]);

/** The kernel file system a path lies on (by its name or by statfs of its nearest existing folder), or null. */
function kernelFs(path: string, existing: string): string | null {
  if (/^\/(proc|sys)(\/|$)/.test(path)) return path.startsWith('/proc') ? 'procfs' : 'sysfs';
  try {
    return KERNEL_FS.get(statfsSync(existing).type) ?? null;
  } catch {
    return null;
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      return 'no such file or folder';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return code ?? (error as Error).message;
  }
}

/** Folders of `dir` that do not exist yet, outermost first, and the nearest one that does. */
function missingFolders(dir: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    if (statSync(at, { throwIfNoEntry: false }) !== undefined) return { existing: at, missing };
    const parent = dirname(at);
    if (parent === at) return { existing: at, missing };
    missing.unshift(at);
    at = parent;
  }
}

/** The nearest ancestor of `path` that exists and is not a folder (the cause of ENOTDIR), or null. */
function fileOnTheWay(path: string): string | null {
  for (let at = dirname(path); at !== dirname(at); at = dirname(at)) {
    try {
      const st = statSync(at, { throwIfNoEntry: false });
      if (st !== undefined && !st.isDirectory()) return at;
    } catch {
      // ENOTDIR again: the file is further up
    }
  }
  return null;
}

/**
 * Why `path` (absolute) cannot be a log file, or null when it can; creates its missing folders and
 * the file itself, so what is refused is refused now and not at the first write. `rotates`: the
 * file will be renamed (a size limit or daily rotation), so it must be a regular file in a folder
 * we may write.
 */
export function logPathProblem(path: string, rotates: boolean): string | null {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    const blocker = (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? fileOnTheWay(path) : null;
    return blocker === null ? `cannot be reached (${reason(error)})` : `cannot be created: ${blocker} is a file, not a folder`;
  }
  const dir = dirname(path);
  if (st !== undefined) {
    if (st.isDirectory()) return 'is a folder; name a file in it';
    const fs = kernelFs(path, dir);
    if (fs !== null) return `is on ${fs}, a kernel file system, not a place for log files`;
    if (!st.isFile() && rotates) return 'is not a regular file (a device, pipe or socket), so it cannot be rotated; set log_max_size to 0 and log_rotate to "none" to write to it';
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      return `cannot be written (${reason(error)})`;
    }
    if (rotates && st.isFile()) {
      try {
        accessSync(dir, constants.W_OK | constants.X_OK);
      } catch (error) {
        return `cannot be rotated: its folder ${dir} is not writable (${reason(error)})`;
      }
    }
    return null;
  }
  let found;
  try {
    found = missingFolders(dir);
  } catch (error) {
    return `cannot be created (${reason(error)})`;
  }
  const fs = kernelFs(path, found.existing);
  if (fs !== null) return `is on ${fs}, a kernel file system, not a place for log files`;
  if (!statSync(found.existing).isDirectory()) return `cannot be created: ${found.existing} is a file, not a folder`;
  try {
    accessSync(found.existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    return `cannot be created: no permission to write in ${found.existing} (${reason(error)})`;
  }
  try {
    makeFoldersSync(dir);
  } catch (error) {
    return `cannot be created: folder ${(error as NodeJS.ErrnoException).path ?? dir} cannot be made (${reason(error)})`;
  }
  try {
    closeSync(openSync(path, 'a'));
  } catch (error) {
    return `cannot be created (${reason(error)})`;
  }
  return null;
}

/** Creates `dir` and its missing parents, one level at a time (see the header), synchronously. */
export function makeFoldersSync(dir: string): void {
  for (const folder of missingFolders(dir).missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Creates `dir` and its missing parents, one level at a time. */
export async function makeFolders(dir: string): Promise<void> {
  for (const folder of missingFolders(dir).missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
