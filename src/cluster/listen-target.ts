// Where the server listens: a TCP address (IPv4, IPv6 or dual-stack "::"), a Unix socket path, or a
// file descriptor that a supervisor opened for us (systemd socket activation). The primary resolves
// the target once and hands the same target to every worker.

import { lstat, unlink } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
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

/** What a listen reports: the TCP address with every host bound, or a socket path. */
export type BoundAddress = { address: string; family: string; port: number; hosts: string[] } | string;

/** Anything that listens like HttpServer.listen (a second call adds a listener). */
export interface Listenable {
  listen(options: ListenOptions): Promise<AddressInfo | string>;
}

/** listen() errors that mean "this machine has no such address family or address", not a failure. */
const NO_SUCH_FAMILY = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL']);
// RFC 6761 §6.3: localhost names the loopback addresses. Both are bound because clients differ in
// which they try first (Node and curl resolve ::1 first on most systems, some tools only 127.0.0.1).
const LOOPBACK_HOSTS = ['127.0.0.1', '::1'] as const;

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/**
 * Listens on a target. TCP hosts with a meaning of their own: "::" is dual-stack (IPv6 and, through
 * mapped addresses, IPv4) and falls back to 0.0.0.0 on a machine without IPv6; "localhost" binds
 * 127.0.0.1 and ::1 on the same port (whichever of the two the machine has). Any other failure,
 * a port in use above all, is thrown for the caller to explain.
 */
export async function listenTarget(server: Listenable, target: ListenTarget): Promise<BoundAddress> {
  if (target.kind !== 'tcp') {
    const a = await server.listen(listenOptions(target));
    return typeof a === 'string' ? a : { address: a.address, family: a.family, port: a.port, hosts: [a.address] };
  }
  const hosts = target.host.toLowerCase() === 'localhost' ? [...LOOPBACK_HOSTS] : target.host === '::' ? ['::', '0.0.0.0'] : [target.host];
  const alternatives = target.host === '::'; // the second host only when the first is not available
  const bound: AddressInfo[] = [];
  let unavailable: unknown = null;
  let port = target.port;
  for (const host of hosts) {
    if (alternatives && bound.length > 0) break;
    try {
      const a = (await server.listen({ host, port })) as AddressInfo;
      bound.push(a);
      port = a.port; // with port 0, the other loopback address takes the port the first one got
    } catch (error) {
      if (hosts.length === 1 || !NO_SUCH_FAMILY.has(errorCode(error) ?? '')) throw error;
      unavailable ??= error;
    }
  }
  const first = bound[0];
  if (first === undefined) throw unavailable;
  return { address: first.address, family: first.family, port: first.port, hosts: bound.map((a) => a.address) };
}

/** Binds throwaway listeners, the way listenTarget would, to see whether a port is free. */
class Probe implements Listenable {
  readonly #servers: Server[] = [];

  listen(options: ListenOptions): Promise<AddressInfo | string> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: options.port ?? 0, host: options.host }, () => {
        this.#servers.push(server);
        resolve(server.address() ?? '');
      });
    });
  }

  close(): Promise<void> {
    return Promise.all(this.#servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined);
  }
}

/**
 * The first port from target.port that is free on every host the target binds, trying `tries`
 * ports; null when all are in use. Used only for the default port (nobody asked for that one),
 * before any worker listens, so that every worker of a cluster is given the same port. Another
 * program could take the port in the instant between probe and listen; the listen then fails with
 * the usual clear message.
 */
export async function firstFreePort(target: ListenTarget & { kind: 'tcp' }, tries: number): Promise<number | null> {
  for (let port = target.port; port < target.port + tries && port <= 65535; port++) {
    const probe = new Probe();
    try {
      await listenTarget(probe, { ...target, port });
      return port;
    } catch (error) {
      // Anything but "in use" (no permission, a bad host) is the real listen's to report.
      if (errorCode(error) !== 'EADDRINUSE') return port;
    } finally {
      await probe.close();
    }
  }
  return null;
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
