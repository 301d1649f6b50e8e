// Sans-IO HTTP/2 frame parser (RFC 9113 §3.4, §4, §6). Bytes go in through push(); one event per
// complete frame comes out through the sink. No sockets, no timers, no clocks.
//
// Theory of operation
// - A server first matches the 24-byte client preface (§3.4). A mismatch is a connection error,
//   reported as PREFACE_HTTP1 when the bytes can still be an HTTP/1.x request (fallbackBytes then
//   holds every byte pushed, for the HTTP/1.1 parser to take over) and BAD_PREFACE otherwise.
// - Then frames: a 9-byte header (read in place, or gathered in a 9-byte buffer when a chunk cuts
//   it), then Length payload bytes. Everything the header alone decides — the size limit, the
//   stream-0 rules, fixed lengths, the field-block sequence, the flood limits — is checked before a
//   byte of payload is read, so a bad frame is never buffered.
// - A payload wholly inside a chunk is handed out as a subarray view (zero copy). A payload cut by
//   chunk boundaries is copied once into a buffer of its exact length, then handed out.
// - A field block (HEADERS or PUSH_PROMISE without END_HEADERS, then CONTINUATION frames, §4.3)
//   is gathered as views and joined once at END_HEADERS; nothing else may come in between. Its
//   bytes and its CONTINUATION count are bounded (CVE-2024-27316): past either, the connection ends.
// - A connection error is the last event: the parser goes DEAD and ignores later input. A stream
//   error is reported and parsing goes on. A stream error never hides a field block: the block is
//   delivered first, as the HPACK context must see every block (§4.3).
// - What needs stream state (§5.1 transitions, id parity, flow-control windows, who may send what
//   when) is the session's job, built on these events.

import { FrameError, type FrameErrorReason } from './errors.ts';
import {
  DEFAULT_MAX_FRAME_SIZE,
  FLAG,
  FRAME_HEADER_BYTES,
  FRAME_TYPE,
  MAX_ALLOWED_FRAME_SIZE,
  type HeadersEvent,
  type Priority,
  type PushPromiseEvent,
} from './frame-types.ts';
import { CLIENT_PREFACE, CLIENT_PREFACE_BYTES, looksLikeHttp1 } from './preface.ts';
import { type SettingsUpdate, decodeSettings } from './settings.ts';

/**
 * What the parser reports. Buffers handed out are views of the pushed chunks (a frame split across
 * chunks is gathered into one new buffer first): they stay valid as long as the caller does not
 * reuse the chunks it pushed, which Node's sockets never do.
 */
export interface FrameSink {
  /**
   * DATA (§6.1). `data` has its padding removed; `flowControlled` is the whole payload length with
   * the Pad Length and padding, which is what counts against flow-control windows (§6.9.1).
   */
  onData(streamId: number, data: Buffer, endStream: boolean, flowControlled: number): void;
  onHeaders(event: HeadersEvent): void;
  onPriority(streamId: number, priority: Priority): void;
  /** RST_STREAM (§6.4); the code is the raw 32-bit value (see errorCodeName). */
  onRstStream(streamId: number, errorCode: number): void;
  /** SETTINGS without ACK (§6.5): the known settings it carries, validated; unknown ids dropped. */
  onSettings(settings: SettingsUpdate): void;
  onSettingsAck(): void;
  onPushPromise(event: PushPromiseEvent): void;
  /** PING (§6.7): the 8 opaque bytes, to be echoed with ACK when `ack` is false. */
  onPing(data: Buffer, ack: boolean): void;
  onGoaway(lastStreamId: number, errorCode: number, debugData: Buffer): void;
  onWindowUpdate(streamId: number, increment: number): void;
  /** A connection error is the last event ever; after a stream error parsing goes on. */
  onError(error: FrameError): void;
}

export interface FrameParserOptions {
  /** A server expects the client preface and refuses PUSH_PROMISE; a client refuses ENABLE_PUSH = 1. */
  role: 'server' | 'client';
  /** The SETTINGS_MAX_FRAME_SIZE we advertised (§4.2): larger frames are a connection error. */
  maxFrameSize: number;
  /** Bytes of one field block (all its fragments, padding removed) we buffer. */
  maxHeaderBlockBytes: number;
  /** CONTINUATION frames one field block may use; empty ones count too (CVE-2024-27316). */
  maxContinuationFrames: number;
}

export const DEFAULT_FRAME_PARSER_OPTIONS: Readonly<FrameParserOptions> = Object.freeze({
  role: 'server',
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxHeaderBlockBytes: 65_536,
  // nghttp2's default since its CVE-2024-28182 fix: a peer that honours our frame size needs a few.
  maxContinuationFrames: 8,
});

const S_PREFACE = 0;
const S_HEAD = 1;
const S_PAYLOAD = 2;
const S_SKIP = 3;
const S_DEAD = 4;
type State = 0 | 1 | 2 | 3 | 4;

const EMPTY = Buffer.alloc(0);
const PRIORITY_BYTES = 5;

// §4.1: the reserved bit before a 31-bit field is ignored when receiving.
const read31 = (b: Buffer, at: number): number => ((b[at]! & 0x7f) << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
const read32 = (b: Buffer, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0; // §6.4, §6.8 Error Code

// §6.3: E (1 bit), Stream Dependency (31), Weight (8, one less than the weight).
function readPriority(b: Buffer, at: number): Priority {
  return { exclusive: (b[at]! & 0x80) !== 0, dependency: read31(b, at), weight: b[at + 4]! + 1 };
}

export class FrameParser {
  readonly #sink: FrameSink;
  readonly #server: boolean;
  #maxFrameSize: number;
  #maxBlockBytes: number;
  #maxContinuations: number;
  #state: State;

  #prefaceMatched = 0;
  #fallback: Buffer = EMPTY;
  #settingsSeen = false;

  // The current frame's header, gathered here when a chunk cuts it.
  readonly #head = Buffer.alloc(FRAME_HEADER_BYTES);
  #headLen = 0;
  #length = 0;
  #type = 0;
  #flags = 0;
  #streamId = 0;
  // A payload cut by chunk boundaries, gathered here; or the bytes left of a payload we skip.
  #payload: Buffer = EMPTY;
  #have = 0;
  #skip = 0;

  // The open field block (§4.3): #blockStream is 0 when none is open.
  #blockStream = 0;
  #blockType = 0;
  #blockParts: Buffer[] = [];
  #blockBytes = 0;
  #blockFrames = 0;
  #blockEndStream = false;
  #blockPriority: Priority | null = null;
  #blockPromised = 0;

  // Chunks pushed from inside a sink callback, parsed once the current one is done.
  #queue: Buffer[] = [];
  #running = false;

  constructor(options: Partial<FrameParserOptions>, sink: FrameSink) {
    const o = { ...DEFAULT_FRAME_PARSER_OPTIONS, ...options };
    this.#sink = sink;
    this.#server = o.role === 'server';
    this.#maxFrameSize = checkedFrameSize(o.maxFrameSize);
    this.#maxBlockBytes = checkedCount(o.maxHeaderBlockBytes, 'maxHeaderBlockBytes');
    this.#maxContinuations = checkedCount(o.maxContinuationFrames, 'maxContinuationFrames');
    this.#state = this.#server ? S_PREFACE : S_HEAD;
  }

  /** True after a connection error: the parser takes no more input. */
  get dead(): boolean {
    return this.#state === S_DEAD;
  }

  /** True while part of a preface or frame has been read but not all of it. */
  get midFrame(): boolean {
    const s = this.#state;
    return s === S_PAYLOAD || s === S_SKIP || this.#headLen > 0 || (s === S_PREFACE && this.#prefaceMatched > 0);
  }

  /** True between a HEADERS/PUSH_PROMISE without END_HEADERS and the CONTINUATION that ends its block. */
  get inHeaderBlock(): boolean {
    return this.#blockStream !== 0;
  }

  /** After a PREFACE_HTTP1 error: every byte pushed so far, to hand to the HTTP/1.1 parser. */
  get fallbackBytes(): Buffer {
    return this.#fallback;
  }

  get maxFrameSize(): number {
    return this.#maxFrameSize;
  }

  /** Our advertised SETTINGS_MAX_FRAME_SIZE changed (applies to the next frame header read). */
  set maxFrameSize(size: number) {
    this.#maxFrameSize = checkedFrameSize(size);
  }

  /** Field-block limits, e.g. once the session knows its max header list size. */
  setHeaderBlockLimits(maxHeaderBlockBytes: number, maxContinuationFrames: number): void {
    this.#maxBlockBytes = checkedCount(maxHeaderBlockBytes, 'maxHeaderBlockBytes');
    this.#maxContinuations = checkedCount(maxContinuationFrames, 'maxContinuationFrames');
  }

  push(chunk: Buffer): void {
    if (this.#state === S_DEAD || chunk.length === 0) return;
    if (this.#running) {
      this.#queue.push(chunk);
      return;
    }
    this.#running = true;
    try {
      this.#run(chunk);
      while (this.#queue.length > 0 && !this.dead) this.#run(this.#queue.shift()!);
    } finally {
      this.#running = false;
      this.#queue = [];
    }
  }

  #run(chunk: Buffer): void {
    const end = chunk.length;
    let pos = this.#state === S_PREFACE ? this.#preface(chunk) : 0;
    while (pos < end) {
      const state = this.#state;
      if (state === S_HEAD) {
        if (this.#headLen === 0 && end - pos >= FRAME_HEADER_BYTES) {
          this.#readHeader(chunk, pos);
          pos += FRAME_HEADER_BYTES;
        } else {
          const n = Math.min(FRAME_HEADER_BYTES - this.#headLen, end - pos);
          chunk.copy(this.#head, this.#headLen, pos, pos + n);
          this.#headLen += n;
          pos += n;
          if (this.#headLen < FRAME_HEADER_BYTES) return;
          this.#headLen = 0;
          this.#readHeader(this.#head, 0);
        }
        this.#beginFrame();
      } else if (state === S_PAYLOAD) {
        const need = this.#length - this.#have;
        if (this.#have === 0 && end - pos >= need) {
          this.#state = S_HEAD;
          this.#frame(chunk, pos, pos + need);
          pos += need;
        } else {
          if (this.#have === 0) this.#payload = Buffer.allocUnsafe(this.#length);
          const n = Math.min(need, end - pos);
          chunk.copy(this.#payload, this.#have, pos, pos + n);
          this.#have += n;
          pos += n;
          if (this.#have === this.#length) {
            const payload = this.#payload;
            this.#payload = EMPTY;
            this.#have = 0;
            this.#state = S_HEAD;
            this.#frame(payload, 0, payload.length);
          }
        }
      } else if (state === S_SKIP) {
        const n = Math.min(this.#skip, end - pos);
        this.#skip -= n;
        pos += n;
        if (this.#skip === 0) this.#state = S_HEAD;
      } else {
        return; // DEAD
      }
    }
  }

  // §3.4: returns how many bytes of the chunk the preface took (all of them on a mismatch).
  #preface(chunk: Buffer): number {
    const matched = this.#prefaceMatched;
    const n = Math.min(CLIENT_PREFACE_BYTES - matched, chunk.length);
    for (let i = 0; i < n; i++) {
      if (chunk[i] !== CLIENT_PREFACE[matched + i]) {
        const first = matched > 0 ? CLIENT_PREFACE[0]! : chunk[0]!;
        const http1 = looksLikeHttp1(first, matched + i);
        if (http1) this.#fallback = matched === 0 ? chunk : Buffer.concat([CLIENT_PREFACE.subarray(0, matched), chunk]);
        this.#fail(http1 ? 'PREFACE_HTTP1' : 'BAD_PREFACE', 0, -1);
        return chunk.length;
      }
    }
    this.#prefaceMatched = matched + n;
    if (this.#prefaceMatched === CLIENT_PREFACE_BYTES) this.#state = S_HEAD;
    return n;
  }

  // §4.1: Length (24), Type (8), Flags (8), R (1), Stream Identifier (31).
  #readHeader(b: Buffer, at: number): void {
    this.#length = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
    this.#type = b[at + 3]!;
    this.#flags = b[at + 4]!;
    this.#streamId = read31(b, at + 5);
  }

  // Everything the frame header decides (§4.2, §4.3, §6), checked before any payload is read.
  // Leaves the parser in PAYLOAD, SKIP, HEAD (an empty payload, already dispatched) or DEAD.
  #beginFrame(): void {
    const length = this.#length;
    const type = this.#type;
    const flags = this.#flags;
    const sid = this.#streamId;
    if (length > this.#maxFrameSize) return this.#fail('FRAME_TOO_LARGE', sid, type);
    if (!this.#settingsSeen) {
      // §3.4: the preface (either side's) ends with a SETTINGS frame, the first frame of all.
      if (type !== FRAME_TYPE.SETTINGS || (flags & FLAG.ACK) !== 0) return this.#fail('FIRST_FRAME_NOT_SETTINGS', sid, type);
      this.#settingsSeen = true;
    }
    if (this.#blockStream !== 0) {
      // §6.10: only CONTINUATION frames of the same stream until END_HEADERS (unknown types included, §5.5).
      if (type !== FRAME_TYPE.CONTINUATION || sid !== this.#blockStream) return this.#fail('HEADER_BLOCK_INTERRUPTED', sid, type);
      if (this.#blockFrames >= this.#maxContinuations) return this.#fail('TOO_MANY_CONTINUATIONS', sid, type);
      if (this.#blockBytes + length > this.#maxBlockBytes) return this.#fail('HEADER_BLOCK_TOO_LARGE', sid, type);
    }
    const padded = (flags & FLAG.PADDED) !== 0 ? 1 : 0;
    switch (type) {
      case FRAME_TYPE.DATA:
        if (sid === 0) return this.#fail('STREAM_ID_REQUIRED', sid, type);
        if (length < padded) return this.#fail('BAD_FRAME_LENGTH', sid, type);
        break;
      case FRAME_TYPE.HEADERS:
        if (sid === 0) return this.#fail('STREAM_ID_REQUIRED', sid, type);
        if (length < padded + ((flags & FLAG.PRIORITY) !== 0 ? PRIORITY_BYTES : 0)) return this.#fail('BAD_FRAME_LENGTH', sid, type);
        break;
      case FRAME_TYPE.PRIORITY:
        if (sid === 0) return this.#fail('STREAM_ID_REQUIRED', sid, type);
        if (length !== PRIORITY_BYTES) {
          this.#sink.onError(new FrameError('BAD_PRIORITY_LENGTH', sid, type));
          return this.#skipPayload();
        }
        break;
      case FRAME_TYPE.RST_STREAM:
        if (sid === 0) return this.#fail('STREAM_ID_REQUIRED', sid, type);
        if (length !== 4) return this.#fail('BAD_FRAME_LENGTH', sid, type);
        break;
      case FRAME_TYPE.SETTINGS:
        if (sid !== 0) return this.#fail('STREAM_ID_FORBIDDEN', sid, type);
        if ((flags & FLAG.ACK) !== 0 && length !== 0) return this.#fail('SETTINGS_ACK_WITH_PAYLOAD', sid, type);
        if (length % 6 !== 0) return this.#fail('BAD_SETTINGS_LENGTH', sid, type);
        break;
      case FRAME_TYPE.PUSH_PROMISE:
        if (this.#server) return this.#fail('PUSH_PROMISE_FROM_CLIENT', sid, type);
        if (sid === 0) return this.#fail('STREAM_ID_REQUIRED', sid, type);
        if (length < padded + 4) return this.#fail('BAD_FRAME_LENGTH', sid, type);
        break;
      case FRAME_TYPE.PING:
        if (sid !== 0) return this.#fail('STREAM_ID_FORBIDDEN', sid, type);
        if (length !== 8) return this.#fail('BAD_FRAME_LENGTH', sid, type);
        break;
      case FRAME_TYPE.GOAWAY:
        if (sid !== 0) return this.#fail('STREAM_ID_FORBIDDEN', sid, type);
        if (length < 8) return this.#fail('BAD_FRAME_LENGTH', sid, type);
        break;
      case FRAME_TYPE.WINDOW_UPDATE:
        if (length !== 4) return this.#fail('BAD_FRAME_LENGTH', sid, type);
        break;
      case FRAME_TYPE.CONTINUATION:
        if (this.#blockStream === 0) return this.#fail('UNEXPECTED_CONTINUATION', sid, type);
        break;
      default:
        return this.#skipPayload(); // §5.5: unknown frame types are ignored and discarded.
    }
    if (length === 0) this.#frame(EMPTY, 0, 0);
    else {
      this.#state = S_PAYLOAD;
      this.#have = 0;
    }
  }

  #skipPayload(): void {
    this.#skip = this.#length;
    if (this.#skip > 0) this.#state = S_SKIP;
  }

  // One complete frame whose payload is b[start, end), the header already checked: what its payload
  // decides (padding §6.1, §6.2; self-dependency §5.3.1 of RFC 7540; a zero increment §6.9).
  #frame(b: Buffer, start: number, end: number): void {
    const sid = this.#streamId;
    const flags = this.#flags;
    switch (this.#type) {
      case FRAME_TYPE.DATA: {
        let s = start;
        let e = end;
        if ((flags & FLAG.PADDED) !== 0) {
          const pad = b[s++]!;
          if (pad > e - s) return this.#fail('BAD_PADDING', sid, FRAME_TYPE.DATA);
          e -= pad;
        }
        this.#sink.onData(sid, b.subarray(s, e), (flags & FLAG.END_STREAM) !== 0, end - start);
        return;
      }
      case FRAME_TYPE.HEADERS:
      case FRAME_TYPE.PUSH_PROMISE:
        return this.#blockStart(b, start, end);
      case FRAME_TYPE.CONTINUATION:
        this.#blockParts.push(b.subarray(start, end));
        this.#blockBytes += end - start;
        this.#blockFrames++;
        if ((flags & FLAG.END_HEADERS) !== 0) this.#blockEnd();
        return;
      case FRAME_TYPE.PRIORITY: {
        const priority = readPriority(b, start);
        if (priority.dependency === sid) this.#sink.onError(new FrameError('SELF_DEPENDENCY', sid, FRAME_TYPE.PRIORITY));
        else this.#sink.onPriority(sid, priority);
        return;
      }
      case FRAME_TYPE.RST_STREAM:
        this.#sink.onRstStream(sid, read32(b, start));
        return;
      case FRAME_TYPE.SETTINGS: {
        if ((flags & FLAG.ACK) !== 0) return this.#sink.onSettingsAck();
        const settings = decodeSettings(b, start, end, !this.#server);
        if (typeof settings === 'string') return this.#fail(settings, sid, FRAME_TYPE.SETTINGS);
        this.#sink.onSettings(settings);
        return;
      }
      case FRAME_TYPE.PING:
        this.#sink.onPing(b.subarray(start, end), (flags & FLAG.ACK) !== 0);
        return;
      case FRAME_TYPE.GOAWAY:
        this.#sink.onGoaway(read31(b, start), read32(b, start + 4), b.subarray(start + 8, end));
        return;
      case FRAME_TYPE.WINDOW_UPDATE: {
        const increment = read31(b, start);
        if (increment !== 0) this.#sink.onWindowUpdate(sid, increment);
        else if (sid === 0) this.#fail('ZERO_WINDOW_INCREMENT_CONNECTION', sid, FRAME_TYPE.WINDOW_UPDATE);
        else this.#sink.onError(new FrameError('ZERO_WINDOW_INCREMENT', sid, FRAME_TYPE.WINDOW_UPDATE));
        return;
      }
      default:
        return;
    }
  }

  // HEADERS (§6.2) or PUSH_PROMISE (§6.6): the fixed fields, the padding, the first fragment.
  #blockStart(b: Buffer, start: number, end: number): void {
    const type = this.#type;
    const flags = this.#flags;
    const sid = this.#streamId;
    let s = start;
    let e = end;
    const pad = (flags & FLAG.PADDED) !== 0 ? b[s++]! : 0;
    let priority: Priority | null = null;
    let promised = 0;
    if (type === FRAME_TYPE.HEADERS) {
      if ((flags & FLAG.PRIORITY) !== 0) {
        priority = readPriority(b, s);
        s += PRIORITY_BYTES;
      }
    } else {
      promised = read31(b, s);
      s += 4;
    }
    if (pad > e - s) return this.#fail('BAD_PADDING', sid, type);
    e -= pad;
    if (e - s > this.#maxBlockBytes) return this.#fail('HEADER_BLOCK_TOO_LARGE', sid, type);
    this.#blockStream = sid;
    this.#blockType = type;
    this.#blockParts.push(b.subarray(s, e));
    this.#blockBytes = e - s;
    this.#blockFrames = 0;
    this.#blockEndStream = (flags & FLAG.END_STREAM) !== 0;
    this.#blockPriority = priority;
    this.#blockPromised = promised;
    if ((flags & FLAG.END_HEADERS) !== 0) this.#blockEnd();
  }

  // §4.3: the field block is complete (END_HEADERS); a HEADERS priority on itself is a stream error
  // (RFC 7540 §5.3.1), reported after the block so that HPACK still sees it.
  #blockEnd(): void {
    const parts = this.#blockParts;
    const block = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.#blockBytes);
    const streamId = this.#blockStream;
    const priority = this.#blockPriority;
    this.#blockStream = 0;
    this.#blockParts = [];
    this.#blockBytes = 0;
    this.#blockPriority = null;
    if (this.#blockType === FRAME_TYPE.PUSH_PROMISE) {
      this.#sink.onPushPromise({ streamId, promisedStreamId: this.#blockPromised, block });
      return;
    }
    this.#sink.onHeaders({ streamId, endStream: this.#blockEndStream, block, priority });
    if (priority !== null && priority.dependency === streamId) this.#sink.onError(new FrameError('SELF_DEPENDENCY', streamId, FRAME_TYPE.HEADERS));
  }

  #fail(reason: FrameErrorReason, streamId: number, frameType: number): void {
    this.#state = S_DEAD;
    this.#payload = EMPTY;
    this.#blockParts = [];
    this.#blockStream = 0;
    this.#sink.onError(new FrameError(reason, streamId, frameType));
  }
}

// §4.2, §6.5.2: SETTINGS_MAX_FRAME_SIZE is between 2^14 and 2^24-1.
function checkedFrameSize(size: number): number {
  if (!Number.isInteger(size) || size < DEFAULT_MAX_FRAME_SIZE || size > MAX_ALLOWED_FRAME_SIZE) {
    throw new RangeError(`maxFrameSize must be an integer in ${DEFAULT_MAX_FRAME_SIZE}..${MAX_ALLOWED_FRAME_SIZE}, got ${size}`);
  }
  return size;
}

function checkedCount(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  return n;
}
