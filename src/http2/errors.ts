// HTTP/2 error codes (RFC 9113 §7) and the one catalogue of what a peer can get wrong at the frame
// layer, each with its error code and whether it ends the connection (§5.4.1) or only a stream
// (§5.4.2). The parser reports these as values, never throws them: a throw from src/http2 is our bug.

/** RFC 9113 §7. Codes are 32-bit on the wire; an unknown code received MUST NOT trigger special behaviour. */
export const ERROR_CODE = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export type ErrorCodeName = keyof typeof ERROR_CODE;
export type ErrorCode = (typeof ERROR_CODE)[ErrorCodeName];

const CODE_NAMES: readonly ErrorCodeName[] = Object.keys(ERROR_CODE) as ErrorCodeName[];

/** The name of a code received in RST_STREAM or GOAWAY, or null for one §7 does not define. */
export function errorCodeName(code: number): ErrorCodeName | null {
  return Number.isInteger(code) && code >= 0 && code < CODE_NAMES.length ? CODE_NAMES[code]! : null;
}

/** A connection error ends the connection with GOAWAY (§5.4.1); a stream error resets one stream (§5.4.2). */
export type ErrorScope = 'connection' | 'stream';

export const FRAME_ERRORS = {
  // §3.4: the client connection preface.
  BAD_PREFACE: ['connection', 'PROTOCOL_ERROR', 'The client connection preface is not "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n"'],
  PREFACE_HTTP1: ['connection', 'PROTOCOL_ERROR', 'The client spoke HTTP/1.x instead of sending the HTTP/2 connection preface'],
  FIRST_FRAME_NOT_SETTINGS: ['connection', 'PROTOCOL_ERROR', 'The first frame of a connection preface must be SETTINGS'],
  // §4.2: a frame larger than the SETTINGS_MAX_FRAME_SIZE we advertised.
  FRAME_TOO_LARGE: ['connection', 'FRAME_SIZE_ERROR', 'Frame larger than SETTINGS_MAX_FRAME_SIZE'],
  // §4.2: a frame too short (or, for fixed-size frames, of another size) for its mandatory fields.
  BAD_FRAME_LENGTH: ['connection', 'FRAME_SIZE_ERROR', 'Frame length does not fit the frame type'],
  // §6.3: the one fixed-length violation that is only a stream error.
  BAD_PRIORITY_LENGTH: ['stream', 'FRAME_SIZE_ERROR', 'PRIORITY frame length is not 5'],
  // §6.1, §6.2, §6.3, §6.4, §6.6, §6.10: these frames belong to a stream.
  STREAM_ID_REQUIRED: ['connection', 'PROTOCOL_ERROR', 'Frame type requires a stream identifier, got 0'],
  // §6.5, §6.7, §6.8: these frames belong to the connection.
  STREAM_ID_FORBIDDEN: ['connection', 'PROTOCOL_ERROR', 'Frame type must be sent on stream 0'],
  // §6.1, §6.2, §6.6: padding at least as long as what it pads.
  BAD_PADDING: ['connection', 'PROTOCOL_ERROR', 'Pad Length exceeds the frame payload'],
  // RFC 7540 §5.3.1 (kept by RFC 9113 for frames that still carry the fields).
  SELF_DEPENDENCY: ['stream', 'PROTOCOL_ERROR', 'A stream cannot depend on itself'],
  // §6.5: SETTINGS.
  SETTINGS_ACK_WITH_PAYLOAD: ['connection', 'FRAME_SIZE_ERROR', 'SETTINGS with ACK must have an empty payload'],
  BAD_SETTINGS_LENGTH: ['connection', 'FRAME_SIZE_ERROR', 'SETTINGS payload length is not a multiple of 6'],
  BAD_ENABLE_PUSH: ['connection', 'PROTOCOL_ERROR', 'SETTINGS_ENABLE_PUSH must be 0 or 1'],
  PUSH_ENABLED_BY_SERVER: ['connection', 'PROTOCOL_ERROR', 'A server must not send SETTINGS_ENABLE_PUSH = 1'],
  BAD_INITIAL_WINDOW_SIZE: ['connection', 'FLOW_CONTROL_ERROR', 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1'],
  BAD_MAX_FRAME_SIZE: ['connection', 'PROTOCOL_ERROR', 'SETTINGS_MAX_FRAME_SIZE outside 16384..16777215'],
  BAD_BOOLEAN_SETTING: ['connection', 'PROTOCOL_ERROR', 'A boolean setting must be 0 or 1'],
  // §6.9: WINDOW_UPDATE with an increment of 0.
  ZERO_WINDOW_INCREMENT_CONNECTION: ['connection', 'PROTOCOL_ERROR', 'WINDOW_UPDATE increment of 0 on the connection'],
  ZERO_WINDOW_INCREMENT: ['stream', 'PROTOCOL_ERROR', 'WINDOW_UPDATE increment of 0'],
  // §6.10, §4.3: a field block is one contiguous sequence of frames on one stream.
  UNEXPECTED_CONTINUATION: ['connection', 'PROTOCOL_ERROR', 'CONTINUATION without an open field block on its stream'],
  HEADER_BLOCK_INTERRUPTED: ['connection', 'PROTOCOL_ERROR', 'Another frame inside a field block (HEADERS/PUSH_PROMISE then CONTINUATION)'],
  // §10.5, CVE-2024-27316: a field block bigger, or cut in more frames, than we buffer. We stop reading
  // it at once, so the HPACK context is lost (§4.3): only the connection can end.
  HEADER_BLOCK_TOO_LARGE: ['connection', 'ENHANCE_YOUR_CALM', 'Field block larger than the configured limit'],
  TOO_MANY_CONTINUATIONS: ['connection', 'ENHANCE_YOUR_CALM', 'Field block split into more CONTINUATION frames than the configured limit'],
  // §8.4: a client cannot push.
  PUSH_PROMISE_FROM_CLIENT: ['connection', 'PROTOCOL_ERROR', 'A client must not send PUSH_PROMISE'],
} as const satisfies Record<string, readonly [ErrorScope, ErrorCodeName, string]>;

export type FrameErrorReason = keyof typeof FRAME_ERRORS;

/** A frame-layer error as a value: what to answer (code), how far (scope), and why (reason). */
export class FrameError {
  readonly reason: FrameErrorReason;
  readonly scope: ErrorScope;
  readonly codeName: ErrorCodeName;
  readonly code: ErrorCode;
  /** The stream to reset for a stream error; for a connection error, the frame's stream (0 when none). */
  readonly streamId: number;
  /** The type of the frame at fault, or -1 for the preface. */
  readonly frameType: number;
  readonly message: string;

  constructor(reason: FrameErrorReason, streamId: number, frameType: number) {
    const [scope, codeName, message] = FRAME_ERRORS[reason];
    this.reason = reason;
    this.scope = scope;
    this.codeName = codeName;
    this.code = ERROR_CODE[codeName];
    this.streamId = streamId;
    this.frameType = frameType;
    this.message = message;
  }
}
