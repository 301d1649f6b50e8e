// Starts our server on 127.0.0.1 port 0 for a test and hands back what the test needs to reach it and
// to stop it. Every test that calls startServer must await close() (use t.after or try/finally).

import type { AddressInfo, Socket } from 'node:net';
import { createServer, type HttpServer, type ServerOptions } from '../../src/server/http-server.ts';
import type { Handler } from '../../src/server/connection.ts';

export interface StartedServer {
  port: number;
  url: string;
  server: HttpServer;
  /** Server-side sockets in the order they were accepted. */
  sockets: Socket[];
  /** Errors the server reported (handler throws, socket errors). */
  errors: unknown[];
  /** Graceful close; connections still open after graceMs are destroyed. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(handler: Handler, options: Partial<Omit<ServerOptions, 'handler'>> = {}): Promise<StartedServer> {
  const server = createServer({ serverName: 'httpcraft-test', ...options, handler });
  const sockets: Socket[] = [];
  const errors: unknown[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  server.on('error', (error) => errors.push(error));
  const address = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    server,
    sockets,
    errors,
    close(graceMs = 200) {
      closing ??= server.close(graceMs);
      return closing;
    },
  };
}
