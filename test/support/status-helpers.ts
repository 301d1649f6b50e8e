// Test support for the status area: a server with the site handler and a status recorder over a
// temp document root, and a raw-socket client that reports exactly how many bytes went each way.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { StatusRecorder } from '../../src/status/metrics.ts';
import type { StatusRouteOptions } from '../../src/status/status-routes.ts';
import type { Handler } from '../../src/server/connection.ts';

export const INDEX_HTML = '<!doctype html><title>home</title><p>hello</p>\n';
export const ONE_KIB = Buffer.alloc(1024, 'x');

export interface StatusFixture {
  server: HttpServer;
  recorder: StatusRecorder;
  port: number;
  base: string;
  root: string;
  /** Server-side sockets accepted so far (to await their close). */
  sockets: Socket[];
  close(): Promise<void>;
}

export async function startStatusServer(status: Omit<StatusRouteOptions, 'recorder'> = {}, options: { host?: string; wrap?: (h: Handler) => Handler } = {}): Promise<StatusFixture> {
  const root = await mkdtemp(join(tmpdir(), 'httpcraft-status-'));
  await writeFile(join(root, 'index.html'), INDEX_HTML);
  await writeFile(join(root, 'one-kib.bin'), ONE_KIB);
  const recorder = new StatusRecorder({ name: 'httpcraft-test', version: '9.8.7' });
  const site = createSiteHandler({
    documentRoot: root,
    showHiddenFiles: false,
    followSymlinks: false,
    logger: createConsoleLogger('ERROR', { write: () => true } as unknown as NodeJS.WritableStream),
    status: { recorder, ...status },
  });
  const server = createServer({ handler: options.wrap === undefined ? site : options.wrap(site) });
  recorder.attach(server);
  const sockets: Socket[] = [];
  server.on('connection', (s) => sockets.push(s));
  const address = (await server.listen({ host: options.host ?? '127.0.0.1', port: 0 })) as AddressInfo;
  return {
    server,
    recorder,
    port: address.port,
    base: `http://127.0.0.1:${address.port}`,
    root,
    sockets,
    close: async () => {
      recorder.close();
      await server.close(200);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface Exchange {
  /** Everything the server sent, until it closed the connection. */
  raw: Buffer;
  /** Bytes we wrote. */
  written: number;
}

/** Sends bytes on a fresh connection and reads until the server closes it. */
export function exchange(port: number, request: string | Buffer, options: { localAddress?: string } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const data = typeof request === 'string' ? Buffer.from(request, 'latin1') : request;
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1', ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) }, () => socket.write(data));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve({ raw: Buffer.concat(chunks), written: data.length }));
    socket.setTimeout(15_000, () => socket.destroy(new Error('exchange timed out')));
  });
}

export interface ParsedResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** Splits a byte stream of responses framed by Content-Length (or empty, for HEAD/204). */
export function parseResponses(raw: Buffer, heads: readonly boolean[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at, 'latin1');
    if (end === -1) throw new Error(`incomplete head at byte ${at}`);
    const lines = raw.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const isHead = heads[out.length] === true;
    const length = isHead || status === 204 || status === 304 ? 0 : Number(headers.get('content-length') ?? 0);
    const bodyStart = end + 4;
    out.push({ status, headers, body: raw.subarray(bodyStart, bodyStart + length) });
    at = bodyStart + length;
  }
  return out;
}

/** One GET over a fresh connection; returns the parsed response. */
export async function rawGet(port: number, target: string, options: { localAddress?: string; headers?: string; method?: string } = {}): Promise<ParsedResponse> {
  const method = options.method ?? 'GET';
  const ex = await exchange(port, `${method} ${target} HTTP/1.1\r\nHost: t\r\n${options.headers ?? ''}Connection: close\r\n\r\n`, options);
  return parseResponses(ex.raw, [method === 'HEAD'])[0]!;
}

/** Resolves once every given server-side socket has closed. */
export function allClosed(sockets: readonly Socket[]): Promise<void> {
  return Promise.all(sockets.map((s) => (s.closed ? Promise.resolve() : new Promise<void>((r) => s.once('close', () => r()))))).then(() => undefined);
}

/**
 * The known sequence: four connections, six requests, then the snapshot on a fifth connection.
 * Returns the bytes each side wrote on the first four connections.
 */
export async function knownSequence(f: StatusFixture): Promise<{ clientWrote: number; serverWrote: number }> {
  const a = await exchange(
    f.port,
    'GET / HTTP/1.1\r\nHost: t\r\n\r\n' + 'GET /missing HTTP/1.1\r\nHost: t\r\n\r\n' + 'HEAD /one-kib.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
  );
  const ra = parseResponses(a.raw, [false, false, true]);
  assert.deepEqual(
    ra.map((r) => r.status),
    [200, 404, 200],
  );
  assert.equal(ra[0]!.body.toString(), INDEX_HTML);
  const b = await exchange(f.port, 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  const c = await exchange(f.port, 'BREW / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  const d = await exchange(f.port, 'OPTIONS / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  assert.deepEqual(
    [b, c, d].map((x) => parseResponses(x.raw)[0]!.status),
    [501, 501, 204],
  );
  // The server has seen every close before we ask, so the connection figures are settled.
  await allClosed(f.sockets);
  const all = [a, b, c, d];
  return { clientWrote: all.reduce((n, x) => n + x.written, 0), serverWrote: all.reduce((n, x) => n + x.raw.length, 0) };
}

