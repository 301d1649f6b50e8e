// Errors that mean the machine ran out of something, not that the request was wrong: a full disk
// (ENOSPC, EDQUOT) is 507 Insufficient Storage (RFC 4918 §11.5, which RFC 9110 leaves to WebDAV and
// every server uses for it), no free file descriptor (EMFILE, ENFILE) is 503 with Retry-After
// (RFC 9110 §15.6.4: a temporary overload). Either way the server keeps serving; the error handler
// reports each kind in a log line that says why (see ErrorHandlerOptions.onExhausted).

import { HttpError } from './http-error.ts';

export type ExhaustionCode = 'ENOSPC' | 'EDQUOT' | 'EMFILE' | 'ENFILE';

const ANSWERS: Readonly<Record<ExhaustionCode, readonly [number, string]>> = {
  ENOSPC: [507, 'The server has no room left to store this (disk full)'],
  EDQUOT: [507, 'The server has no room left to store this (disk quota reached)'],
  EMFILE: [503, 'The server is out of file descriptors; try again shortly'],
  ENFILE: [503, 'The system is out of file descriptors; try again shortly'],
};

/** The exhaustion code of an error or of anything in its cause chain, or null. */
export function exhaustionCode(error: unknown): ExhaustionCode | null {
  let e: unknown = error;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(ANSWERS, code)) return code as ExhaustionCode;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** The HttpError an exhausted resource is answered with (cause kept), or null for any other error. */
export function exhaustionError(error: unknown): HttpError | null {
  const code = exhaustionCode(error);
  if (code === null) return null;
  const [status, message] = ANSWERS[code];
  return new HttpError(status, message, { expose: true, cause: error, headers: status === 503 ? { 'Retry-After': '1' } : {} });
}

/** The log line for an exhaustion met while doing `what`, and what the client got. */
export function exhaustionLine(code: ExhaustionCode, what: string): string {
  return code === 'ENOSPC' || code === 'EDQUOT'
    ? `${what}: ${code}, no room left on the disk: answered 507`
    : `${what}: ${code}, out of file descriptors (raise the limit: ulimit -n, systemd LimitNOFILE=): answered 503`;
}

/**
 * Passes the first line of a kind to `log`, then at most one per `everyMs` with how many more there
 * were: a disk that stays full, or a descriptor limit under load, must not add a log line per request.
 */
export function throttledLog(log: (line: string) => void, everyMs = 10_000, now: () => number = Date.now): (kind: string, line: string) => void {
  const last = new Map<string, { at: number; more: number }>();
  return (kind, line) => {
    const seen = last.get(kind);
    const t = now();
    if (seen !== undefined && t - seen.at < everyMs) {
      seen.more++;
      return;
    }
    last.set(kind, { at: t, more: 0 });
    log(seen === undefined || seen.more === 0 ? line : `${line} (and ${seen.more} more like it since the last such line)`);
  };
}
