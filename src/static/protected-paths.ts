// Paths the static server never serves nor lists, whatever show_hidden_files says, answered 404 as if
// absent (a 403 would confirm they exist): the server's own files (the state folder, which holds the
// development TLS private key; every log file with its rotations and per-worker files; the config
// file that was loaded), version-control folders, and upload temporary files.
//
// Everything is computed once at start-up: a check is a Set lookup, a prefix test per protected
// folder, one Map lookup by parent folder, and a name test only for segments that start with ".".
// Paths are compared in their real (symlink-free) form, so a link to a protected file is refused too.

import { realpathSync } from 'node:fs';
import { basename, dirname, extname, join, parse, resolve, sep } from 'node:path';
import { isUploadTempName } from '../uploads/temp-name.ts';

export interface NeverServeOptions {
  /** Folders never served, nor anything in them (state_dir). */
  folders?: readonly (string | null)[];
  /** Single files (the config file that was loaded). */
  files?: readonly (string | null)[];
  /** Log files (log_file, an access log file, …): each with its rotations and per-worker files. */
  logFiles?: readonly (string | null)[];
}

export interface ProtectedPaths {
  /** True for an absolute path that must never be served (give the real path as well as the requested one). */
  has(path: string): boolean;
  /** A test on the entry names of one folder, for listings (made once per listing, not per entry). */
  namesIn(dirPath: string): (name: string) => boolean;
}

// Repositories hold history and often credentials; nginx and Apache configs deny them by habit.
const VCS_FOLDERS = new Set(['.git', '.hg', '.svn']);

/** Names protected wherever they appear under the root. */
function protectedName(name: string): boolean {
  return name.charCodeAt(0) === 0x2e && (VCS_FOLDERS.has(name) || isUploadTempName(name));
}

/**
 * The names a log file takes (see logFileFor in log/log-paths.ts and log/rotating-file.ts):
 * server.log, server.log.1, server.log.1.gz, server.log.1.gz.tmp, and per cluster worker
 * server.worker-2.log with the same rotations.
 */
export function logFamilyPattern(logFile: string): RegExp {
  const ext = extname(logFile);
  const stem = basename(logFile, ext);
  const quote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${quote(stem)}(?:\\.worker-\\d+)?${quote(ext)}(?:\\.\\d+)?(?:\\.gz)?(?:\\.tmp)?$`);
}

/** The real form of a path that may not exist yet (a log file before its first line): its nearest existing ancestor made real. */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const { root } = parse(abs);
    return abs === root ? abs : join(canonical(dirname(abs)), basename(abs));
  }
}

function present(paths: readonly (string | null)[] | undefined): string[] {
  return (paths ?? []).filter((p): p is string => typeof p === 'string' && p !== '').map(canonical);
}

export function protectedPaths(root: string, options: NeverServeOptions = {}): ProtectedPaths {
  const rootPrefix = root.endsWith(sep) ? root : root + sep;
  const files = new Set(present(options.files));
  const folders = present(options.folders);
  const folderPrefixes = folders.map((f) => (f.endsWith(sep) ? f : f + sep));
  for (const f of folders) files.add(f);
  // Log families by the folder they live in: a check looks up one parent folder.
  const families = new Map<string, RegExp[]>();
  for (const log of present(options.logFiles)) {
    const list = families.get(dirname(log)) ?? [];
    list.push(logFamilyPattern(log));
    families.set(dirname(log), list);
  }
  // Exact names by parent folder, for listings.
  const namesByFolder = new Map<string, Set<string>>();
  for (const f of files) {
    const set = namesByFolder.get(dirname(f)) ?? new Set<string>();
    set.add(basename(f));
    namesByFolder.set(dirname(f), set);
  }

  const has = (path: string): boolean => {
    if (files.has(path)) return true;
    for (const prefix of folderPrefixes) if (path.startsWith(prefix)) return true;
    if (families.size > 0) {
      const patterns = families.get(dirname(path));
      if (patterns !== undefined) {
        const name = basename(path);
        for (const re of patterns) if (re.test(name)) return true;
      }
    }
    // Segment names below the root ("/.git/config", a temp file): only segments starting with "."
    // can match, so a path without "/." is done with one indexOf.
    if (!path.startsWith(rootPrefix)) return false;
    let at = path.indexOf(sep + '.', rootPrefix.length - 1);
    while (at !== -1) {
      const end = path.indexOf(sep, at + 1);
      if (protectedName(path.slice(at + 1, end === -1 ? undefined : end))) return true;
      at = end === -1 ? -1 : path.indexOf(sep + '.', end);
    }
    return false;
  };

  const namesIn = (dirPath: string): ((name: string) => boolean) => {
    if (has(dirPath)) return () => true;
    const exact = namesByFolder.get(dirPath);
    const patterns = families.get(dirPath) ?? [];
    return (name) => protectedName(name) || exact?.has(name) === true || patterns.some((re) => re.test(name));
  };

  return { has, namesIn };
}
