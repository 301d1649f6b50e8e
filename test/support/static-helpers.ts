// Helpers for the static-file tests: temp trees with awkward names, a site server on 127.0.0.1:0,
// raw-socket requests with a minimal response parser, and curl.

import { mkdtemp, mkdir, realpath, rm, symlink, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect, type AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';
import { createSiteHandler, type SiteHandler, type SiteOptions } from '../../src/app/site.ts';
import { createConsoleLogger, type Logger } from '../../src/log/logger.ts';
import { Writable } from 'node:stream';

export type TreeSpec = Record<string, string | Buffer | { symlink: string } | { mtime: Date; content: string | Buffer }>;

export interface Tree {
  root: string;
  path(rel: string): string;
  cleanup(): Promise<void>;
}

/** Builds a file tree in a fresh temp folder. Keys ending in "/" are folders. */
export async function makeTree(spec: TreeSpec, prefix = 'httpcraft-static-'): Promise<Tree> {
  const root = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  for (const [rel, value] of Object.entries(spec)) {
    const full = join(root, rel);
    if (rel.endsWith('/')) {
      await mkdir(full, { recursive: true });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    if (typeof value === 'string' || Buffer.isBuffer(value)) await writeFile(full, value);
    else if ('symlink' in value) await symlink(value.symlink, full);
    else {
      await writeFile(full, value.content);
      await utimes(full, value.mtime, value.mtime);
    }
  }
  return { root, path: (rel) => join(root, rel), cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A quiet logger that collects error reports, so a test can assert that nothing failed unexpectedly. */
export const silentLogger: Logger & { errors: string[] } = Object.assign(createConsoleLogger('ERROR', new Writable({ write: (_c, _e, done) => done() })), { errors: [] as string[] });
const quietError = silentLogger.error.bind(silentLogger);
silentLogger.error = (message: string, error?: unknown) => {
  silentLogger.errors.push(`${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  quietError(message, error);
};

export interface Site {
  server: HttpServer;
  handler: SiteHandler;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startSite(root: string, options: Partial<SiteOptions> = {}): Promise<Site> {
  const handler = createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger: silentLogger, ...options });
  const server = createServer({ handler, serverName: 'httpcraft-test' });
  const address = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  return { server, handler, port: address.port, url: `http://127.0.0.1:${address.port}`, close: () => server.close(1000) };
}

export interface RawResponse {
  status: number;
  headers: Map<string, string[]>;
  head: string;
  body: Buffer;
  /** One header (first value), lower-case name. */
  h(name: string): string | undefined;
}

/** Sends raw bytes and collects everything until the server closes (send "Connection: close"). */
export function rawExchange(port: number, request: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.write(request);
  });
}

export function parseResponse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete head in ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  const head = bytes.subarray(0, end).toString('latin1');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  let body = bytes.subarray(end + 4);
  if (headers.get('transfer-encoding')?.[0] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, head, body, h: (name) => headers.get(name.toLowerCase())?.[0] };
}

/** GET (or another method) over a raw socket with Connection: close; returns the parsed response. */
export async function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  let req = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
  return parseResponse(await rawExchange(port, req + '\r\n'));
}

export function curl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', ...args], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(Object.assign(error, { stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/** Decodes a chunked body (RFC 9112 §7.1), strictly: a malformed one throws. */
export function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', pos);
    if (eol === -1) throw new Error('chunked body: missing size line');
    const size = parseInt(data.subarray(pos, eol).toString('latin1').split(';')[0]!, 16);
    if (Number.isNaN(size)) throw new Error('chunked body: bad size');
    pos = eol + 2;
    if (size === 0) return Buffer.concat(out);
    out.push(data.subarray(pos, pos + size));
    pos += size + 2;
  }
}
