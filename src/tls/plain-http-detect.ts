// The front door of an HTTPS listener. A plain net.Server accepts each connection and looks at the
// first byte before any TLS happens: a TLS record starts with its content type, and a ClientHello
// travels in a handshake record, type 22 (RFC 8446 §5.1). Anything else is not TLS. A client that
// typed http:// for our https:// port then gets a readable 400 instead of a handshake failure or a
// hang; other bytes get a clean close. TLS connections are handed, bytes intact, to a tls.Server
// that never listens itself (tls.Server accepts injected connections through its 'connection' event).

import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { serializeHead } from '../http1/response-head.ts';
import { currentHttpDate } from '../server/date-header.ts';

const TLS_HANDSHAKE_RECORD = 0x16;
// After answering a plain-HTTP client, keep reading (and dropping) briefly so its unread request
// bytes do not turn our close into a reset that destroys the answer (RFC 9112 §9.6).
const LINGER_MS = 1000;

export interface TlsFrontOptions {
  tls: TlsOptions;
  /** Server header for the plain-HTTP answer ('' for none). */
  serverName: string;
  /** A connection that sends nothing for this long is closed. */
  firstByteTimeoutMs: number;
}

export interface TlsFront {
  /** What listens. */
  readonly net: NetServer;
  /** What speaks TLS (setSecureContext, ticket keys, 'tlsClientError'). */
  readonly tls: TlsServer;
  /** Closes connections that have not sent their first byte yet (shutdown). */
  closePending(): void;
}

/**
 * Whether the bytes start like an HTTP request (a method is an upper-case token in practice), and
 * if so the target and Host, when the first chunk holds them. A slow client may send only "G" first:
 * it still gets the answer, without the URL hint.
 */
function plainRequest(chunk: Buffer): { target: string; host: string | null } | null {
  const first = chunk[0] ?? 0;
  if (first < 0x41 || first > 0x5a) return null;
  const text = chunk.subarray(0, 8192).toString('latin1');
  const line = /^[A-Z][A-Z0-9!#$%&'*+.^_`|~-]* (\S+) HTTP\/\d\.\d\r?\n/.exec(text);
  if (line === null) return { target: '/', host: null };
  const host = /\r?\nhost:[ \t]*([^\r\n]*)/i.exec(text)?.[1]?.trim() ?? null;
  return { target: line[1]!, host };
}

/** The 400 answer; names the https:// URL when the request carried a sane Host and origin-form target. */
function plainHttpAnswer(serverName: string, request: { target: string; host: string | null }): string {
  // Only RFC 3986 authority characters go back out, so nothing the client sent can shape the page.
  const host = request.host !== null && /^[A-Za-z0-9.\-_~[\]:]{1,255}$/.test(request.host) ? request.host : null;
  const target = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/.test(request.target) ? request.target : '/';
  const hint = host === null ? 'Use https:// instead of http://.' : `Use https://${host}${target} instead.`;
  const body = `400 Bad Request: This port speaks HTTPS, and the request was plain HTTP. ${hint}\n`;
  const fields =
    'Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n' + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n`;
  return serializeHead(400, serverName, fields, currentHttpDate()) + body;
}

function closeAfterLinger(socket: Socket): void {
  socket.end();
  socket.on('data', () => {}); // read and drop
  socket.resume();
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** A socket of the front that fails before it is handed on ends there (no per-socket closure). */
function destroyOnError(this: Socket): void {
  this.destroy();
}

/**
 * Creates the listener pair. onSecure receives each connection once its handshake is done, exactly
 * like a tls.Server's 'secureConnection' listener.
 *
 * What the front adds to a TLS connection is kept small, as every new connection pays it: one shared
 * 'error' and one shared 'data' listener (functions of the front, not closures per socket) and an
 * entry in the map of sockets waiting for their first byte, whose deadlines one sweep checks (no
 * timer per socket). Sockets are not half-open until their handshake is done: a client that hangs
 * up before its first byte is closed by Node, with no 'end' listener of ours.
 */
export function createTlsFront(options: TlsFrontOptions, onSecure: (socket: TLSSocket) => void): TlsFront {
  const tls = createTlsServer({ ...options.tls }, (socket: TLSSocket) => {
    // Handshake done: from here a client may half-close after its request and still get the answer.
    socket.allowHalfOpen = true;
    onSecure(socket);
  });
  // A failed handshake (bad client, unknown CA, no shared cipher) concerns that client only.
  tls.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy());
  // Sockets waiting for their first byte, with the time (loop clock, ms) by which it must come.
  const pending = new Map<Socket, number>();
  let sweeper: NodeJS.Timeout | null = null;
  const sweepEvery = Math.max(10, Math.min(1000, Math.floor(options.firstByteTimeoutMs / 4)));
  const sweep = (): void => {
    const now = performance.now();
    for (const [socket, deadline] of pending) {
      // A socket closed before its first byte (reset, or an end: see allowHalfOpen) just leaves.
      if (socket.destroyed) pending.delete(socket);
      else if (now >= deadline) {
        pending.delete(socket);
        socket.destroy();
      }
    }
    if (pending.size === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  };

  function onFirstData(this: Socket, chunk: Buffer): void {
    const socket = this;
    socket.removeListener('data', onFirstData);
    pending.delete(socket);
    socket.pause();
    if (chunk[0] === TLS_HANDSHAKE_RECORD) {
      socket.removeListener('error', destroyOnError);
      // Put the bytes back; the TLS socket reads what is buffered before reading the wire. The
      // socket does not allow half-open (the listener's setting), which the TLS socket copies:
      // until the handshake completes, a client that gives up mid-handshake (say, it rejects our
      // certificate) must close the connection, not leave it waiting for the handshake timeout.
      socket.unshift(chunk);
      tls.emit('connection', socket);
      return;
    }
    const request = plainRequest(chunk);
    if (request !== null) socket.write(plainHttpAnswer(options.serverName, request), 'latin1');
    closeAfterLinger(socket);
  }

  const accept = (socket: Socket): void => {
    // Sockets of further listeners (HttpServer.listen called again) come half-open; see above.
    socket.allowHalfOpen = false;
    pending.set(socket, performance.now() + options.firstByteTimeoutMs);
    if (sweeper === null) {
      sweeper = setInterval(sweep, sweepEvery);
      sweeper.unref();
    }
    socket.on('error', destroyOnError);
    socket.on('data', onFirstData);
  };

  // noDelay: TCP_NODELAY is set as libuv accepts, for the TLS socket that takes this one over.
  const net = createNetServer({ allowHalfOpen: false, noDelay: true }, accept);
  return {
    net,
    tls,
    closePending: () => {
      for (const socket of pending.keys()) socket.destroy();
      pending.clear();
      if (sweeper !== null) clearInterval(sweeper);
      sweeper = null;
    },
  };
}
