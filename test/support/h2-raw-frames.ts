// Test-only HTTP/2 framing (RFC 9113 §4.1): enough to stand a raw `net` server in front of a
// node:http2 client — read the preface and frames, unwrap HEADERS/CONTINUATION into header blocks,
// write SETTINGS, ACKs and HEADERS. Deliberately independent of src/http2 so that it can judge it.

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME = { DATA: 0x0, HEADERS: 0x1, SETTINGS: 0x4, PING: 0x6, GOAWAY: 0x7, CONTINUATION: 0x9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
const MAX_FRAME_SIZE = 16384; // the default both ways (RFC 9113 §6.5.2): we never raise it

export interface RawFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
  /** On the HEADERS or CONTINUATION frame that ends a header block: the whole block. */
  block?: HeaderBlock;
}

export interface HeaderBlock {
  streamId: number;
  flags: number; // of the HEADERS frame (END_STREAM)
  block: Buffer;
}

/** Splits a byte stream (after the client preface) into frames, and frames into header blocks. */
export class RawFrameReader {
  #buf: Buffer = Buffer.alloc(0);
  #prefaceSeen = false;
  #open: { streamId: number; flags: number; parts: Buffer[] } | null = null;

  /** Feeds bytes; returns the complete frames in order, header blocks reassembled on their last frame. */
  push(chunk: Buffer): RawFrame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const frames: RawFrame[] = [];
    if (!this.#prefaceSeen) {
      if (this.#buf.length < PREFACE.length) return frames;
      if (!this.#buf.subarray(0, PREFACE.length).equals(PREFACE)) throw new Error('bad client preface');
      this.#buf = this.#buf.subarray(PREFACE.length);
      this.#prefaceSeen = true;
    }
    while (this.#buf.length >= 9) {
      const length = this.#buf.readUIntBE(0, 3);
      if (this.#buf.length < 9 + length) break;
      const frame: RawFrame = {
        type: this.#buf[3]!,
        flags: this.#buf[4]!,
        streamId: this.#buf.readUInt32BE(5) & 0x7fffffff,
        payload: this.#buf.subarray(9, 9 + length),
      };
      this.#buf = this.#buf.subarray(9 + length);
      frames.push(frame);
      const block = this.#headers(frame);
      if (block !== null) frame.block = block;
    }
    return frames;
  }

  #headers(frame: RawFrame): HeaderBlock | null {
    let fragment: Buffer;
    if (frame.type === FRAME.HEADERS) {
      // §6.2: optional pad length, optional priority (5 octets), fragment, padding.
      let start = 0;
      let end = frame.payload.length;
      if (frame.flags & FLAG.PADDED) {
        end -= frame.payload[0]!;
        start = 1;
      }
      if (frame.flags & FLAG.PRIORITY) start += 5;
      fragment = frame.payload.subarray(start, end);
      this.#open = { streamId: frame.streamId, flags: frame.flags, parts: [] };
    } else if (frame.type === FRAME.CONTINUATION) {
      if (this.#open === null || this.#open.streamId !== frame.streamId) throw new Error('CONTINUATION out of place');
      fragment = frame.payload;
    } else {
      return null;
    }
    const open = this.#open!;
    open.parts.push(Buffer.from(fragment));
    if ((frame.flags & FLAG.END_HEADERS) === 0) return null;
    this.#open = null;
    return { streamId: open.streamId, flags: open.flags, block: Buffer.concat(open.parts) };
  }
}

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** A SETTINGS frame with the given [identifier, value] parameters (§6.5.1). */
export function settings(params: [number, number][] = []): Buffer {
  const payload = Buffer.alloc(6 * params.length);
  params.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, payload);
}

/** A header block as HEADERS plus as many CONTINUATION frames as the default frame size needs. */
export function headersFrames(streamId: number, block: Buffer, endStream: boolean): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at === 0 || at < block.length; at += MAX_FRAME_SIZE) {
    const part = block.subarray(at, at + MAX_FRAME_SIZE);
    const last = at + MAX_FRAME_SIZE >= block.length;
    const flags = (last ? FLAG.END_HEADERS : 0) | (at === 0 && endStream ? FLAG.END_STREAM : 0);
    out.push(frame(at === 0 ? FRAME.HEADERS : FRAME.CONTINUATION, flags, streamId, part));
  }
  return Buffer.concat(out);
}
