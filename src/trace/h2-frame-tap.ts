// Reads one direction of an HTTP/2 connection's bytes as frames, for --trace and the inspector: each
// frame's type, flags, stream and length (RFC 9113 §4.1), what it says in brief, and the HPACK bytes
// of a field block (RFC 7541: the "before" of the fields the request and response show decoded).
// It only describes: the session (src/http2/) is what parses and checks frames. A tap must see its
// direction from the first byte (a client's from its preface, §3.4), so a connection is tapped from
// its start or not at all.

import { FRAME_TYPE, FRAME_HEADER_BYTES } from '../http2/frame-types.ts';
import { SETTING_ID } from '../http2/settings.ts';
import { errorCodeName } from '../http2/errors.ts';
import type { FrameNote } from './exchange-trace.ts';

/** §3.4: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
const CLIENT_PREFACE_BYTES = 24;
/** Payload bytes kept to describe a frame (SETTINGS lists, the start of an HPACK block). */
const KEPT_PAYLOAD_BYTES = 64;

const TYPE_NAMES = new Map<number, string>(Object.entries(FRAME_TYPE).map(([name, n]) => [n, name]));
const SETTING_NAMES = new Map<number, string>(Object.entries(SETTING_ID).map(([name, n]) => [n, `SETTINGS_${name}`]));

/** §6: the flags each frame type defines, by bit. */
function flagNames(type: number, flags: number): string[] {
  const out: string[] = [];
  const is = (bit: number): boolean => (flags & bit) !== 0;
  if (type === FRAME_TYPE.SETTINGS || type === FRAME_TYPE.PING) {
    if (is(0x1)) out.push('ACK');
    return out;
  }
  if ((type === FRAME_TYPE.DATA || type === FRAME_TYPE.HEADERS) && is(0x1)) out.push('END_STREAM');
  if ((type === FRAME_TYPE.HEADERS || type === FRAME_TYPE.PUSH_PROMISE || type === FRAME_TYPE.CONTINUATION) && is(0x4)) out.push('END_HEADERS');
  if ((type === FRAME_TYPE.DATA || type === FRAME_TYPE.HEADERS || type === FRAME_TYPE.PUSH_PROMISE) && is(0x8)) out.push('PADDED');
  if (type === FRAME_TYPE.HEADERS && is(0x20)) out.push('PRIORITY');
  return out;
}

function codeName(code: number): string {
  return errorCodeName(code) ?? `0x${code.toString(16)}`;
}

/** What a frame says, from its first payload bytes (`kept`) and its whole length. */
function describe(type: number, flags: number, kept: Buffer, length: number): { detail: string; hpack?: string } {
  switch (type) {
    case FRAME_TYPE.SETTINGS: {
      if ((flags & 0x1) !== 0) return { detail: 'acknowledges our settings' };
      const parts: string[] = [];
      for (let at = 0; at + 6 <= kept.length; at += 6) parts.push(`${SETTING_NAMES.get(kept.readUInt16BE(at)) ?? `0x${kept.readUInt16BE(at).toString(16)}`}=${kept.readUInt32BE(at + 2)}`);
      return { detail: parts.length === 0 ? 'no changes' : parts.join(' ') };
    }
    case FRAME_TYPE.WINDOW_UPDATE:
      return { detail: kept.length >= 4 ? `increment ${kept.readUInt32BE(0) & 0x7fff_ffff}` : '' };
    case FRAME_TYPE.RST_STREAM:
      return { detail: kept.length >= 4 ? codeName(kept.readUInt32BE(0)) : '' };
    case FRAME_TYPE.GOAWAY: {
      if (kept.length < 8) return { detail: '' };
      const debug = kept.subarray(8).toString('latin1');
      return { detail: `last stream ${kept.readUInt32BE(0) & 0x7fff_ffff}, ${codeName(kept.readUInt32BE(4))}${debug === '' ? '' : `: ${debug}`}` };
    }
    case FRAME_TYPE.PING:
      return { detail: `opaque ${kept.toString('hex')}` };
    case FRAME_TYPE.HEADERS:
    case FRAME_TYPE.CONTINUATION: {
      // §6.2: a HEADERS payload may start with a pad length and a priority before the block.
      let from = 0;
      if (type === FRAME_TYPE.HEADERS && (flags & 0x8) !== 0) from += 1;
      if (type === FRAME_TYPE.HEADERS && (flags & 0x20) !== 0) from += 5;
      const block = kept.subarray(Math.min(from, kept.length));
      return { detail: `field block of ${Math.max(0, length - from)} bytes`, hpack: block.toString('hex') + (length > KEPT_PAYLOAD_BYTES ? '…' : '') };
    }
    default:
      return { detail: '' };
  }
}

/** Numbers frames in the order the taps of one connection see them (its two directions share it). */
export interface FrameCounter {
  next: number;
}

export class H2FrameTap {
  readonly #dir: 'in' | 'out';
  readonly #onFrame: (note: FrameNote) => void;
  #skip: number;
  readonly #header = Buffer.alloc(FRAME_HEADER_BYTES);
  #headerHave = 0;
  #payloadLeft = -1; // -1: reading a header
  #length = 0;
  #type = 0;
  #flags = 0;
  #stream = 0;
  #kept: Buffer[] = [];
  #keptBytes = 0;

  /** `dir` 'in' reads a client's bytes (its preface first), 'out' ours. */
  readonly #counter: FrameCounter;

  constructor(dir: 'in' | 'out', onFrame: (note: FrameNote) => void, counter: FrameCounter = { next: 0 }) {
    this.#dir = dir;
    this.#onFrame = onFrame;
    this.#counter = counter;
    this.#skip = dir === 'in' ? CLIENT_PREFACE_BYTES : 0;
  }

  push(chunk: Buffer): void {
    let at = 0;
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, chunk.length);
      this.#skip -= n;
      at = n;
    }
    while (at < chunk.length) {
      if (this.#payloadLeft < 0) {
        const n = Math.min(FRAME_HEADER_BYTES - this.#headerHave, chunk.length - at);
        chunk.copy(this.#header, this.#headerHave, at, at + n);
        this.#headerHave += n;
        at += n;
        if (this.#headerHave < FRAME_HEADER_BYTES) return;
        const h = this.#header;
        this.#length = h.readUIntBE(0, 3);
        this.#type = h[3]!;
        this.#flags = h[4]!;
        this.#stream = h.readUInt32BE(5) & 0x7fff_ffff;
        this.#headerHave = 0;
        this.#payloadLeft = this.#length;
        this.#kept = [];
        this.#keptBytes = 0;
      }
      const n = Math.min(this.#payloadLeft, chunk.length - at);
      if (this.#keptBytes < KEPT_PAYLOAD_BYTES && n > 0) {
        const keep = chunk.subarray(at, at + Math.min(n, KEPT_PAYLOAD_BYTES - this.#keptBytes));
        this.#kept.push(Buffer.from(keep));
        this.#keptBytes += keep.length;
      }
      this.#payloadLeft -= n;
      at += n;
      if (this.#payloadLeft === 0) this.#emit();
    }
  }

  #emit(): void {
    this.#payloadLeft = -1;
    const type = this.#type;
    const { detail, hpack } = describe(type, this.#flags, Buffer.concat(this.#kept), this.#length);
    this.#onFrame({
      dir: this.#dir,
      type: TYPE_NAMES.get(type) ?? `0x${type.toString(16)}`,
      flags: flagNames(type, this.#flags),
      stream: this.#stream,
      length: this.#length,
      seq: this.#counter.next++,
      detail,
      ...(hpack === undefined ? {} : { hpack }),
    });
  }
}
