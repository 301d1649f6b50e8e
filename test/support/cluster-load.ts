// A bounded load generator on raw sockets for the cluster tests. Each client sends GETs one after
// another, on a keep-alive connection or a fresh connection per request, and records every outcome
// with the connection it used. A keep-alive client does what RFC 9112 §9.3.1 allows a client to do:
// when a reused idle connection is closed before any byte of the response arrived, it retries the
// (idempotent) request once on a new connection; that is counted as a retry, never hidden.

import { connect, type Socket } from 'node:net';

export type Target = { port: number; host?: string } | { path: string };

export interface ConnInfo {
  id: number;
  localPort: number;
  openedAt: number;
}

export interface Outcome {
  ok: boolean;
  status: number;
  /** Why it failed ('' when ok). */
  reason: string;
  conn: ConnInfo | null;
  startedAt: number;
  endedAt: number;
  /** Bytes of the response received before a failure. */
  received: number;
  /** This request was a retry of one closed before any response byte on a reused connection. */
  retry: boolean;
  /** For a retry: the connection the first attempt was closed on. */
  retriedFrom: ConnInfo | null;
}

let nextConnId = 1;

export class RawHttpClient {
  readonly #target: Target;
  readonly #keepAlive: boolean;
  #socket: Socket | null = null;
  #conn: ConnInfo | null = null;
  #uses = 0;
  #ended = false;

  constructor(target: Target, keepAlive: boolean) {
    this.#target = target;
    this.#keepAlive = keepAlive;
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = 'path' in this.#target ? connect({ path: this.#target.path }) : connect({ port: this.#target.port, host: this.#target.host ?? '127.0.0.1' });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  /** One GET; never throws. `retriedFrom` marks the outcome as a retry of a request closed on that connection. */
  async get(path: string, retriedFrom: ConnInfo | null = null): Promise<Outcome> {
    const retry = retriedFrom !== null;
    const startedAt = Date.now();
    const fail = (reason: string, received = 0): Outcome => ({ ok: false, status: 0, reason, conn: this.#conn, startedAt, endedAt: Date.now(), received, retry, retriedFrom });
    if (this.#socket === null || this.#ended || this.#socket.destroyed) {
      this.close();
      try {
        this.#socket = await this.#open();
      } catch (error) {
        this.#conn = null;
        return fail(`connect: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      this.#ended = false;
      this.#uses = 0;
      this.#conn = { id: nextConnId++, localPort: this.#socket.localPort ?? 0, openedAt: Date.now() };
      this.#socket.on('end', () => (this.#ended = true));
      this.#socket.on('error', () => {});
    }
    const socket = this.#socket;
    const reused = this.#uses > 0;
    this.#uses++;
    const outcome = await new Promise<Outcome>((resolve) => {
      let buf = Buffer.alloc(0);
      let headEnd = -1;
      let length = -1;
      let status = 0;
      let closeAfter = !this.#keepAlive;
      const finish = (o: Outcome): void => {
        socket.off('data', onData);
        socket.off('close', onClose);
        clearTimeout(timer);
        resolve(o);
      };
      const onData = (chunk: Buffer): void => {
        buf = Buffer.concat([buf, chunk]);
        if (headEnd < 0) {
          headEnd = buf.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const head = buf.subarray(0, headEnd).toString('latin1');
          status = Number(head.slice(9, 12));
          length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
          if (/\r\nconnection: *close/i.test(head)) closeAfter = true;
        }
        if (length >= 0 && buf.length >= headEnd + 4 + length) {
          if (closeAfter) this.close();
          finish({ ok: status === 200, status, reason: status === 200 ? '' : `status ${status}`, conn: this.#conn, startedAt, endedAt: Date.now(), received: buf.length, retry, retriedFrom });
        }
      };
      const onClose = (): void => {
        this.#socket = null;
        finish(fail(buf.length === 0 ? (reused ? 'closed before any response byte (reused connection)' : 'closed before any response byte') : 'response cut', buf.length));
      };
      const timer = setTimeout(() => {
        this.close();
        finish(fail('timeout', buf.length));
      }, 15_000);
      socket.on('data', onData);
      socket.on('close', onClose);
      const host = 'path' in this.#target ? 'localhost' : '127.0.0.1';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${this.#keepAlive ? '' : 'Connection: close\r\n'}\r\n`);
    });
    if (!outcome.ok && !retry && this.#keepAlive && reused && outcome.received === 0 && outcome.reason.startsWith('closed before any response byte')) {
      const first = outcome.conn;
      this.close();
      return this.get(path, first);
    }
    return outcome;
  }
}

export interface LoadOptions {
  target: Target;
  path: string;
  /** One entry per concurrent client: keep-alive or a fresh connection per request. */
  clients: Array<{ keepAlive: boolean }>;
  /** Checked before each request; the loop ends when it returns true. */
  stop: () => boolean;
  /** Hard cap on requests across all clients (keeps the test bounded). */
  maxRequests: number;
  /** Pause after a failed request before the next (a polite client). */
  pauseAfterFailureMs?: number;
  onOutcome?: (o: Outcome) => void;
}

export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let sent = 0;
  await Promise.all(
    options.clients.map(async ({ keepAlive }) => {
      const client = new RawHttpClient(options.target, keepAlive);
      try {
        while (!options.stop() && sent < options.maxRequests) {
          sent++;
          const o = await client.get(options.path);
          outcomes.push(o);
          options.onOutcome?.(o);
          if (!o.ok && options.pauseAfterFailureMs !== undefined) await new Promise((r) => setTimeout(r, options.pauseAfterFailureMs));
        }
      } finally {
        client.close();
      }
    }),
  );
  return outcomes;
}
