// Helpers for the config and logging tests: temp folders, and the CLI run as a child process the way
// a user runs it (reading its stdout/stderr, sending it signals).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/cli.js, from dist/test/support/. */
export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export async function tempDir(t: { after(fn: () => Promise<void> | void): void }, prefix = 'httpcraft-cfg-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliRun {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of re in stdout (rejects if the process exits first). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the CLI with a clean environment (no HTTPCRAFT_*, NO_COLOR or PORT leaking in from the
 * shell), and BROWSER=none so that --open never starts a real browser unless a test names one.
 */
export function startCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): CliRun {
  const env: Record<string, string> = { BROWSER: 'none' };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HTTPCRAFT_') && k !== 'NO_COLOR' && k !== 'PORT' && k !== 'BROWSER') env[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...env, ...options.env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (re, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(re);
          if (m !== null) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${re}; stdout: ${out}; stderr: ${err}`));
        }, timeoutMs);
        const onExit = (): void => {
          check();
          done();
          reject(new Error(`process exited before ${re}; stdout: ${out}; stderr: ${err}`));
        };
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('close', onExit);
        };
        waiters.add(check);
        child.on('close', onExit);
        check();
      }),
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, options);
  // 'close' comes after the pipes have delivered everything.
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
