// Helpers for the cluster tests: start the real CLI in its own process group (so an after hook can
// stop it and every worker it forked), wait for its log lines, and find which worker process holds
// the server side of a client connection (Linux /proc), to attribute failures to a killed worker.

import { after } from 'node:test';
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output (waiting for it up to timeoutMs). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal name) once the primary has exited. */
  exited: Promise<number | string>;
  /** SIGKILL to the whole process group: the primary and its workers. Idempotent. */
  killGroup(): void;
}

export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; extraStdio?: StdioOptions; command?: string[] } = {}): RunningCli {
  const stdio = ['ignore', 'pipe', 'pipe', ...((options.extraStdio as unknown[] | undefined) ?? [])] as StdioOptions;
  const command = options.command ?? [process.execPath, CLI];
  const child = spawn(command[0]!, [...command.slice(1), ...args], { detached: true, stdio, env: { ...process.env, NO_COLOR: '1', ...options.env } });
  let out = '';
  const watchers = new Set<() => void>();
  let partial = '';
  const onData = (d: Buffer): void => {
    // Keep whole lines, minus access-log lines: a load test writes thousands of them.
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (!/ "(GET|HEAD|POST) /.test(line)) out += line + '\n';
    for (const w of watchers) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let done = false;
  void exited.then(() => {
    out += partial;
    partial = '';
    done = true;
    for (const w of watchers) w();
  });
  const pid = child.pid!;
  return {
    child,
    pid,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(pattern);
          if (m !== null) {
            cleanup();
            resolve(m);
          } else if (done) {
            cleanup();
            reject(new Error(`process exited before ${pattern}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    killGroup() {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Waits until `pattern` (global) has matched the output at least `count` times. */
export async function waitForCount(cli: RunningCli, pattern: RegExp, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ([...cli.output().matchAll(pattern)].length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} × ${pattern}; output:\n${cli.output()}`);
    if (cli.child.exitCode !== null) throw new Error(`exited while waiting for ${pattern}; output:\n${cli.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The port from the start-up log line ("listening on http://host:PORT/"). */
export async function bannerPort(cli: RunningCli): Promise<number> {
  const m = await cli.waitFor(/(?:listening on|serving .* at) http:\/\/[^ ]*:(\d+)\//);
  return Number(m[1]);
}

/** Pids of the workers that reported listening, in order of the log, for a slot. */
export function listeningPids(output: string, slot?: number): number[] {
  const re = /cluster: worker (\d+) \(pid (\d+)\) listening/g;
  const pids: number[] = [];
  for (const m of output.matchAll(re)) if (slot === undefined || Number(m[1]) === slot) pids.push(Number(m[2]));
  return pids;
}

export async function tempDir(prefix = 'httpcraft-cluster-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A document root with a 1 KiB file and, on request, a large one. */
export async function siteWithFiles(dir: string, bigBytes = 0): Promise<void> {
  await writeFile(join(dir, 'kib.txt'), Buffer.alloc(1024, 'k'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>\n');
  if (bigBytes > 0) await writeFile(join(dir, 'big.bin'), Buffer.alloc(bigBytes, 'b'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { alive as processAlive };

/**
 * Which of `pids` holds the server side of the IPv4 connection whose client end is local port
 * `clientPort` (to server port `serverPort`): /proc/net/tcp gives the socket inode, /proc/PID/fd the
 * owner. Null when not found (already closed, or not Linux).
 */
export async function connectionOwner(clientPort: number, serverPort: number, pids: number[]): Promise<number | null> {
  let table: string;
  try {
    table = await readFile('/proc/net/tcp', 'utf8');
  } catch {
    return null;
  }
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | null = null;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (f[1]!.endsWith(`:${hex(serverPort)}`) && f[2]!.endsWith(`:${hex(clientPort)}`)) {
      inode = f[9]!;
      break;
    }
  }
  if (inode === null || inode === '0') return null;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === `socket:[${inode}]`) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/**
 * For a describe() block: the CLIs it starts and the folders it makes, all stopped and removed once
 * the block is done (every process group killed, even when a test failed half-way).
 */
export function suiteResources(): { started: RunningCli[]; dirs: Array<() => Promise<void>> } {
  const started: RunningCli[] = [];
  const dirs: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of started) {
      c.killGroup();
      await c.exited;
    }
    for (const d of dirs) await d();
  });
  return { started, dirs };
}
