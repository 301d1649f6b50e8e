// HPACK integers (RFC 7541 §5.1): an N-bit prefix, then 7 bits per continuation octet, least
// significant group first.

/**
 * The largest integer we accept. §5.1 requires a limit "in value or octet length"; 2^31 − 1 is far
 * beyond any index, string length or table size we allow, and keeps arithmetic exact.
 */
export const MAX_HPACK_INTEGER = 0x7fffffff;
/** Continuation octets after the prefix: 5 carry 35 bits, so more can only be zero padding. */
const MAX_CONTINUATION_OCTETS = 5;

/** A decoding failure: the block ends inside the integer. */
export const INTEGER_TRUNCATED = -1;
/** A decoding failure: the integer exceeds MAX_HPACK_INTEGER or has too many octets. */
export const INTEGER_OVERFLOW = -2;

/** Where an integer read ended: one per decoder, reused (no allocation per integer). */
export interface Cursor {
  pos: number;
}

/**
 * Reads the integer (§5.1) whose first octet is buf[cursor.pos], with a `prefixBits`-bit prefix;
 * advances the cursor past it. Returns the value, or INTEGER_TRUNCATED / INTEGER_OVERFLOW.
 */
export function decodeInteger(buf: Uint8Array, cursor: Cursor, end: number, prefixBits: number): number {
  let pos = cursor.pos;
  const max = (1 << prefixBits) - 1;
  let value = buf[pos++]! & max;
  if (value < max) {
    cursor.pos = pos;
    return value;
  }
  let scale = 1;
  for (let i = 0; i < MAX_CONTINUATION_OCTETS; i++) {
    if (pos >= end) return INTEGER_TRUNCATED;
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (value > MAX_HPACK_INTEGER) return INTEGER_OVERFLOW;
    if ((b & 0x80) === 0) {
      cursor.pos = pos;
      return value;
    }
    scale *= 128;
  }
  return pos >= end ? INTEGER_TRUNCATED : INTEGER_OVERFLOW;
}

/**
 * Writes value (§5.1) with a `prefixBits`-bit prefix; `flags` are the representation's high bits of
 * the first octet. Returns the offset after it. The caller has room for 6 octets.
 */
export function encodeInteger(out: Uint8Array, pos: number, value: number, prefixBits: number, flags: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos++] = flags | value;
    return pos;
  }
  out[pos++] = flags | max;
  value -= max;
  while (value >= 128) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}
