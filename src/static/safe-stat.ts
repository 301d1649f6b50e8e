// What the static handler may serve from a path on disk: a file or folder whose real location is
// inside the document root (unless symlinks are followed) and is not one of the server's own files.
// One rule for the static handler and the clean-URL redirect, which must never point at a page the
// static handler would refuse.

import { stat } from 'node:fs/promises';
import { sep } from 'node:path';
import type { Stats } from 'node:fs';
import { isUnder, pathText, realPath, type FsPath } from './fs-path.ts';
import type { ProtectedPaths } from './protected-paths.ts';
import type { ExchangeTrace } from '../trace/exchange-trace.ts';

export interface ServedRoot {
  /** Absolute, real path of the document root. */
  root: string;
  followSymlinks: boolean;
  /** The server's own files (protectedPaths), never served. */
  protect: ProtectedPaths;
}

export type SafeStat = (filePath: FsPath, trace: ExchangeTrace | null) => Promise<Stats | null>;

/**
 * Stats a path, refusing (null, as not found) one whose real location is outside the root or
 * protected, and saying why in the trace. The real path is read only here, on a cache miss.
 */
export function safeStatter({ root, followSymlinks, protect }: ServedRoot): SafeStat {
  const rootPrefix = root.endsWith(sep) ? root : root + sep;
  return async (filePath, trace) => {
    try {
      const st = await stat(filePath);
      const real = await realPath(filePath);
      if (!followSymlinks && !isUnder(real, root, rootPrefix)) {
        trace?.decide('outside-root');
        return null;
      }
      if (protect.has(pathText(real))) {
        trace?.decide('protected-404');
        return null;
      }
      return st;
    } catch {
      return null;
    }
  };
}
