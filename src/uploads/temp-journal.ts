// Temporary upload files of a process that died without cleaning up (SIGKILL, OOM kill, power cut
// inside a worker): save-upload.ts removes its temporary file on every error it sees, but a process
// that is killed sees none. So while an upload is in flight its temporary path is listed in
// <state_dir>/uploads/<pid>.list; a process starting up, and the primary when a worker exits,
// remove what the lists of dead processes name. The temporary files sit in the folders they are
// written to (for a same-file-system rename), anywhere under the root: a list, not a tree walk.
// The list holds the uploads in flight only, rewritten (atomically, in order) as they come and go.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUploadTempName } from './temp-name.ts';

let journalDir: string | null = null;
const inFlight = new Set<string>();

/** Turns the journal on for this process (the CLI does, with state_dir); off by default. */
export function enableTempJournal(stateDir: string): void {
  journalDir = join(stateDir, 'uploads');
  mkdirSync(journalDir, { recursive: true });
}

function listPath(dir: string, pid: number): string {
  return join(dir, `${pid}.list`);
}

// Synchronous and small: a handful of paths, written before the temporary file exists (so a kill
// at any moment leaves it listed) and after it is gone. Order is the call order.
function writeList(): void {
  if (journalDir === null) return;
  const path = listPath(journalDir, process.pid);
  if (inFlight.size === 0) return rmSync(path, { force: true });
  writeFileSync(`${path}.new`, [...inFlight].join('\n') + '\n');
  renameSync(`${path}.new`, path);
}

/** Records a temporary file about to be created. */
export function journalAdd(tempPath: string): void {
  if (journalDir === null) return;
  inFlight.add(tempPath);
  writeList();
}

/** The temporary file is gone (renamed into place or removed). */
export function journalRemove(tempPath: string): void {
  if (journalDir === null || !inFlight.delete(tempPath)) return;
  writeList();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files listed by `pid` (a worker that exited), or by every listed process
 * that is no longer alive (at start-up), then their lists. Returns the files removed. Only names
 * of upload temporary files are ever removed, whatever a list says.
 */
export function removeDeadTemps(stateDir: string, pid?: number): string[] {
  const dir = join(stateDir, 'uploads');
  let lists: string[];
  try {
    lists = readdirSync(dir).filter((n) => /^\d+\.list$/.test(n));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of lists) {
    const owner = Number(name.slice(0, -5));
    if (pid === undefined ? owner === process.pid || alive(owner) : owner !== pid) continue;
    const list = join(dir, name);
    let paths: string[] = [];
    try {
      paths = readFileSync(list, 'utf8').split('\n').filter((p) => p !== '');
    } catch {
      continue;
    }
    for (const p of paths) {
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (!isUploadTempName(base)) continue;
      try {
        unlinkSync(p);
        removed.push(p);
      } catch {
        // already gone: the upload finished, or was cleaned up by its own process
      }
    }
    rmSync(list, { force: true });
  }
  return removed;
}
