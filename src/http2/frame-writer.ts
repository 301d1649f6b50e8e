// HTTP/2 frame serializers (RFC 9113 §4.1, §6). Each frame type has a `write*` function that writes
// into a caller's buffer at an offset and returns the offset after the frame (to batch several small
// frames into one socket write), a `*Length`/`*_BYTES` for sizing that buffer, and an allocating
// convenience form. Arguments are ours, not a peer's: a value the RFC forbids is our bug, and
// throws RangeError.
//
// Field blocks are split by the PEER's SETTINGS_MAX_FRAME_SIZE (§4.2, §6.10): the parser's limit is
// the one we advertised, the writer's is the one the peer advertised.

import {
  DEFAULT_MAX_FRAME_SIZE,
  FLAG,
  FRAME_HEADER_BYTES,
  FRAME_TYPE,
  MAX_ALLOWED_FRAME_SIZE,
  MAX_STREAM_ID,
  MAX_WINDOW_SIZE,
  type Priority,
} from './frame-types.ts';
import { type SettingsUpdate, settingsPayloadLength, writeSettingsPayload } from './settings.ts';

export const SETTINGS_ACK_FRAME_BYTES = FRAME_HEADER_BYTES;
export const PING_FRAME_BYTES = FRAME_HEADER_BYTES + 8;
export const RST_STREAM_FRAME_BYTES = FRAME_HEADER_BYTES + 4;
export const WINDOW_UPDATE_FRAME_BYTES = FRAME_HEADER_BYTES + 4;
export const PRIORITY_FRAME_BYTES = FRAME_HEADER_BYTES + 5;

const EMPTY = Buffer.alloc(0);
const MAX_PAD_LENGTH = 255;

function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(what);
}

// §5.1.1: stream identifiers are 31 bits; 0 is the connection.
const checkStream = (id: number, allowZero: boolean): void =>
  check(Number.isInteger(id) && id >= (allowZero ? 0 : 1) && id <= MAX_STREAM_ID, `stream id ${id} out of range`);

// §7: error codes are 32-bit fields.
const checkCode = (code: number): void => check(Number.isInteger(code) && code >= 0 && code <= 0xffff_ffff, `error code ${code} is not 32-bit`);

// §6.1: Pad Length is one octet.
const checkPad = (pad: number): void => check(Number.isInteger(pad) && pad >= 0 && pad <= MAX_PAD_LENGTH, `pad length ${pad} out of 0..255`);

// §4.1: the reserved bit before a 31-bit field MUST remain unset when sending.
function put31(target: Buffer, at: number, value: number): void {
  target.writeUInt32BE(value & MAX_STREAM_ID, at);
}

/** §4.1: the 9-byte frame header (the reserved bit is sent as 0). */
export function writeFrameHeader(target: Buffer, offset: number, length: number, type: number, flags: number, streamId: number): number {
  check(length >= 0 && length <= MAX_ALLOWED_FRAME_SIZE, `frame length ${length} above 2^24-1`);
  target[offset] = length >>> 16;
  target[offset + 1] = (length >>> 8) & 0xff;
  target[offset + 2] = length & 0xff;
  target[offset + 3] = type;
  target[offset + 4] = flags;
  put31(target, offset + 5, streamId);
  return offset + FRAME_HEADER_BYTES;
}

function allocated(length: number, write: (target: Buffer) => number): Buffer {
  const out = Buffer.allocUnsafe(length);
  write(out);
  return out;
}

// --- SETTINGS (§6.5) ---

export const settingsFrameLength = (settings: SettingsUpdate): number => FRAME_HEADER_BYTES + settingsPayloadLength(settings);

export function writeSettings(target: Buffer, offset: number, settings: SettingsUpdate): number {
  const at = writeFrameHeader(target, offset, settingsPayloadLength(settings), FRAME_TYPE.SETTINGS, 0, 0);
  return writeSettingsPayload(target, at, settings);
}

export const settingsFrame = (settings: SettingsUpdate): Buffer => allocated(settingsFrameLength(settings), (t) => writeSettings(t, 0, settings));

export const writeSettingsAck = (target: Buffer, offset: number): number => writeFrameHeader(target, offset, 0, FRAME_TYPE.SETTINGS, FLAG.ACK, 0);

export const settingsAckFrame = (): Buffer => allocated(SETTINGS_ACK_FRAME_BYTES, (t) => writeSettingsAck(t, 0));

// --- PING (§6.7) ---

export function writePing(target: Buffer, offset: number, data: Buffer, ack: boolean): number {
  check(data.length === 8, `PING data must be 8 bytes, got ${data.length}`);
  const at = writeFrameHeader(target, offset, 8, FRAME_TYPE.PING, ack ? FLAG.ACK : 0, 0);
  data.copy(target, at);
  return at + 8;
}

export const pingFrame = (data: Buffer, ack = false): Buffer => allocated(PING_FRAME_BYTES, (t) => writePing(t, 0, data, ack));

// --- GOAWAY (§6.8) ---

export const goawayFrameLength = (debugData: Buffer = EMPTY): number => FRAME_HEADER_BYTES + 8 + debugData.length;

export function writeGoaway(target: Buffer, offset: number, lastStreamId: number, errorCode: number, debugData: Buffer = EMPTY): number {
  checkStream(lastStreamId, true);
  checkCode(errorCode);
  const at = writeFrameHeader(target, offset, 8 + debugData.length, FRAME_TYPE.GOAWAY, 0, 0);
  put31(target, at, lastStreamId);
  target.writeUInt32BE(errorCode, at + 4);
  debugData.copy(target, at + 8);
  return at + 8 + debugData.length;
}

export const goawayFrame = (lastStreamId: number, errorCode: number, debugData: Buffer = EMPTY): Buffer =>
  allocated(goawayFrameLength(debugData), (t) => writeGoaway(t, 0, lastStreamId, errorCode, debugData));

// --- RST_STREAM (§6.4) ---

export function writeRstStream(target: Buffer, offset: number, streamId: number, errorCode: number): number {
  checkStream(streamId, false);
  checkCode(errorCode);
  const at = writeFrameHeader(target, offset, 4, FRAME_TYPE.RST_STREAM, 0, streamId);
  target.writeUInt32BE(errorCode, at);
  return at + 4;
}

export const rstStreamFrame = (streamId: number, errorCode: number): Buffer =>
  allocated(RST_STREAM_FRAME_BYTES, (t) => writeRstStream(t, 0, streamId, errorCode));

// --- WINDOW_UPDATE (§6.9) ---

export function writeWindowUpdate(target: Buffer, offset: number, streamId: number, increment: number): number {
  checkStream(streamId, true);
  check(Number.isInteger(increment) && increment >= 1 && increment <= MAX_WINDOW_SIZE, `window increment ${increment} out of 1..2^31-1`);
  const at = writeFrameHeader(target, offset, 4, FRAME_TYPE.WINDOW_UPDATE, 0, streamId);
  put31(target, at, increment);
  return at + 4;
}

export const windowUpdateFrame = (streamId: number, increment: number): Buffer =>
  allocated(WINDOW_UPDATE_FRAME_BYTES, (t) => writeWindowUpdate(t, 0, streamId, increment));

// --- PRIORITY (§6.3) ---

function writePriorityFields(target: Buffer, at: number, priority: Priority): void {
  checkStream(priority.dependency, true);
  check(Number.isInteger(priority.weight) && priority.weight >= 1 && priority.weight <= 256, `weight ${priority.weight} out of 1..256`);
  put31(target, at, priority.dependency);
  if (priority.exclusive) target[at] = target[at]! | 0x80;
  target[at + 4] = priority.weight - 1;
}

export function writePriority(target: Buffer, offset: number, streamId: number, priority: Priority): number {
  checkStream(streamId, false);
  const at = writeFrameHeader(target, offset, 5, FRAME_TYPE.PRIORITY, 0, streamId);
  writePriorityFields(target, at, priority);
  return at + 5;
}

export const priorityFrame = (streamId: number, priority: Priority): Buffer =>
  allocated(PRIORITY_FRAME_BYTES, (t) => writePriority(t, 0, streamId, priority));

// --- DATA (§6.1) ---

export interface DataOptions {
  endStream?: boolean;
  /** Bytes of padding (0..255); the PADDED flag is set when this is given, even as 0. */
  padLength?: number;
}

const padBytes = (padLength: number | undefined): number => (padLength === undefined ? 0 : 1 + padLength);

export const dataFrameLength = (dataLength: number, padLength?: number): number => FRAME_HEADER_BYTES + dataLength + padBytes(padLength);

export function writeData(target: Buffer, offset: number, streamId: number, data: Buffer, options: DataOptions = {}): number {
  checkStream(streamId, false);
  const pad = options.padLength;
  if (pad !== undefined) checkPad(pad);
  const flags = (options.endStream === true ? FLAG.END_STREAM : 0) | (pad !== undefined ? FLAG.PADDED : 0);
  let at = writeFrameHeader(target, offset, data.length + padBytes(pad), FRAME_TYPE.DATA, flags, streamId);
  if (pad !== undefined) target[at++] = pad;
  at += data.copy(target, at);
  if (pad !== undefined && pad > 0) {
    target.fill(0, at, at + pad); // §6.1: padding octets MUST be set to zero when sending
    at += pad;
  }
  return at;
}

export const dataFrame = (streamId: number, data: Buffer, options: DataOptions = {}): Buffer =>
  allocated(dataFrameLength(data.length, options.padLength), (t) => writeData(t, 0, streamId, data, options));

/**
 * Just the header of an unpadded DATA frame of `length` bytes, for a socket write of the header and
 * then the data itself (a view of a file-cache buffer, say) without copying the data.
 */
export function dataFrameHeader(streamId: number, length: number, endStream: boolean): Buffer {
  checkStream(streamId, false);
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  writeFrameHeader(out, 0, length, FRAME_TYPE.DATA, endStream ? FLAG.END_STREAM : 0, streamId);
  return out;
}

// --- HEADERS (§6.2), PUSH_PROMISE (§6.6), CONTINUATION (§6.10) ---

export interface FieldBlockOptions {
  /** The peer's SETTINGS_MAX_FRAME_SIZE: no frame is longer. */
  maxFrameSize: number;
  /** Padding of the first frame (0..255); the PADDED flag is set when this is given, even as 0. */
  padLength?: number;
}

export interface HeadersOptions extends FieldBlockOptions {
  endStream?: boolean;
  priority?: Priority;
}

// The first frame's payload before its fragment: Pad Length, then the priority or promised id.
function firstFrameOverhead(type: number, options: HeadersOptions): number {
  const fixed = type === FRAME_TYPE.PUSH_PROMISE ? 4 : options.priority !== undefined ? 5 : 0;
  return fixed + padBytes(options.padLength);
}

function firstFragmentBytes(type: number, blockLength: number, options: HeadersOptions): number {
  const { maxFrameSize } = options;
  check(Number.isInteger(maxFrameSize) && maxFrameSize >= DEFAULT_MAX_FRAME_SIZE && maxFrameSize <= MAX_ALLOWED_FRAME_SIZE, `maxFrameSize ${maxFrameSize} out of range`);
  return Math.min(blockLength, maxFrameSize - firstFrameOverhead(type, options));
}

function fieldBlockLength(type: number, blockLength: number, options: HeadersOptions): number {
  const first = firstFragmentBytes(type, blockLength, options);
  const rest = blockLength - first;
  const continuations = Math.ceil(rest / options.maxFrameSize);
  return FRAME_HEADER_BYTES + firstFrameOverhead(type, options) + first + continuations * FRAME_HEADER_BYTES + rest;
}

function writeFieldBlock(target: Buffer, offset: number, type: number, streamId: number, promised: number, block: Buffer, options: HeadersOptions): number {
  checkStream(streamId, false);
  const pad = options.padLength;
  if (pad !== undefined) checkPad(pad);
  const first = firstFragmentBytes(type, block.length, options);
  const last = first === block.length;
  let flags = (last ? FLAG.END_HEADERS : 0) | (pad !== undefined ? FLAG.PADDED : 0);
  if (type === FRAME_TYPE.HEADERS) {
    if (options.endStream === true) flags |= FLAG.END_STREAM;
    if (options.priority !== undefined) flags |= FLAG.PRIORITY;
  }
  let at = writeFrameHeader(target, offset, firstFrameOverhead(type, options) + first, type, flags, streamId);
  if (pad !== undefined) target[at++] = pad;
  if (type === FRAME_TYPE.PUSH_PROMISE) {
    put31(target, at, promised);
    at += 4;
  } else if (options.priority !== undefined) {
    writePriorityFields(target, at, options.priority);
    at += 5;
  }
  at += block.copy(target, at, 0, first);
  if (pad !== undefined && pad > 0) {
    target.fill(0, at, at + pad);
    at += pad;
  }
  for (let from = first; from < block.length; ) {
    const n = Math.min(options.maxFrameSize, block.length - from);
    const end = from + n === block.length;
    at = writeFrameHeader(target, at, n, FRAME_TYPE.CONTINUATION, end ? FLAG.END_HEADERS : 0, streamId);
    at += block.copy(target, at, from, from + n);
    from += n;
  }
  return at;
}

export const headersFramesLength = (block: Buffer, options: HeadersOptions): number => fieldBlockLength(FRAME_TYPE.HEADERS, block.length, options);

/** HEADERS, then as many CONTINUATION frames as the peer's frame size needs (END_HEADERS on the last). */
export const writeHeaders = (target: Buffer, offset: number, streamId: number, block: Buffer, options: HeadersOptions): number =>
  writeFieldBlock(target, offset, FRAME_TYPE.HEADERS, streamId, 0, block, options);

export const headersFrames = (streamId: number, block: Buffer, options: HeadersOptions): Buffer =>
  allocated(headersFramesLength(block, options), (t) => writeHeaders(t, 0, streamId, block, options));

export const pushPromiseFramesLength = (block: Buffer, options: FieldBlockOptions): number => fieldBlockLength(FRAME_TYPE.PUSH_PROMISE, block.length, options);

export function writePushPromise(target: Buffer, offset: number, streamId: number, promisedStreamId: number, block: Buffer, options: FieldBlockOptions): number {
  checkStream(promisedStreamId, false);
  return writeFieldBlock(target, offset, FRAME_TYPE.PUSH_PROMISE, streamId, promisedStreamId, block, options);
}

export const pushPromiseFrames = (streamId: number, promisedStreamId: number, block: Buffer, options: FieldBlockOptions): Buffer =>
  allocated(pushPromiseFramesLength(block, options), (t) => writePushPromise(t, 0, streamId, promisedStreamId, block, options));
