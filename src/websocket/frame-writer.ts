// Frame serialization (RFC 6455 §5.2), server side: frames we send are never masked (§5.1). A
// frame is its header and payload; a payload up to MAX_COPY_BYTES is copied behind the header into
// one buffer (one write), a larger one stays a buffer of its own beside its header (a writev).

import { OP_CLOSE } from './frame-parser.ts';

const MAX_COPY_BYTES = 16 * 1024;

/** Bytes of the header of a frame with this payload length (unmasked): §5.2, a 7-bit length, or
 * 126 and 16 bits, or 127 and 64 bits. */
export function headerSize(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** Writes the header (§5.2: FIN, RSV1, opcode, MASK 0, the length) at `at` in buf; returns the offset after it. */
export function writeHeader(buf: Buffer, at: number, opcode: number, fin: boolean, rsv1: boolean, length: number): number {
  buf[at] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  if (length < 126) {
    buf[at + 1] = length;
    return at + 2;
  }
  if (length < 0x10000) {
    buf[at + 1] = 126;
    buf.writeUInt16BE(length, at + 2);
    return at + 4;
  }
  buf[at + 1] = 127;
  buf.writeUInt32BE(Math.floor(length / 2 ** 32), at + 2);
  buf.writeUInt32BE(length >>> 0, at + 6);
  return at + 10;
}

/** One whole frame (§5.2): [bytes] when small, [header, payload] when the payload is large (no copy). */
export function encodeFrame(opcode: number, payload: Buffer, rsv1 = false, fin = true): Buffer[] {
  const h = headerSize(payload.length);
  if (payload.length > MAX_COPY_BYTES) {
    const head = Buffer.allocUnsafe(h);
    writeHeader(head, 0, opcode, fin, rsv1, payload.length);
    return [head, payload];
  }
  const frame = Buffer.allocUnsafe(h + payload.length);
  writeHeader(frame, 0, opcode, fin, rsv1, payload.length);
  payload.copy(frame, h);
  return [frame];
}

/** A text frame straight from a string: the UTF-8 bytes are written behind the header. */
export function encodeTextFrame(text: string, opcode: number): Buffer {
  const length = Buffer.byteLength(text);
  const h = headerSize(length);
  const frame = Buffer.allocUnsafe(h + length);
  writeHeader(frame, 0, opcode, true, false, length);
  frame.write(text, h, length, 'utf8');
  return frame;
}

/** A close frame (§5.5.1): no payload for 1005 (no status), else the code and a UTF-8 reason. */
export function encodeClose(code: number, reason: string): Buffer {
  if (code === 1005) return Buffer.from([0x80 | OP_CLOSE, 0]);
  const length = 2 + Buffer.byteLength(reason);
  const frame = Buffer.allocUnsafe(2 + length);
  writeHeader(frame, 0, OP_CLOSE, true, false, length);
  frame.writeUInt16BE(code, 2);
  frame.write(reason, 4, 'utf8');
  return frame;
}
