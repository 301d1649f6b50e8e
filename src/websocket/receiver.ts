// The receiving half of a WebSocket, sans-IO: frames (frame-parser.ts) become messages and control
// events. It assembles fragmented messages (§5.4) up to maxPayload, validates text as UTF-8 as the
// bytes arrive (§8.1, fail fast: 1007), checks close frames (§5.5.1, §7.4), and hands compressed
// messages (RFC 7692) to an injected inflater, pausing the frame stream until the message is out,
// so events keep the order of the frames on the wire.

import { FrameParser, OP_CLOSE, OP_PING, OP_PONG, type FrameSink } from './frame-parser.ts';
import { Utf8Validator, isValidUtf8 } from './utf8.ts';
import { CLOSE_INVALID_DATA, CLOSE_NO_STATUS, CLOSE_PROTOCOL_ERROR, WebSocketError, isValidCloseCode } from './close-codes.ts';

export interface ReceiverSink {
  onMessage(data: Buffer, isBinary: boolean): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  /** A close frame: its code (1005 when it had none) and reason. */
  onClose(code: number, reason: string): void;
  /** The peer broke the protocol; the receiver is stopped. Close the connection with error.code. */
  onError(error: WebSocketError): void;
  /** Called with true while a compressed message is being inflated (stop reading), then false. */
  onBusy?(busy: boolean): void;
}

/** Inflates one compressed message (RFC 7692 §7.2.2) to at most `limit` bytes, or fails (1009 past
 * the limit, 1007 for data that is not DEFLATE). */
export interface MessageInflater {
  inflate(parts: readonly Buffer[], limit: number, done: (error: WebSocketError | null, data: Buffer) => void): void;
}

export interface ReceiverOptions {
  maxPayload: number;
  /** Frames must be masked (server side, the default). */
  masked?: boolean;
  /** Present when permessage-deflate was negotiated. */
  inflater?: MessageInflater | null;
}

// Fragments smaller than this are copied together instead of kept as views: a message made of many
// tiny fragments costs its bytes, not a Buffer object per fragment.
const SMALL_PART_BYTES = 4096;
const TAIL_BYTES = 16 * 1024;
// Up to this many pieces (a frame spread over a few reads) stay views; copying starts past it.
const FEW_PARTS = 8;
// Shared while no message is in progress (an idle socket holds no array of its own); never pushed to.
const NO_PARTS: Buffer[] = [];

export class Receiver implements FrameSink {
  readonly #sink: ReceiverSink;
  readonly #parser: FrameParser;
  readonly #maxPayload: number;
  readonly #inflater: MessageInflater | null;
  readonly #utf8 = new Utf8Validator();
  #binary = false;
  #compressed = false;
  #stopped = false;
  // The message so far: parts (views, or copies of small fragments gathered in #tail).
  #parts: Buffer[] = NO_PARTS;
  #bytes = 0;
  #tail: Buffer | null = null;
  #tailLen = 0;

  constructor(sink: ReceiverSink, options: ReceiverOptions) {
    this.#sink = sink;
    this.#maxPayload = options.maxPayload;
    this.#inflater = options.inflater ?? null;
    this.#parser = new FrameParser(this, {
      maxPayload: options.maxPayload,
      // DEFLATE can make incompressible data a little larger (RFC 1951 stored blocks: 5 bytes per
      // 64 KiB); the limit that matters is checked on the inflated bytes.
      maxCompressedPayload: options.maxPayload + 1024 + Math.ceil(options.maxPayload / 1024),
      rsv1Allowed: this.#inflater !== null,
      masked: options.masked ?? true,
    });
  }

  push(chunk: Buffer): void {
    this.#parser.push(chunk);
  }

  /** No more events, for good (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#parser.stop();
    this.#parts = NO_PARTS;
    this.#tail = null;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  // ---- FrameSink ----

  onMessageStart(binary: boolean, compressed: boolean): void {
    this.#binary = binary;
    this.#compressed = compressed;
    this.#utf8.reset();
  }

  onMessageData(data: Buffer): void {
    // Text is checked as it arrives (§8.1); compressed text once inflated.
    if (!this.#binary && !this.#compressed && !this.#utf8.write(data)) {
      this.#fail(CLOSE_INVALID_DATA, 'a text message is not valid UTF-8');
      return;
    }
    this.#add(data);
  }

  // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection with 1007 (§7.4.1).
  onMessageEnd(): void {
    const data = this.#take();
    if (!this.#compressed) {
      if (!this.#binary && !this.#utf8.complete) {
        this.#fail(CLOSE_INVALID_DATA, 'a text message ends inside a UTF-8 sequence');
        return;
      }
      this.#sink.onMessage(data, this.#binary);
      return;
    }
    const binary = this.#binary;
    this.#parser.pause();
    this.#sink.onBusy?.(true);
    this.#inflater!.inflate([data], this.#maxPayload, (error, inflated) => {
      if (this.#stopped) return;
      if (error !== null) {
        this.#fail(error.code, error.message);
        return;
      }
      if (!binary && !isValidUtf8(inflated)) {
        this.#fail(CLOSE_INVALID_DATA, 'a text message is not valid UTF-8');
        return;
      }
      this.#sink.onMessage(inflated, binary);
      if (this.#stopped) return;
      this.#sink.onBusy?.(false);
      this.#parser.resume();
    });
  }

  // RFC 6455 §5.5.1 close, §5.5.2 ping, §5.5.3 pong.
  onControl(opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) this.#sink.onPing(payload);
    else if (opcode === OP_PONG) this.#sink.onPong(payload);
    else if (opcode === OP_CLOSE) this.#close(payload);
  }

  // The frame parser failed the connection (RFC 6455 §7.1.7) with this code.
  onError(code: number, message: string): void {
    this.#stopped = true;
    this.#sink.onError(new WebSocketError(code, message));
  }

  // ---- internals ----

  /** §5.5.1: an empty payload has no status; otherwise a 2-byte code, then a UTF-8 reason. */
  #close(payload: Buffer): void {
    if (payload.length === 0) {
      this.stop();
      this.#sink.onClose(CLOSE_NO_STATUS, '');
      return;
    }
    if (payload.length === 1) return this.#fail(CLOSE_PROTOCOL_ERROR, 'a close frame payload of 1 byte (no room for a status code)');
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) return this.#fail(CLOSE_PROTOCOL_ERROR, `close code ${code} is not allowed on the wire`);
    const reason = payload.subarray(2);
    if (!isValidUtf8(reason)) return this.#fail(CLOSE_INVALID_DATA, 'a close reason is not valid UTF-8');
    this.stop();
    this.#sink.onClose(code, reason.toString('utf8'));
  }

  #fail(code: number, message: string): void {
    this.stop();
    this.#sink.onError(new WebSocketError(code, message));
  }

  #add(view: Buffer): void {
    this.#bytes += view.length;
    if (this.#parts.length === 0 && this.#tailLen === 0) {
      this.#parts = [view]; // the usual case, a message in one piece: kept as is
      return;
    }
    if (view.length >= SMALL_PART_BYTES || this.#parts.length < FEW_PARTS) {
      this.#flushTail();
      this.#parts.push(view);
      return;
    }
    if (this.#tail === null || this.#tailLen + view.length > this.#tail.length) {
      this.#flushTail();
      this.#tail = Buffer.allocUnsafe(TAIL_BYTES);
    }
    view.copy(this.#tail, this.#tailLen);
    this.#tailLen += view.length;
  }

  #flushTail(): void {
    if (this.#tail !== null && this.#tailLen > 0) this.#parts.push(this.#tail.subarray(0, this.#tailLen));
    this.#tail = null;
    this.#tailLen = 0;
  }

  #take(): Buffer {
    this.#flushTail();
    const parts = this.#parts;
    const bytes = this.#bytes;
    this.#parts = NO_PARTS;
    this.#bytes = 0;
    if (parts.length === 1) return parts[0]!;
    return parts.length === 0 ? Buffer.alloc(0) : Buffer.concat(parts, bytes);
  }
}
