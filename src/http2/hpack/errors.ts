// One catalogue of everything a peer's header block can get wrong. The decoder reports these (returns
// them, never throws them): a throw from src/http2/hpack is our bug, not the peer's.
//
// Two scopes. Any decoding error leaves the peer's encoder and our decoder out of step, so it is a
// connection error of type COMPRESSION_ERROR (RFC 9113 §4.3) and the decoder refuses every later block.
// A header list over our limits is different: the block was decoded in full, so the dynamic table is
// still in step (RFC 9113 §10.5.1 "the field block MUST be processed to ensure a consistent connection
// state"); only that request fails, with 431 (RFC 6585 §5).

/** RFC 9113 §7 error code COMPRESSION_ERROR. */
export const COMPRESSION_ERROR = 0x9;

export const HPACK_ERRORS = {
  TRUNCATED: ['connection', 'Header block ends inside a field representation'],
  INTEGER_OVERFLOW: ['connection', 'HPACK integer beyond the implementation limit'],
  BAD_INDEX: ['connection', 'HPACK index 0 or beyond the static and dynamic tables'],
  STRING_TOO_LONG: ['connection', 'HPACK string literal longer than the limit'],
  HUFFMAN_EOS: ['connection', 'Huffman-coded string contains the EOS symbol'],
  HUFFMAN_PADDING: ['connection', 'Huffman-coded string has padding longer than 7 bits or not all ones'],
  TABLE_SIZE_TOO_LARGE: ['connection', 'Dynamic table size update above SETTINGS_HEADER_TABLE_SIZE'],
  TABLE_SIZE_UPDATE_NOT_FIRST: ['connection', 'Dynamic table size update after the first field of a block'],
  TABLE_SIZE_UPDATE_MISSING: ['connection', 'Header block after a smaller SETTINGS_HEADER_TABLE_SIZE does not start with a size update'],
  HEADER_LIST_TOO_LARGE: ['stream', 'Header list larger than SETTINGS_MAX_HEADER_LIST_SIZE'],
  TOO_MANY_FIELDS: ['stream', 'Too many header fields'],
} as const satisfies Record<string, readonly ['connection' | 'stream', string]>;

export type HpackErrorCode = keyof typeof HPACK_ERRORS;

export class HpackError extends Error {
  readonly code: HpackErrorCode;
  /** 'connection': send GOAWAY with `errorCode`; 'stream': answer this request with `status`. */
  readonly scope: 'connection' | 'stream';
  /** The RFC 9113 §7 code for the GOAWAY of a connection-scope error: COMPRESSION_ERROR (§4.3). */
  readonly errorCode: number;
  /** The status for a stream-scope error: 431 (RFC 9113 §10.5.1); 0 for connection-scope errors. */
  readonly status: number;

  constructor(code: HpackErrorCode) {
    const [scope, message] = HPACK_ERRORS[code];
    super(message);
    this.name = 'HpackError';
    this.code = code;
    this.scope = scope;
    this.errorCode = COMPRESSION_ERROR;
    this.status = scope === 'stream' ? 431 : 0;
  }
}
