// The vocabulary of the HTTP/2 frame layer (RFC 9113 §4, §6): frame type and flag numbers, size
// limits, and the event records the parser hands to its sink (frame-parser.ts).

/** RFC 9113 §6 (and the IANA registry it starts). */
export const FRAME_TYPE = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Flag bits; each is defined only for the frame types named (§6). Undefined flags are ignored. */
export const FLAG = {
  END_STREAM: 0x1, // DATA, HEADERS
  ACK: 0x1, // SETTINGS, PING
  END_HEADERS: 0x4, // HEADERS, PUSH_PROMISE, CONTINUATION
  PADDED: 0x8, // DATA, HEADERS, PUSH_PROMISE
  PRIORITY: 0x20, // HEADERS
} as const;

/** §4.1: Length (24) + Type (8) + Flags (8) + R (1) + Stream Identifier (31). */
export const FRAME_HEADER_BYTES = 9;
/** §4.2: every endpoint accepts frames of up to 2^14 bytes; SETTINGS_MAX_FRAME_SIZE can raise it to 2^24-1. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const MAX_ALLOWED_FRAME_SIZE = 16_777_215;
/** §5.1.1: stream identifiers are 31 bits. §6.9.1: so are flow-control windows. */
export const MAX_STREAM_ID = 0x7fff_ffff;
export const MAX_WINDOW_SIZE = 0x7fff_ffff;

/** The stream-dependency fields of HEADERS (PRIORITY flag) and PRIORITY (RFC 7540 §5.3, deprecated by RFC 9113 §5.3.2). */
export interface Priority {
  exclusive: boolean;
  dependency: number;
  /** 1..256 (the wire carries weight - 1). */
  weight: number;
}

/** A complete field block opened by HEADERS: the HEADERS fragment and every CONTINUATION's, in order. */
export interface HeadersEvent {
  streamId: number;
  endStream: boolean;
  /** The HPACK-encoded field block (padding removed): a view of the input when it came in one frame. */
  block: Buffer;
  /** Present when the HEADERS frame had the PRIORITY flag. */
  priority: Priority | null;
}

/** A complete field block opened by PUSH_PROMISE (only a client receives these, §8.4). */
export interface PushPromiseEvent {
  streamId: number;
  promisedStreamId: number;
  block: Buffer;
}
