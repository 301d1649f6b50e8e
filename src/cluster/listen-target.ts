// Where the server listens: a TCP address (IPv4, IPv6 or dual-stack "::"), a Unix socket path, or a
// file descriptor that a supervisor opened for us (systemd socket activation). The primary resolves
// the target once and hands the same target to every worker.

import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import type { ListenOptions } from '../server/http-server.ts';

export type ListenTarget =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string }
  | { kind: 'fd'; fd: number };

/** sd_listen_fds(3): passed descriptors start at 3. */
export const SD_LISTEN_FDS_START = 3;

export function listenOptions(target: ListenTarget): ListenOptions {
  switch (target.kind) {
    case 'tcp':
      return { host: target.host, port: target.port };
    case 'unix':
      return { path: target.path };
    case 'fd':
      return { fd: target.fd };
  }
}

/** A URL-ish description for logs and the banner, using the bound port when known. */
export function describeTarget(target: ListenTarget, bound?: { port: number } | string | null, secure = false): string {
  const scheme = secure ? 'https' : 'http';
  switch (target.kind) {
    case 'tcp': {
      const port = typeof bound === 'object' && bound !== null ? bound.port : target.port;
      const host = target.host === '0.0.0.0' || target.host === '::' ? 'localhost' : target.host.includes(':') ? `[${target.host}]` : target.host;
      return `${scheme}://${host}:${port}/`;
    }
    case 'unix':
      return `unix:${target.path}`;
    case 'fd': {
      const port = typeof bound === 'object' && bound !== null ? `, ${scheme}://localhost:${bound.port}/` : '';
      return `fd ${target.fd}${port}`;
    }
  }
}

/**
 * The socket systemd passed us, if any (sd_listen_fds semantics): LISTEN_PID must name this
 * process, otherwise the variables were meant for someone else (an ancestor) and are ignored.
 * The variables are removed from `env` so that processes we start do not take them for their own.
 */
export function systemdListenFd(env: NodeJS.ProcessEnv, pid: number): { fd: number; count: number } | null {
  const pidText = env.LISTEN_PID;
  const countText = env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (pidText === undefined || countText === undefined) return null;
  if (Number(pidText) !== pid) return null;
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) return null;
  return { fd: SD_LISTEN_FDS_START, count };
}

export class ListenTargetError extends Error {
  override name = 'ListenTargetError';
}

function probe(path: string): Promise<'live' | 'stale' | 'gone'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === 'ECONNREFUSED') resolve('stale');
      else if (error.code === 'ENOENT') resolve('gone');
      else reject(error);
    });
  });
}

/**
 * Makes `path` free for a new Unix socket. A socket file left by a server that died is removed
 * (nothing answers on it); a socket someone still serves on, or any file that is not a socket, is
 * never deleted: that is the user's data or another server, and we say so.
 */
export async function prepareUnixSocket(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!info.isSocket()) throw new ListenTargetError(`${path} exists and is not a socket; refusing to delete it (choose another --unix path)`);
  const state = await probe(path);
  if (state === 'live') throw new ListenTargetError(`${path} is in use: another server answers on it`);
  if (state === 'stale') {
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** One clear line for the listen errors a user can cause, or null for anything else. */
export function explainListenError(error: NodeJS.ErrnoException, target: ListenTarget): string | null {
  if (target.kind === 'tcp') {
    const { host, port } = target;
    switch (error.code) {
      case 'EADDRINUSE':
        return `port ${port} on ${host} is already in use (is another server running?); stop it, or pick another port: --port ${port === 65535 ? 8000 : port + 1} (or -p 0 for any free port)`;
      case 'EACCES':
        return `no permission to listen on port ${port}${port < 1024 ? ' (ports below 1024 need privileges)' : ''}; use a port from 1024 up, e.g. --port 8080`;
      case 'EADDRNOTAVAIL':
        return `address ${host} does not belong to this machine; use 0.0.0.0 (every interface) or 127.0.0.1 with --host`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `host name ${host} cannot be resolved; give an IP address with --host`;
      default:
        break;
    }
  }
  const where = target.kind === 'tcp' ? `port ${target.port} on ${target.host}` : target.kind === 'unix' ? `socket ${target.path}` : `fd ${target.fd}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `${where} is already in use (is another server running?); stop it or choose another`;
    case 'EACCES':
      return target.kind === 'tcp' && target.port < 1024 ? `no permission to listen on ${where} (ports below 1024 need privileges); use a port from 1024 up` : `no permission to listen on ${where}`;
    case 'EADDRNOTAVAIL':
      return `address ${target.kind === 'tcp' ? target.host : ''} does not belong to this machine; use 0.0.0.0, :: or 127.0.0.1`;
    case 'EAFNOSUPPORT':
      return `${where}: this machine has no IPv6 support; use an IPv4 address`;
    case 'EBADF':
    case 'ENOTSOCK':
    case 'EINVAL':
      return target.kind === 'fd' ? `fd ${target.fd} is not an open listening socket (was the socket passed by the supervisor?)` : null;
    default:
      return null;
  }
}
