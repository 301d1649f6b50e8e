// Sans-IO WebSocket frame parser (RFC 6455 §5). Bytes go in through push(); frames come out through
// the sink. No sockets, no timers.
//
// Theory of operation
// - Numbered states walk the frame header (§5.2): the two fixed bytes, the 16- or 64-bit extended
//   length, the masking key, then the payload. A header field that arrives split over reads is
//   gathered in an 8-byte scratch buffer; one that is whole in the read is read in place.
// - Payload bytes are unmasked in place (§5.3) and handed out as subarray views of the pushed
//   chunk: nothing is copied, and nothing is held, on the way to the sink. A data frame's payload is
//   handed out as it arrives, so a large frame is never gathered here.
// - Every rule is checked from the header, before its payload is read: masking, reserved bits and
//   opcodes, control-frame size and fragmentation, continuation order, and the message size
//   against maxPayload (from the length field, §10.4), so an oversized message is refused before a
//   byte of it is held.
// - The sink may pause() the parser (a compressed message is being inflated): the rest of the chunk,
//   and later pushes, wait until resume(). Any violation ends in DEAD with one onError().

import { CLOSE_PROTOCOL_ERROR, CLOSE_TOO_BIG } from './close-codes.ts';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** §5.5: every control frame's payload is at most 125 bytes. */
export const MAX_CONTROL_PAYLOAD = 125;

export interface FrameSink {
  /** The first frame of a data message (§5.6); `compressed` is its RSV1 bit (RFC 7692 §6). */
  onMessageStart(binary: boolean, compressed: boolean): void;
  /** Payload bytes of the message in progress, unmasked (a view of the pushed chunk). */
  onMessageData(data: Buffer): void;
  /** The message's final fragment ended. */
  onMessageEnd(): void;
  /** A whole control frame (close, ping or pong) with its unmasked payload (§5.5). */
  onControl(opcode: number, payload: Buffer): void;
  /** The peer broke a rule; the parser is dead. */
  onError(code: number, message: string): void;
}

export interface FrameParserOptions {
  /** Largest message accepted, in bytes, over all its fragments (1009 beyond). */
  maxPayload: number;
  /** Largest compressed message (its bytes on the wire); defaults to maxPayload. */
  maxCompressedPayload?: number;
  /** RSV1 may mark a compressed message: permessage-deflate was negotiated (RFC 7692 §6). */
  rsv1Allowed: boolean;
  /** Frames must be masked (a server reading a client, §5.1); false for a client reading a server. */
  masked: boolean;
}

const S_INFO = 0;
const S_LENGTH_16 = 1;
const S_LENGTH_64 = 2;
const S_MASK = 3;
const S_PAYLOAD = 4;
const S_DEAD = 5;
type State = 0 | 1 | 2 | 3 | 4 | 5;

const EMPTY = Buffer.alloc(0);
const TWO_32 = 2 ** 32;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class FrameParser {
  readonly #sink: FrameSink;
  readonly #maxPayload: number;
  readonly #maxCompressed: number;
  readonly #rsv1Allowed: boolean;
  readonly #masked: boolean;
  #state: State = S_INFO;

  // A header field split over reads: its first #have bytes so far.
  // 12 bytes from Node's shared pool: 8 for split header fields, then the 4-byte masking key.
  readonly #scratch = Buffer.allocUnsafe(12);
  #have = 0;
  // Where the current header field's bytes are (the chunk itself, or #scratch).
  #fieldBuf: Buffer = EMPTY;
  #fieldAt = 0;

  // The frame being read.
  #fin = false;
  #opcode = 0;
  #frameMasked = false;
  readonly #mask = this.#scratch.subarray(8, 12);
  #maskAt = 0;
  #maskKey = 0;
  #remaining = 0;
  #control: Buffer = EMPTY;
  #controlAt = 0;

  // The data message in progress (0: none): its opcode, whether compressed, bytes so far.
  #messageOpcode = 0;
  #compressed = false;
  #messageBytes = 0;

  // Pause: chunks waiting for resume(), in order.
  #paused = false;
  #running = false;
  // Created on first use: an idle connection holds no array of its own.
  #held: Buffer[] | null = null;

  constructor(sink: FrameSink, options: FrameParserOptions) {
    this.#sink = sink;
    this.#maxPayload = options.maxPayload;
    this.#maxCompressed = options.maxCompressedPayload ?? options.maxPayload;
    this.#rsv1Allowed = options.rsv1Allowed;
    this.#masked = options.masked;
  }

  get dead(): boolean {
    return this.#state === S_DEAD;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** True while a data message has begun and its final fragment has not ended. */
  get midMessage(): boolean {
    return this.#messageOpcode !== 0;
  }

  push(chunk: Buffer): void {
    if (this.#state === S_DEAD || chunk.length === 0) return;
    if (this.#paused || this.#running) {
      (this.#held ??= []).push(chunk);
      return;
    }
    this.#run(chunk);
  }

  /** Stops handing out events; later bytes are held until resume(). Callable from a sink callback. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#running) return; // the running loop takes the held chunks
    const next = this.#held?.shift();
    if (next !== undefined) this.#run(next);
  }

  /** Ends parsing for good (the sink found the data invalid, or the connection is closing). */
  stop(): void {
    this.#state = S_DEAD;
    this.#held = null;
  }

  #run(first: Buffer): void {
    this.#running = true;
    try {
      let chunk: Buffer | undefined = first;
      while (chunk !== undefined) {
        this.#parse(chunk);
        chunk = this.#paused || this.#state === S_DEAD ? undefined : this.#held?.shift();
      }
    } finally {
      this.#running = false;
    }
  }

  #parse(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      if (this.#state === S_DEAD) return;
      if (this.#paused) {
        // The rest of this chunk came before anything held meanwhile: it goes first.
        (this.#held ??= []).unshift(pos === 0 ? chunk : chunk.subarray(pos));
        return;
      }
      switch (this.#state) {
        case S_PAYLOAD:
          pos = this.#payload(chunk, pos);
          break;
        case S_INFO:
          pos = this.#field(chunk, pos, 2);
          if (pos !== -1) this.#info();
          break;
        case S_LENGTH_16:
          pos = this.#field(chunk, pos, 2);
          if (pos !== -1) this.#length(this.#fieldBuf.readUInt16BE(this.#fieldAt));
          break;
        case S_LENGTH_64: {
          pos = this.#field(chunk, pos, 8);
          if (pos === -1) break;
          const hi = this.#fieldBuf.readUInt32BE(this.#fieldAt);
          // §5.2: "the most significant bit MUST be 0".
          if (hi >= 0x80000000) this.#fail(CLOSE_PROTOCOL_ERROR, 'a 64-bit payload length has its most significant bit set');
          else this.#length(hi * TWO_32 + this.#fieldBuf.readUInt32BE(this.#fieldAt + 4));
          break;
        }
        case S_MASK:
          pos = this.#field(chunk, pos, 4);
          if (pos === -1) break;
          this.#fieldBuf.copy(this.#mask, 0, this.#fieldAt, this.#fieldAt + 4);
          this.#maskKey = this.#mask.readUInt32BE(0);
          this.#maskAt = 0;
          this.#startPayload();
          break;
        default:
          return;
      }
      if (pos === -1) return;
    }
  }

  /** Gathers an n-byte header field from pos: its position goes to #fieldBuf/#fieldAt. Returns the
   * position after it, or -1 when the chunk ended first (the bytes so far wait in #scratch). */
  #field(chunk: Buffer, pos: number, n: number): number {
    if (this.#have === 0 && chunk.length - pos >= n) {
      this.#fieldBuf = chunk;
      this.#fieldAt = pos;
      return pos + n;
    }
    const take = Math.min(n - this.#have, chunk.length - pos);
    chunk.copy(this.#scratch, this.#have, pos, pos + take);
    this.#have += take;
    if (this.#have < n) return -1;
    this.#have = 0;
    this.#fieldBuf = this.#scratch;
    this.#fieldAt = 0;
    return pos + take;
  }

  /** The two fixed header bytes (§5.2): FIN, RSV1-3, opcode, MASK, the 7-bit length. */
  #info(): void {
    const b0 = this.#fieldBuf[this.#fieldAt]!;
    const b1 = this.#fieldBuf[this.#fieldAt + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    this.#fin = fin;
    this.#opcode = opcode;
    this.#frameMasked = (b1 & 0x80) !== 0;
    // §5.2: a reserved bit no negotiated extension defines MUST fail the connection.
    if ((b0 & 0x30) !== 0) return this.#fail(CLOSE_PROTOCOL_ERROR, 'RSV2 and RSV3 must be clear');
    if (opcode >= 0x8) {
      if (opcode > OP_PONG) return this.#fail(CLOSE_PROTOCOL_ERROR, `reserved opcode 0x${opcode.toString(16)}`);
      // §5.5: control frames are never fragmented and carry at most 125 bytes.
      if (!fin) return this.#fail(CLOSE_PROTOCOL_ERROR, 'a control frame must not be fragmented');
      if ((b1 & 0x7f) > MAX_CONTROL_PAYLOAD) return this.#fail(CLOSE_PROTOCOL_ERROR, 'a control frame payload must be at most 125 bytes');
      // RFC 7692 §6: RSV1 belongs to the first frame of a data message only.
      if (rsv1) return this.#fail(CLOSE_PROTOCOL_ERROR, 'RSV1 must be clear on a control frame');
    } else if (opcode === OP_CONTINUATION) {
      if (this.#messageOpcode === 0) return this.#fail(CLOSE_PROTOCOL_ERROR, 'a continuation frame with no message to continue');
      if (rsv1) return this.#fail(CLOSE_PROTOCOL_ERROR, 'RSV1 must be clear on a continuation frame');
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      // §5.4: fragments of one message are not interleaved with another message.
      if (this.#messageOpcode !== 0) return this.#fail(CLOSE_PROTOCOL_ERROR, 'a new message began before the previous one ended');
      if (rsv1 && !this.#rsv1Allowed) return this.#fail(CLOSE_PROTOCOL_ERROR, 'RSV1 set but no extension was negotiated');
      this.#compressed = rsv1;
    } else return this.#fail(CLOSE_PROTOCOL_ERROR, `reserved opcode 0x${opcode.toString(16)}`);
    // §5.1: a server MUST close on an unmasked client frame; a client, on a masked server frame.
    if (this.#frameMasked !== this.#masked) {
      return this.#fail(CLOSE_PROTOCOL_ERROR, this.#masked ? 'client frames must be masked' : 'server frames must not be masked');
    }
    const len7 = b1 & 0x7f;
    if (len7 === 126) this.#state = S_LENGTH_16;
    else if (len7 === 127) this.#state = S_LENGTH_64;
    else this.#length(len7);
  }

  #length(length: number): void {
    if (this.#opcode < 0x8) {
      const limit = this.#compressed ? this.#maxCompressed : this.#maxPayload;
      // §10.4: the limit is checked from the length field, before any payload is held.
      if (this.#messageBytes + length > limit) {
        return this.#fail(CLOSE_TOO_BIG, `a message of more than ${limit} bytes (maxPayload)`);
      }
    }
    this.#remaining = length;
    if (this.#frameMasked) this.#state = S_MASK;
    else this.#startPayload();
  }

  // §5.4: a text or binary frame begins a message; a control frame (§5.5) is gathered whole.
  #startPayload(): void {
    const opcode = this.#opcode;
    if (opcode >= 0x8) {
      this.#control = this.#remaining === 0 ? EMPTY : Buffer.allocUnsafe(this.#remaining);
      this.#controlAt = 0;
    } else if (opcode !== OP_CONTINUATION) {
      this.#messageOpcode = opcode;
      this.#messageBytes = 0;
      this.#sink.onMessageStart(opcode === OP_BINARY, this.#compressed);
      if (this.#state === S_DEAD) return;
    }
    this.#state = S_PAYLOAD;
    if (this.#remaining === 0) this.#endFrame();
  }

  // §5.3: octet i of the payload is unmasked with octet i mod 4 of the key.
  #payload(chunk: Buffer, pos: number): number {
    const take = Math.min(this.#remaining, chunk.length - pos);
    const view = pos === 0 && take === chunk.length ? chunk : chunk.subarray(pos, pos + take);
    // A zero key (a client may choose it) leaves the bytes as they are: nothing to undo.
    if (this.#frameMasked && this.#maskKey !== 0) {
      unmask(view, this.#mask, this.#maskAt);
      this.#maskAt = (this.#maskAt + take) & 3;
    }
    this.#remaining -= take;
    if (this.#opcode >= 0x8) {
      view.copy(this.#control, this.#controlAt);
      this.#controlAt += take;
    } else {
      this.#messageBytes += take;
      this.#sink.onMessageData(view);
    }
    if (this.#remaining === 0 && this.#state === S_PAYLOAD) this.#endFrame();
    return pos + take;
  }

  // §5.4: the frame with FIN ends its message; a control frame is handed out whole (§5.5).
  #endFrame(): void {
    this.#state = S_INFO;
    if (this.#opcode >= 0x8) {
      const payload = this.#control;
      this.#control = EMPTY;
      this.#sink.onControl(this.#opcode, payload);
    } else if (this.#fin) {
      this.#messageOpcode = 0;
      this.#compressed = false;
      this.#sink.onMessageEnd();
    }
  }

  #fail(code: number, message: string): void {
    this.stop();
    this.#sink.onError(code, message);
  }
}

/** XORs data with the 4-byte mask in place, starting at mask byte `at` (§5.3). Aligned 32-bit words
 * where the view allows: a byte loop costs four times as many steps on large payloads. */
export function unmask(data: Buffer, mask: Buffer, at: number): void {
  const n = data.length;
  let i = 0;
  if (n >= 32) {
    // Bytes up to a 4-byte aligned address, then whole words with the mask rotated to match.
    const lead = (4 - (data.byteOffset & 3)) & 3;
    for (; i < lead; i++) data[i] = data[i]! ^ mask[(i + at) & 3]!;
    const words = (n - lead) >>> 2;
    if (words > 0) {
      const m = (at + lead) & 3;
      // The word whose bytes, in memory order, are the mask from m on (Uint32Array uses host order).
      const b0 = mask[m]!, b1 = mask[(m + 1) & 3]!, b2 = mask[(m + 2) & 3]!, b3 = mask[(m + 3) & 3]!;
      const k = LITTLE_ENDIAN ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0 : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
      const view = new Uint32Array(data.buffer, data.byteOffset + lead, words);
      for (let w = 0; w < words; w++) view[w] = view[w]! ^ k;
      i = lead + words * 4;
    }
  }
  for (; i < n; i++) data[i] = data[i]! ^ mask[(i + at) & 3]!;
}
