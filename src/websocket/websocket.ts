// A server-side WebSocket (RFC 6455) on a socket handed over by the HTTP engine's protocol switch:
// the IO shell around the sans-IO receiver and frame writer. It owns the socket, the deadlines
// (idle, heartbeat, close handshake), backpressure, and compression; the API follows the `ws` library.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { WsFrameTap } from '../trace/ws-frame-tap.ts';
import type { AfterSwitch } from '../trace/exchange-trace.ts';
import { Receiver, type ReceiverSink } from './receiver.ts';
import { encodeClose, encodeFrame, encodeTextFrame } from './frame-writer.ts';
import { OP_BINARY, OP_PING, OP_PONG, OP_TEXT, MAX_CONTROL_PAYLOAD } from './frame-parser.ts';
import { CLOSE_ABNORMAL, CLOSE_GOING_AWAY, CLOSE_NO_STATUS, CLOSE_POLICY, WebSocketError, isValidCloseCode } from './close-codes.ts';
import type { PerMessageDeflate } from './deflate.ts';
import { unwatch, watch } from './ticker.ts';

export interface WebSocketEvents {
  message: [data: Buffer, isBinary: boolean];
  ping: [data: Buffer];
  pong: [data: Buffer];
  close: [code: number, reason: string];
  error: [error: Error];
}

/** What the handshake decided for one socket. */
export interface Negotiated {
  protocol: string;
  extensions: string;
  deflate: PerMessageDeflate | null;
}

/** A route's limits: one object shared by every socket of the route. */
export interface WebSocketSettings {
  maxPayload: number;
  maxBufferedBytes: number;
  /** Milliseconds without a message from the peer before closing with 1001; 0: never. */
  idleTimeout: number;
  /** Milliseconds between pings; a peer that has sent nothing since the last one is dropped. 0: none. */
  heartbeatInterval: number;
  /** Milliseconds the closing handshake may take before the socket is dropped. */
  closeTimeout: number;
}

export interface SendOptions {
  /** Send as a binary message (default: true for a Buffer, false for a string). */
  binary?: boolean;
  /** Compress when permessage-deflate was negotiated and the message reaches the threshold (default true). */
  compress?: boolean;
}

/** A frame encoded once for many sockets (broadcast); see encodeMessage(). */
export interface EncodedMessage {
  readonly frame: readonly Buffer[];
  readonly bytes: number;
}

interface QueuedSend {
  ready: boolean;
  bytes: number;
  run(): void;
}

const OWNER = Symbol('httpcraft.websocket');
interface OwnedSocket extends Socket {
  [OWNER]?: WebSocket;
}
type Inner = ReceiverSink & { tick(now: number): void };
function ignore(): void {}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
type ReadyState = 0 | 1 | 2 | 3;
const DONE = Promise.resolve(false);
const MAX_REASON_BYTES = 123;

/** Encodes a message frame once, to write to any number of sockets (uncompressed; one unfragmented
 * data frame, §5.6). */
export function encodeMessage(data: string | Buffer | Uint8Array, options: SendOptions = {}): EncodedMessage {
  const binary = options.binary ?? typeof data !== 'string';
  let frame: Buffer[];
  if (typeof data === 'string' && !binary) frame = [encodeTextFrame(data, OP_TEXT)];
  else frame = encodeFrame(binary ? OP_BINARY : OP_TEXT, toBuffer(data));
  let bytes = 0;
  for (const b of frame) bytes += b.length;
  return { frame, bytes };
}

function toBuffer(data: string | Buffer | Uint8Array): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export class WebSocket extends EventEmitter<WebSocketEvents> {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  /** The subprotocol chosen in the handshake ('' for none). */
  readonly protocol: string;
  /** The Sec-WebSocket-Extensions value we answered with ('' for none). */
  readonly extensions: string;

  readonly #socket: Socket;
  readonly #receiver: Receiver;
  readonly #deflate: PerMessageDeflate | null;
  readonly #settings: WebSocketSettings;
  #state: ReadyState = OPEN;
  #closeSent = false;
  #closeReceived = false;
  #code: number = CLOSE_ABNORMAL;
  #reason = '';
  // Sends wait here, in order, while a compressed message ahead of them is being deflated.
  #queue: QueuedSend[] | null = null;
  #queuedBytes = 0;
  // Deadlines on performance.now()'s clock (0: none).
  #idleAt = 0;
  #pingAt = 0;
  #closeAt = 0;
  #heardSincePing = true;
  // The receiver's sink and the ticker's watcher: one small object whose methods live on a shared
  // prototype, instead of a closure per event per socket (10,000 idle sockets pay for each one).
  readonly #inner: Inner;
  // --trace: the frames both ways, when someone watched as the socket opened (src/trace/).
  readonly #tapIn: WsFrameTap | null = null;
  readonly #tapOut: WsFrameTap | null = null;

  constructor(socket: Socket, head: Buffer, negotiated: Negotiated, settings: WebSocketSettings, traced: AfterSwitch | null = null) {
    super();
    if (traced !== null) {
      this.#tapIn = new WsFrameTap('in', traced);
      this.#tapOut = new WsFrameTap('out', traced);
    }
    this.#socket = socket;
    this.#settings = settings;
    this.#deflate = negotiated.deflate;
    this.protocol = negotiated.protocol;
    this.extensions = negotiated.extensions;
    this.#inner = new WebSocket.#Inner(this);
    this.#receiver = new Receiver(this.#inner, { maxPayload: settings.maxPayload, inflater: negotiated.deflate });
    socket.setNoDelay(true);
    // Shared listeners (this is the socket): the socket knows its WebSocket.
    (socket as OwnedSocket)[OWNER] = this;
    socket.on('data', WebSocket.#onSocketData);
    socket.on('end', WebSocket.#onSocketEnd);
    socket.on('error', ignore); // the 'close' that follows reports the end
    socket.on('close', WebSocket.#onSocketClosed);
    const now = performance.now();
    if (settings.idleTimeout > 0) this.#idleAt = now + settings.idleTimeout;
    if (settings.heartbeatInterval > 0) this.#pingAt = now + settings.heartbeatInterval;
    watch(this.#inner);
    // Bytes that came with the handshake are parsed once the route's handler has attached its
    // listeners (it runs right after this constructor, in the same turn).
    if (head.length > 0) queueMicrotask(() => this.#onData(head));
    if (socket.readableEnded) queueMicrotask(() => this.#onEnd());
  }

  /** The peer's address ('' once the socket is gone). */
  get remoteAddress(): string {
    return this.#socket.remoteAddress ?? '';
  }

  get readyState(): ReadyState {
    return this.#state;
  }

  /** Bytes accepted by send() and not yet handed to the kernel (queued, being compressed, or in the socket's buffer). */
  get bufferedAmount(): number {
    return this.#socket.writableLength + this.#queuedBytes;
  }

  /**
   * Sends a message. Resolves true once its bytes are handed to the kernel (await it to respect
   * backpressure), false when it was not sent: the socket is not open, or this send would pass
   * maxBufferedBytes with bytes already waiting (the peer does not read: the connection is then
   * closed with 1008). It never rejects. The message goes out as one data frame (§5.6).
   */
  send(data: string | Buffer | Uint8Array, options?: SendOptions): Promise<boolean> {
    if (this.#state !== OPEN) return DONE;
    const binary = options?.binary ?? typeof data !== 'string';
    const deflate = this.#deflate;
    const size = typeof data === 'string' ? (data.length < 256 ? data.length * 3 : Buffer.byteLength(data)) : data.byteLength;
    if (!this.#admit(size)) return DONE;
    if (deflate !== null && options?.compress !== false && size >= deflate.threshold) {
      const payload = toBuffer(data);
      return this.#sendCompressed(payload, binary, deflate);
    }
    let frame: Buffer[];
    if (typeof data === 'string' && !binary) frame = [encodeTextFrame(data, OP_TEXT)];
    else frame = encodeFrame(binary ? OP_BINARY : OP_TEXT, toBuffer(data));
    return this.#ordered(frame);
  }

  /** Writes a frame from encodeMessage() (broadcast): the same bytes for every socket. */
  sendEncoded(message: EncodedMessage): Promise<boolean> {
    if (this.#state !== OPEN || !this.#admit(message.bytes)) return DONE;
    return this.#ordered(message.frame);
  }

  /** Sends a ping (§5.5.2); the peer's pong arrives as a 'pong' event. At most 125 bytes. */
  ping(data: string | Buffer = ''): boolean {
    return this.#sendControl(OP_PING, data);
  }

  /** Sends an unsolicited pong (§5.5.3: a one-way heartbeat). At most 125 bytes. */
  pong(data: string | Buffer = ''): boolean {
    return this.#sendControl(OP_PONG, data);
  }

  // §5.5: a control frame carries at most 125 bytes.
  #sendControl(opcode: number, data: string | Buffer): boolean {
    const payload = toBuffer(data);
    if (payload.length > MAX_CONTROL_PAYLOAD) throw new RangeError('a control frame payload is at most 125 bytes (RFC 6455 §5.5)');
    if (this.#state !== OPEN) return false;
    void this.#ordered(encodeFrame(opcode, payload));
    return true;
  }

  /**
   * Starts the closing handshake (§7.1.2): sends a close frame with the code (none when omitted)
   * and reason, then waits for the peer's close; the socket is dropped after closeTimeout if it
   * does not come. Codes: 1000, 1001–1003, 1007–1014 or 3000–4999; the reason at most 123 bytes.
   */
  close(code?: number, reason = ''): void {
    if (code !== undefined && !isValidCloseCode(code)) throw new RangeError(`close code ${code} may not be sent (RFC 6455 §7.4): use 1000, 3000–4999, or a defined code`);
    if (code === undefined && reason !== '') throw new TypeError('a close reason needs a close code');
    if (Buffer.byteLength(reason) > MAX_REASON_BYTES) throw new RangeError('a close reason is at most 123 bytes (RFC 6455 §5.5)');
    if (this.#state === CLOSED || this.#closeSent) return;
    this.#startClose(code ?? CLOSE_NO_STATUS, reason);
  }

  /** Drops the connection at once, without a closing handshake ('close' reports 1006). */
  terminate(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSING;
    this.#socket.destroy();
  }

  // ---- receiving ----

  static #onSocketData(this: Socket, chunk: Buffer): void {
    (this as OwnedSocket)[OWNER]!.#onData(chunk);
  }

  static #onSocketEnd(this: Socket): void {
    (this as OwnedSocket)[OWNER]!.#onEnd();
  }

  static #onSocketClosed(this: Socket): void {
    (this as OwnedSocket)[OWNER]!.#onSocketClose();
  }

  static readonly #Inner = class implements ReceiverSink {
    readonly ws: WebSocket;

    constructor(ws: WebSocket) {
      this.ws = ws;
    }

    onMessage(data: Buffer, isBinary: boolean): void {
      const ws = this.ws;
      if (ws.#settings.idleTimeout > 0) ws.#idleAt = performance.now() + ws.#settings.idleTimeout;
      ws.emit('message', data, isBinary);
    }

    onPing(data: Buffer): void {
      // §5.5.2: answered with the same payload, unless our close is already out.
      if (!this.ws.#closeSent) void this.ws.#ordered(encodeFrame(OP_PONG, data));
      this.ws.emit('ping', data);
    }

    // §5.5.3: a pong nobody asked for is allowed (a heartbeat) and needs nothing from us.
    onPong(data: Buffer): void {
      this.ws.emit('pong', data);
    }

    onClose(code: number, reason: string): void {
      this.ws.#onCloseFrame(code, reason);
    }

    // The receiver failed the connection (§7.1.7).
    onError(error: WebSocketError): void {
      this.ws.#fail(error);
    }

    /** While a message is inflated, reading stops: bytes wait in the kernel, not in our memory. */
    onBusy(busy: boolean): void {
      if (busy) this.ws.#socket.pause();
      else this.ws.#socket.resume();
    }

    tick(now: number): void {
      this.ws.#tick(now);
    }
  };

  #onData(chunk: Buffer): void {
    this.#heardSincePing = true;
    // Before the receiver: it unmasks the payload in place, and the tap unmasks what it keeps itself.
    this.#tapIn?.push(chunk);
    if (!this.#receiver.stopped) this.#receiver.push(chunk);
  }

  /** The peer's close frame (§5.5.1). */
  #onCloseFrame(code: number, reason: string): void {
    this.#closeReceived = true;
    this.#code = code;
    this.#reason = reason;
    // §5.5.1: echo the close (its status code) unless ours went out first; then, as the server,
    // close the TCP connection first (§7.1.1). The linger deadline covers a peer that never FINs.
    if (!this.#closeSent) this.#startClose(code, '');
    this.#socket.end();
  }

  /** The peer broke the protocol (§7.1.7 Fail the WebSocket Connection): close with the error's
   * code (1002, 1007, 1009, …), report it. */
  #fail(error: WebSocketError): void {
    this.#receiver.stop();
    if (!this.#closeSent) {
      this.#code = error.code;
      this.#reason = error.message;
      this.#startClose(error.code, truncateReason(error.message));
    }
    this.#socket.end();
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #onEnd(): void {
    // The peer half-closed: a close frame should have come first (§7.1.1); either way we are done.
    this.#receiver.stop();
    if (this.#state === OPEN) this.#state = CLOSING;
    this.#socket.end();
  }

  #onSocketClose(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    unwatch(this.#inner);
    this.#receiver.stop();
    this.#deflate?.close();
    // Sends still queued resolve false (their socket is gone).
    const queue = this.#queue;
    this.#queue = null;
    this.#queuedBytes = 0;
    if (queue !== null) for (const entry of queue) entry.run();
    // §7.1.5: with no close frame received, the close code is 1006 (unless we failed the connection).
    const code = this.#closeReceived || this.#code !== CLOSE_ABNORMAL ? this.#code : CLOSE_ABNORMAL;
    this.emit('close', code, this.#reason);
  }

  // ---- sending ----

  /** Whether a send of `size` bytes may be buffered; past the limit the connection is closed 1008
   * (a policy violation, §7.4.1). */
  #admit(size: number): boolean {
    const buffered = this.bufferedAmount;
    if (buffered === 0 || buffered + size <= this.#settings.maxBufferedBytes) return true;
    // The peer is not reading what we send: holding more would grow without bound. 1008 goes out
    // behind the queued bytes; if the peer never reads it, the close timeout drops the socket.
    this.#code = CLOSE_POLICY;
    this.#reason = 'send buffer limit reached: the peer is not reading';
    this.#startClose(CLOSE_POLICY, 'send buffer limit');
    return false;
  }

  // RFC 7692 §6: RSV1 on the message's (only) frame marks it compressed.
  #sendCompressed(payload: Buffer, binary: boolean, deflate: PerMessageDeflate): Promise<boolean> {
    return new Promise((resolve) => {
      let compressed: Buffer | null = null;
      const entry: QueuedSend = {
        ready: false,
        bytes: payload.length,
        run: () => {
          if (compressed === null) resolve(false);
          else this.#write(encodeFrame(binary ? OP_BINARY : OP_TEXT, compressed, true), resolve);
        },
      };
      this.#enqueue(entry);
      deflate.compress(payload, (out) => {
        compressed = out;
        entry.ready = true;
        this.#pump();
      });
    });
  }

  /** Writes now, or behind a compressed message still being deflated (frames keep send order). */
  #ordered(frame: readonly Buffer[]): Promise<boolean> {
    if (this.#queue === null) return new Promise((resolve) => this.#write(frame, resolve));
    return new Promise((resolve) => {
      let bytes = 0;
      for (const b of frame) bytes += b.length;
      this.#enqueue({ ready: true, bytes, run: () => this.#write(frame, resolve) });
    });
  }

  #enqueue(entry: QueuedSend): void {
    (this.#queue ??= []).push(entry);
    this.#queuedBytes += entry.bytes;
  }

  /** Writes every ready send at the head of the queue; the queue goes once it is empty. */
  #pump(): void {
    const queue = this.#queue;
    if (queue === null) return;
    while (queue.length > 0 && queue[0]!.ready) {
      const entry = queue.shift()!;
      this.#queuedBytes -= entry.bytes;
      entry.run();
    }
    if (queue.length === 0 && this.#queue === queue) this.#queue = null;
  }

  #write(frame: readonly Buffer[], resolve: (ok: boolean) => void): void {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      resolve(false);
      return;
    }
    const done = (error?: Error | null): void => resolve(error == null);
    if (this.#tapOut !== null) for (const b of frame) this.#tapOut.push(b);
    if (frame.length === 1) {
      socket.write(frame[0]!, done);
      return;
    }
    socket.cork();
    for (let i = 0; i < frame.length - 1; i++) socket.write(frame[i]!);
    socket.write(frame[frame.length - 1]!, done);
    socket.uncork();
  }

  #startClose(code: number, reason: string): void {
    if (this.#closeSent || this.#state === CLOSED) return;
    this.#closeSent = true;
    this.#state = CLOSING;
    this.#closeAt = performance.now() + this.#settings.closeTimeout;
    void this.#ordered([encodeClose(code, reason)]);
  }

  // ---- deadlines ----

  #tick(now: number): void {
    if (this.#state === CLOSED) return;
    if (this.#closeAt !== 0) {
      // §7.1.1: the peer did not finish the closing handshake in time.
      if (now >= this.#closeAt) this.#socket.destroy();
      return;
    }
    if (this.#idleAt !== 0 && now >= this.#idleAt) {
      this.#code = CLOSE_GOING_AWAY;
      this.#reason = 'idle timeout';
      this.#startClose(CLOSE_GOING_AWAY, 'idle timeout');
      return;
    }
    if (this.#pingAt !== 0 && now >= this.#pingAt) {
      // Nothing at all heard since the last ping: the peer (or the path to it) is gone.
      if (!this.#heardSincePing) {
        this.#socket.destroy();
        return;
      }
      this.#heardSincePing = false;
      this.#pingAt = now + this.#settings.heartbeatInterval;
      void this.#ordered(encodeFrame(OP_PING, EMPTY));
    }
  }
}

const EMPTY = Buffer.alloc(0);

// §5.5: a control frame carries at most 125 bytes, so a close reason at most 123 (after the code).
function truncateReason(message: string): string {
  if (Buffer.byteLength(message) <= MAX_REASON_BYTES) return message;
  let s = message.slice(0, MAX_REASON_BYTES);
  while (Buffer.byteLength(s) > MAX_REASON_BYTES) s = s.slice(0, -1);
  return s;
}
