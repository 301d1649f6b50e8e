// Writes an upload to disk so that it is complete or absent, never partial, and never clobbers:
// 1. the bytes stream into a fresh temporary file in the target folder (a hidden ".~upload-…" name,
//    created with O_EXCL), so the final step is a same-file-system link or rename;
// 2. only when the source ended cleanly is the file given its name; any error (client gone, limit
//    hit, disk full) removes the temporary file;
// 3. without overwrite, the name is claimed with link(2), which fails atomically when the name
//    exists: "a.txt" then "a (1).txt", "a (2).txt"… so concurrent uploads of one name all survive.
//    With overwrite, rename(2) replaces the old file atomically (readers see old or new, never half).
//    With exclusive (PUT without overwrite), only the name asked for is tried: EEXIST if it is taken.

import { createWriteStream } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { numberedName } from './sanitize-name.ts';
import { UPLOAD_TEMP_PREFIX, UPLOAD_TEMP_SUFFIX } from './temp-name.ts';
import { exhaustionError } from '../app/exhaustion.ts';
import { journalAdd, journalRemove } from './temp-journal.ts';

/**
 * Where upload bytes are written: node:fs's createWriteStream. A seam for fault tests, which put a
 * stream here that fails as a full disk does (ENOSPC part-way through); nothing else replaces it.
 */
export const uploadFiles = { createWriteStream };

export interface SaveOptions {
  /** Replace an existing file of that name instead of choosing a free name. */
  overwrite?: boolean;
  /**
   * Store under exactly this name or not at all: when it is taken, fail with an error whose code is
   * 'EEXIST' (the file that is there is kept). Wins over overwrite.
   */
  exclusive?: boolean;
  /** File mode for the new file (before umask). */
  mode?: number;
  /**
   * Paths the server keeps for itself (its config and log files, protected-paths.ts): never given
   * to an upload, never replaced. Such a name counts as taken, so a form upload gets a numbered name.
   */
  reserved?: (path: string) => boolean;
}

export interface SavedFile {
  /** The name the file was stored under (may differ from the one asked for). */
  name: string;
  path: string;
  size: number;
  /** True when an existing file was replaced (overwrite only). */
  replaced: boolean;
}

const WRITE_QUEUE_BYTES = 256 * 1024;
// Beyond this many taken alternatives something is wrong (or hostile): stop looking.
const MAX_ALTERNATIVES = 10_000;

export class NameTakenError extends Error {
  constructor(name: string) {
    super(`No free name for ${name}`);
    this.name = 'NameTakenError';
  }
}

export function tempPathIn(dir: string): string {
  return join(dir, `${UPLOAD_TEMP_PREFIX}${randomBytes(9).toString('base64url')}${UPLOAD_TEMP_SUFFIX}`);
}

/** Streams source into dir/name (see the file comment for the guarantees). */
export async function saveUpload(source: Readable, dir: string, name: string, options: SaveOptions = {}): Promise<SavedFile> {
  const temp = tempPathIn(dir);
  // Listed before it exists, so that a process killed at any moment leaves nothing unlisted behind.
  journalAdd(temp);
  // A deeper write queue than the 16 KiB default lets disk writes overlap with network reads.
  const out = uploadFiles.createWriteStream(temp, { flags: 'wx', mode: options.mode ?? 0o644, highWaterMark: WRITE_QUEUE_BYTES });
  try {
    await pipeline(source, out);
    const saved = await commit(temp, dir, name, out.bytesWritten, options.exclusive === true ? 'exclusive' : options.overwrite === true ? 'overwrite' : 'number', options.reserved);
    journalRemove(temp);
    return saved;
  } catch (error) {
    // The write stream may still be opening: wait until its descriptor is closed, or the unlink
    // could run before the file even exists and leave it behind.
    out.destroy();
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await unlink(temp).catch(() => undefined);
    journalRemove(temp);
    // A full disk (507) or no free descriptor (503) is the machine's state, not the client's fault.
    throw exhaustionError(error) ?? error;
  }
}

/** What to do when the name is taken: choose a numbered one, replace the file, or fail. */
export type NameRule = 'number' | 'overwrite' | 'exclusive';

/** Gives a complete temporary file its final name. The temporary file is gone afterwards. */
export async function commit(temp: string, dir: string, name: string, size: number, rule: NameRule, reserved: (path: string) => boolean = () => false): Promise<SavedFile> {
  // A reserved file is never replaced: overwriting falls back to a numbered name.
  if (rule === 'overwrite' && reserved(join(dir, name))) rule = 'number';
  if (rule === 'overwrite') {
    const target = join(dir, name);
    const existed = await lstat(target).then(
      (st) => {
        if (st.isDirectory()) throw Object.assign(new Error(`${name} is a folder`), { code: 'EISDIR' });
        return true;
      },
      () => false,
    );
    await rename(temp, target);
    return { name, path: target, size, replaced: existed };
  }
  const alternatives = rule === 'exclusive' ? 1 : MAX_ALTERNATIVES;
  for (let n = 0; n < alternatives; n++) {
    const candidate = numberedName(name, n);
    const target = join(dir, candidate);
    if (reserved(target)) continue;
    try {
      await link(temp, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        // A file system without hard links: claim the name with an exclusive create, then move in.
        if (!(await claim(target))) continue;
        await rename(temp, target);
        return { name: candidate, path: target, size, replaced: false };
      }
      throw error;
    }
    await unlink(temp);
    return { name: candidate, path: target, size, replaced: false };
  }
  if (rule === 'exclusive') throw Object.assign(new Error(`${name} already exists`), { code: 'EEXIST' });
  throw new NameTakenError(name);
}

async function claim(path: string): Promise<boolean> {
  try {
    await (await open(path, 'wx')).close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
