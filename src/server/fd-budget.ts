// File descriptors: every connection holds one, and a file being served holds another while it
// streams. When accept() meets EMFILE, libuv accepts and closes the waiting connections with a
// reserve descriptor and tells nobody (uv__emfile_trick): clients see a bare close and the log
// stays silent. So the server never lets connections take the last descriptors: past a budget
// below the process's limit (RLIMIT_NOFILE), new connections get a 503 that says why, and are
// accepted again as soon as some close. The rest of the limit is kept for files, logs and TLS.

import { readFileSync } from 'node:fs';

/** The soft limit on open descriptors (`ulimit -n`), or null when unknown or unlimited (not Linux). */
export function descriptorLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m === null || m[1] === 'unlimited' ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** Descriptors kept out of the connections' reach: an eighth of the limit, at least 32. */
export function descriptorReserve(limit: number): number {
  return Math.max(32, Math.ceil(limit / 8));
}

/** How many connections the descriptor limit leaves room for (Infinity when there is no known limit). */
export function connectionBudget(limit: number | null): number {
  return limit === null ? Number.POSITIVE_INFINITY : Math.max(8, limit - descriptorReserve(limit));
}
