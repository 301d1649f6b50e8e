// A WebSocket endpoint on the router: checks the handshake (handshake.ts), answers refusals as
// plain HTTP, switches the connection (Response#switchProtocols) and keeps the open sockets in
// `clients`, for broadcasts and for graceful shutdown (close 1001).

import type { Request } from '../server/request.ts';
import type { Response, SwitchedProtocol } from '../server/response.ts';
import type { Socket } from 'node:net';
import { checkHandshake, hasToken } from './handshake.ts';
import { deflateOptions, type DeflateParams, type PerMessageDeflateOptions } from './permessage-deflate.ts';
import { PerMessageDeflate } from './deflate.ts';
import { WebSocket, type WebSocketSettings } from './websocket.ts';
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL } from './close-codes.ts';

export type WebSocketHandler = (ws: WebSocket, req: Request) => void | Promise<void>;

export interface WebSocketRouteOptions {
  /** Subprotocols spoken here, most preferred first, or a function choosing among those offered. */
  protocols?: readonly string[] | ((offered: readonly string[], req: Request) => string | null);
  /** Origin check (RFC 6455 §10.2): false answers 403. Gets the Origin field (undefined when absent). */
  origin?: (origin: string | undefined, req: Request) => boolean;
  /** Largest message accepted, in bytes, after inflation (1009 beyond). Default 16 MiB. */
  maxPayload?: number;
  /** permessage-deflate (RFC 7692): true (default) with the defaults, an object to tune, false for none. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Milliseconds without a message from the peer before closing with 1001; 0 (default) never. */
  idleTimeout?: number;
  /** Milliseconds between heartbeat pings (default 30 000); a peer that sent nothing since the last
   * one is dropped. 0 turns the heartbeat off. */
  heartbeatInterval?: number;
  /** Milliseconds the closing handshake may take before the socket is dropped (default 5 000). */
  closeTimeout?: number;
  /** Bytes a socket may hold unsent before a further send closes it with 1008 (default 4 MiB). */
  maxBufferedBytes?: number;
}

export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
export const DEFAULT_HEARTBEAT_MS = 30_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

function positive(name: string, value: number | undefined, fallback: number, allowZero: boolean): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0 || (!allowZero && v === 0)) throw new RangeError(`websocket option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, not ${value}`);
  return v;
}

/** Whether a request asks for a WebSocket (Upgrade lists "websocket"): only those reach a route. */
export function isWebSocketRequest(req: Request): boolean {
  return hasToken(req.header('upgrade'), 'websocket');
}

export class WebSocketRoute {
  readonly path: string | ((path: string, req: Request) => boolean);
  /** Every open WebSocket of this route; a socket leaves it when it closes. */
  readonly clients = new Set<WebSocket>();
  readonly #handler: WebSocketHandler;
  readonly #options: WebSocketRouteOptions;
  readonly #deflate: Required<PerMessageDeflateOptions> | false;
  readonly #settings: WebSocketSettings;

  constructor(path: string | ((path: string, req: Request) => boolean), handler: WebSocketHandler, options: WebSocketRouteOptions = {}) {
    this.path = path;
    this.#handler = handler;
    this.#options = options;
    // Options are checked here, once: a bad one is a programming error, named at start-up.
    const d = options.perMessageDeflate ?? true;
    this.#deflate = d === false ? false : deflateOptions(d);
    this.#settings = Object.freeze({
      maxPayload: positive('maxPayload', options.maxPayload, DEFAULT_MAX_PAYLOAD, false),
      maxBufferedBytes: positive('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES, false),
      idleTimeout: positive('idleTimeout', options.idleTimeout, 0, true),
      heartbeatInterval: positive('heartbeatInterval', options.heartbeatInterval, DEFAULT_HEARTBEAT_MS, true),
      closeTimeout: positive('closeTimeout', options.closeTimeout, DEFAULT_CLOSE_TIMEOUT_MS, false),
    });
  }

  /** The GET handler: a handshake that is wrong gets an HTTP answer saying what, never an upgrade. */
  readonly handle = (req: Request, res: Response): void => {
    const protocols = this.#options.protocols;
    const result = checkHandshake(req, {
      protocols: typeof protocols === 'function' ? (offered) => protocols(offered, req) : protocols,
      deflate: this.#deflate,
    });
    if (!result.ok) {
      refuse(res, result.status, result.message, result.fields);
      return;
    }
    const origin = this.#options.origin;
    // RFC 6455 §10.2: the Origin check is the server's to make (browsers always send Origin).
    if (origin !== undefined && !origin(req.header('origin'), req)) {
      refuse(res, 403, 'this origin may not open a WebSocket here', {});
      return;
    }
    const deflate = result.deflate;
    const protocol = result.protocol;
    const extensions = result.extensions;
    res.switchProtocols(result.fields, (socket, head) => this.#open(socket, head, req, protocol, extensions, deflate));
  };

  /** The new WebSocket. Kept apart from handle(): closures made here (close listener, shutdown)
   * live as long as the socket, and must not hold on to the request through handle's scope. */
  #open(socket: Socket, head: Buffer, req: Request, protocol: string, extensions: string, deflate: DeflateParams | null): SwitchedProtocol {
    const d = this.#deflate;
    const ws = new WebSocket(
      socket,
      head,
      { protocol, extensions, deflate: deflate === null || d === false ? null : new PerMessageDeflate({ params: deflate, threshold: d.threshold, memLevel: d.memLevel, level: d.level }) },
      this.#settings,
      req.trace?.afterSwitch ?? null,
    );
    this.clients.add(ws);
    ws.once('close', () => this.clients.delete(ws));
    const returned = this.#handler(ws, req);
    if (returned !== undefined && typeof returned.then === 'function') {
      // RFC 6455 §7.4.1: 1011, the server met a condition that kept it from going on.
      returned.then(undefined, (error: unknown) => {
        if (ws.listenerCount('error') > 0) ws.emit('error', error instanceof Error ? error : new Error(String(error)));
        ws.close(CLOSE_INTERNAL, 'internal error');
      });
    }
    return { shutdown: () => ws.close(CLOSE_GOING_AWAY, 'server shutting down') };
  }
}

function refuse(res: Response, status: number, message: string, fields: Record<string, string>): void {
  for (const [name, value] of Object.entries(fields)) res.setHeader(name, value);
  // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to.
  if (status === 426) {
    res.setHeader('Upgrade', 'websocket');
    res.setHeader('Connection', 'Upgrade');
  }
  res.send(status, `${message}\n`);
}
