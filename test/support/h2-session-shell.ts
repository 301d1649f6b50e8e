// A tiny IO shell for the sans-IO ServerSession, for tests only: a node:net server on 127.0.0.1
// that feeds socket bytes to a session, writes its output when it asks (once per event-loop turn,
// waiting for 'drain' when the socket is full) and ends the socket after a connection error. The
// app below answers a few routes, streaming with write()/onWritable and consuming uploads as they
// arrive. The real shell (src/server) comes next; this one shows the contract is enough.

import { createHash } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { ServerSession, type ServerStream, type RequestHead } from '../../src/http2/session.ts';

interface StreamApp {
  onData?(chunk: Buffer): void;
  onEnd?(): void;
  onWritable?(): void;
}

export interface ShellStats {
  requests: number;
  resets: number[];
  connectionErrors: string[];
}

export interface Shell {
  port: number;
  stats: ShellStats;
  /** Graceful shutdown of every connection (session.shutdown()); sockets end once drained. */
  shutdown(): void;
  close(): Promise<void>;
}

export const pattern = (n: number): Buffer => {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >>> 8)) & 0xff;
  return out;
};

function app(stream: ServerStream, head: RequestHead, stats: ShellStats): StreamApp {
  stats.requests++;
  const url = new URL(head.path, 'http://x');
  if (url.pathname === '/hello') {
    stream.respond(200, ['content-type', 'text/plain', 'content-length', '5']);
    stream.write(Buffer.from('hello'));
    stream.end();
    return {};
  }
  if (url.pathname === '/sink') {
    // Takes a body and never answers: a stream that only the client's reset ends.
    return { onData: (chunk) => stream.consumed(chunk.length) };
  }
  if (url.pathname === '/upload') {
    const hash = createHash('sha256');
    let length = 0;
    return {
      onData: (chunk) => {
        hash.update(chunk);
        length += chunk.length;
        stream.consumed(chunk.length);
      },
      onEnd: () => {
        const body = Buffer.from(JSON.stringify({ length, sha256: hash.digest('hex') }));
        stream.respond(200, ['content-type', 'application/json']);
        stream.write(body);
        stream.end();
      },
    };
  }
  if (url.pathname === '/big') {
    const body = pattern(Number(url.searchParams.get('n') ?? '0'));
    let at = 0;
    const pump = (): void => {
      while (at < body.length) {
        const chunk = body.subarray(at, at + 65_536);
        at += chunk.length;
        if (!stream.write(chunk)) return; // wait for onWritable
      }
      stream.end();
    };
    stream.respond(200, ['content-length', String(body.length)]);
    pump();
    return { onWritable: pump };
  }
  stream.respond(404, [], { endStream: true });
  return {};
}

export async function startShell(): Promise<Shell> {
  const stats: ShellStats = { requests: 0, resets: [], connectionErrors: [] };
  const sockets = new Set<Socket>();
  const shutdowns = new Set<() => void>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let scheduled = false;
    let waiting = false;
    let drained = false;
    const session: ServerSession = new ServerSession(
      { now: Date.now() },
      {
        onRequest: (stream, head) => {
          stream.context = app(stream, head, stats);
          if (head.endStream) (stream.context as StreamApp).onEnd?.();
        },
        onData: (stream, chunk) => (stream.context as StreamApp).onData?.(chunk),
        onEnd: (stream) => (stream.context as StreamApp).onEnd?.(),
        onWritable: (stream) => (stream.context as StreamApp).onWritable?.(),
        onStreamReset: (stream, code) => {
          stats.resets.push(code);
          stream.context = {};
        },
        onConnectionError: (_code, reason) => stats.connectionErrors.push(reason),
        onOutput: () => {
          if (scheduled) return;
          scheduled = true;
          setImmediate(flush);
        },
        onDrained: () => {
          drained = true;
          setImmediate(flush);
        },
      },
    );
    function flush(): void {
      scheduled = false;
      if (waiting || socket.destroyed) return;
      for (let bufs = session.takeOutput(); bufs !== null; bufs = session.takeOutput()) {
        socket.cork();
        let ok = true;
        for (const b of bufs) ok = socket.write(b);
        socket.uncork();
        if (!ok) {
          waiting = true;
          socket.once('drain', () => {
            waiting = false;
            flush();
          });
          return;
        }
      }
      if (session.closed || drained) socket.end();
    }
    const shutdown = (): void => {
      session.shutdown();
      flush();
    };
    shutdowns.add(shutdown);
    socket.on('close', () => shutdowns.delete(shutdown));
    socket.on('data', (chunk: Buffer) => {
      session.now = Date.now();
      session.receive(chunk);
      flush();
    });
    flush(); // our SETTINGS go first
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    shutdown: () => {
      for (const f of shutdowns) f();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
