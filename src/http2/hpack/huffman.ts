// The Huffman code of RFC 7541 Appendix B, both ways.
//
// The code is canonical (codes of one length are consecutive, in symbol order, and each length starts
// where the previous one ended, shifted), so the table below keeps only the code length of each symbol
// and the codes are rebuilt from it at load. Decoding is a table-driven state machine over nibbles:
// each state is an inner node of the code tree, and one lookup per 4 bits gives the next state and
// whether a symbol ends there. No code is shorter than 5 bits, so a nibble ends at most one symbol.
// Strings are latin1: one character is one octet (charCode & 0xff), as Buffer's 'latin1' encoding.

/** Code length in bits of each symbol 0–255 and EOS (256). */
const CODE_BITS = new Uint8Array([
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0–15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16–31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32–47
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48–63
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64–79
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80–95
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96–111
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112–127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128–143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144–159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160–175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176–191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192–207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208–223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224–239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240–255
  30, // 256–256
]);

const EOS = 256;

/** The code of each symbol, right-aligned (RFC 7541 Appendix B "code as hex"). */
export const HUFFMAN_CODES = canonicalCodes();
/** The code length of each symbol, in bits. */
export const HUFFMAN_BITS: Readonly<Uint8Array> = CODE_BITS;

function canonicalCodes(): Uint32Array {
  const order = Array.from({ length: EOS + 1 }, (_, s) => s).sort((a, b) => CODE_BITS[a]! - CODE_BITS[b]! || a - b);
  const codes = new Uint32Array(EOS + 1);
  let code = 0;
  let bits = CODE_BITS[order[0]!]!;
  for (let i = 0; i < order.length; i++) {
    const s = order[i]!;
    const len = CODE_BITS[s]!;
    if (i > 0) code = (code + 1) * 2 ** (len - bits);
    bits = len;
    codes[s] = code;
  }
  return codes;
}

// ---- decoding -------------------------------------------------------------------------------------

// A transition: bits 0–7 the next state, 8–15 the symbol that ended (with EMIT), then the flags.
const EMIT = 1 << 16;
const FAIL = 1 << 17; // the EOS code was completed inside the string (RFC 7541 §5.2)
const INNER_NODES = 256; // a full binary tree with 257 leaves

const { TRANSITIONS, ACCEPTS } = buildDecoder();

function buildDecoder(): { TRANSITIONS: Uint32Array; ACCEPTS: Uint8Array } {
  // children[2n + bit]: an inner node id ≥ 0, or −(symbol + 1) for a leaf.
  const children = new Int32Array(INNER_NODES * 2);
  const depth = new Uint8Array(INNER_NODES);
  const allOnes = new Uint8Array(INNER_NODES);
  allOnes[0] = 1;
  let nodes = 1;
  for (let s = 0; s <= EOS; s++) {
    const len = CODE_BITS[s]!;
    const code = HUFFMAN_CODES[s]!;
    let node = 0;
    for (let i = len - 1; i > 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      let next = children[node * 2 + bit]!;
      if (next === 0) {
        next = nodes++;
        children[node * 2 + bit] = next;
        depth[next] = depth[node]! + 1;
        allOnes[next] = allOnes[node]! & bit;
      }
      node = next;
    }
    children[node * 2 + (code & 1)] = -(s + 1);
  }
  const transitions = new Uint32Array(INNER_NODES * 16);
  for (let state = 0; state < INNER_NODES; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let out = 0;
      for (let i = 3; i >= 0; i--) {
        const next = children[node * 2 + ((nibble >> i) & 1)]!;
        if (next >= 0) {
          node = next;
          continue;
        }
        const symbol = -next - 1;
        if (symbol === EOS) {
          out = FAIL;
          break;
        }
        out = EMIT | (symbol << 8);
        node = 0;
      }
      transitions[state * 16 + nibble] = out | (out & FAIL ? 0 : node);
    }
  }
  // A string may end at the root or part-way down the all-ones path, at most 7 bits deep: that is
  // padding made of the most significant bits of EOS (RFC 7541 §5.2).
  const accepts = new Uint8Array(INNER_NODES);
  for (let n = 0; n < INNER_NODES; n++) accepts[n] = allOnes[n]! === 1 && depth[n]! <= 7 ? 1 : 0;
  return { TRANSITIONS: transitions, ACCEPTS: accepts };
}

/** A decoding failure: the EOS symbol inside the string. */
export const HUFFMAN_EOS = -1;
/** A decoding failure: padding longer than 7 bits, or not the most significant bits of EOS. */
export const HUFFMAN_BAD_PADDING = -2;

/**
 * RFC 7541 §5.2: EOS inside the string, and padding longer than 7 bits or other than the most
 * significant bits of EOS, are decoding errors.
 * Decodes src[start, end) into out from 0 (out has room for ⌊(end − start) · 8 / 5⌋ octets), or only
 * checks it when out is null. Returns the decoded length, or HUFFMAN_EOS / HUFFMAN_BAD_PADDING.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, out: Uint8Array | null): number {
  let state = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    let t = TRANSITIONS[(state << 4) | (byte >> 4)]!;
    if ((t & FAIL) !== 0) return HUFFMAN_EOS;
    if ((t & EMIT) !== 0) {
      if (out !== null) out[n] = t >> 8;
      n++;
    }
    t = TRANSITIONS[((t & 0xff) << 4) | (byte & 0x0f)]!;
    if ((t & FAIL) !== 0) return HUFFMAN_EOS;
    if ((t & EMIT) !== 0) {
      if (out !== null) out[n] = t >> 8;
      n++;
    }
    state = t & 0xff;
  }
  return ACCEPTS[state] === 1 ? n : HUFFMAN_BAD_PADDING;
}

/** The most octets a Huffman string of `encoded` octets can decode to (5 bits per symbol at best). */
export function huffmanDecodedBound(encoded: number): number {
  return Math.floor((encoded * 8) / 5);
}

// ---- encoding -------------------------------------------------------------------------------------

/**
 * Octets the Huffman coding of s takes; or `atMost` as soon as it is clear that it takes that many or
 * more, for a caller that only wants to know whether it is shorter (RFC 7541 §5.2).
 */
export function huffmanLength(s: string, atMost = Infinity): number {
  const n = s.length;
  const limit = atMost * 8;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    bits += CODE_BITS[s.charCodeAt(i) & 0xff]!;
    if (bits >= limit) return atMost;
  }
  return (bits + 7) >> 3;
}

/** Writes the Huffman coding of s into out at pos (room for huffmanLength(s) octets); returns the end. */
export function huffmanEncode(s: string, out: Uint8Array, pos: number): number {
  // acc holds the `bits` (< 8) not yet written; a code of up to 24 bits fits beside them in 31 bits,
  // longer ones (rare: control characters and some octets ≥ 0x80) go in two steps.
  let acc = 0;
  let bits = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const code = HUFFMAN_CODES[c]!;
    const len = CODE_BITS[c]!;
    if (len <= 24) {
      acc = (acc << len) | code;
      bits += len;
    } else {
      acc = (acc << (len - 16)) | (code >>> 16);
      bits += len - 16;
      while (bits >= 8) {
        bits -= 8;
        out[pos++] = acc >>> bits;
      }
      acc = ((acc & ((1 << bits) - 1)) << 16) | (code & 0xffff);
      bits += 16;
    }
    while (bits >= 8) {
      bits -= 8;
      out[pos++] = acc >>> bits;
    }
    acc &= (1 << bits) - 1;
  }
  // Pad with the most significant bits of EOS, all ones (RFC 7541 §5.2).
  if (bits > 0) out[pos++] = (acc << (8 - bits)) | (0xff >> bits);
  return pos;
}
