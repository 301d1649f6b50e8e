// A throwaway redis-server for a test: a free loopback port from the OS, no persistence, its own temp
// folder, ready once it answers PING. Tests skip (with a message) only when redis-server is not
// installed; .ci/run installs it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  port: number;
  url: string;
  child: ChildProcess;
  /** Stops it at once (SIGKILL: a crash, as a test of an outage wants) and removes its folder. */
  kill(): Promise<void>;
}

/** Why Redis tests cannot run here, or null when redis-server is on PATH. */
export function redisUnavailable(): string | null {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return found.error === undefined && found.status === 0 ? null : 'redis-server not found (apt-get install redis-server); skipping the Redis tests';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

export async function startRedis(port?: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'httpcraft-redis-'));
  const p = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await ping(p))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`redis-server on port ${p} did not answer PING`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
