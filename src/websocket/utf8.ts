// Incremental UTF-8 validation (RFC 3629 §4), for text messages that arrive in pieces: fragments,
// or one frame spread over several reads. It fails on the first byte that cannot be part of valid
// UTF-8, so a bad text message is refused (close 1007, RFC 6455 §8.1) as soon as the byte arrives,
// not once the whole message has been buffered. Overlong forms, surrogates (U+D800–DFFF) and code
// points past U+10FFFF are invalid: the bounds below are the second-byte ranges of RFC 3629's ABNF.
//
//   UTF8-2 = %xC2-DF UTF8-tail
//   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) / %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) / %xF4 %x80-8F 2( UTF8-tail )

import { isUtf8 } from 'node:buffer';

export class Utf8Validator {
  // Continuation bytes still expected, and the allowed range of the next one.
  #need = 0;
  #lo = 0x80;
  #hi = 0xbf;

  /** Validates the next bytes; false as soon as they cannot continue valid UTF-8 (RFC 3629 §4). */
  write(buf: Uint8Array): boolean {
    let need = this.#need;
    let lo = this.#lo;
    let hi = this.#hi;
    let i = 0;
    const n = buf.length;
    // A whole chunk at a character boundary goes to the native check; only its tail, when the
    // chunk ends inside a character, is walked here.
    if (need === 0 && n > 16) {
      const cut = boundary(buf);
      if (!isUtf8(cut === n ? buf : buf.subarray(0, cut))) return false;
      i = cut;
    }
    for (; i < n; i++) {
      const b = buf[i]!;
      if (need === 0) {
        if (b < 0x80) continue;
        if (b < 0xc2) return false;
        lo = 0x80;
        hi = 0xbf;
        if (b < 0xe0) need = 1;
        else if (b < 0xf0) {
          need = 2;
          if (b === 0xe0) lo = 0xa0;
          else if (b === 0xed) hi = 0x9f;
        } else if (b < 0xf5) {
          need = 3;
          if (b === 0xf0) lo = 0x90;
          else if (b === 0xf4) hi = 0x8f;
        } else return false;
      } else {
        if (b < lo || b > hi) return false;
        need--;
        lo = 0x80;
        hi = 0xbf;
      }
    }
    this.#need = need;
    this.#lo = lo;
    this.#hi = hi;
    return true;
  }

  /** True when the bytes so far end on a character boundary (a message may end here). */
  get complete(): boolean {
    return this.#need === 0;
  }

  reset(): void {
    this.#need = 0;
    this.#lo = 0x80;
    this.#hi = 0xbf;
  }
}

/** The end of the last complete character (n when the chunk ends on a boundary): a lead byte in the
 * last three bytes whose sequence runs past the end starts the tail (its high bits give the length
 * of its sequence, RFC 3629 §3). */
function boundary(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]!;
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return len > back ? n - back : n;
    }
  }
  return n;
}

/** Whole-buffer check (close reasons, inflated messages). */
export function isValidUtf8(buf: Uint8Array): boolean {
  return isUtf8(buf);
}
