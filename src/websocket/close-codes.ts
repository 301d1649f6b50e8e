// Close status codes (RFC 6455 §7.4) and the error the frame layer reports: a code to close with
// and a message saying what the peer did wrong.

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_UNSUPPORTED = 1003;
/** Reserved (§7.4.1): "no status code was present"; never sent on the wire. */
export const CLOSE_NO_STATUS = 1005;
/** Reserved (§7.4.1): the connection closed without a close frame; never sent on the wire. */
export const CLOSE_ABNORMAL = 1006;
export const CLOSE_INVALID_DATA = 1007;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_INTERNAL = 1011;

/**
 * Whether a code may appear in a close frame (§7.4.1, §7.4.2, and the IANA registry of §11.7):
 * 1000–1003 and 1007–1014 are defined for the wire; 1004 is reserved, 1005, 1006 and 1015 must
 * never be sent; 1016–2999 are for future RFCs; 3000–3999 are registered by libraries and
 * frameworks, 4000–4999 are private. Anything else is out of range.
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

export class WebSocketError extends Error {
  /** The close code this error ends the connection with (1002, 1007, 1009, …). */
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'WebSocketError';
    this.code = code;
  }
}
