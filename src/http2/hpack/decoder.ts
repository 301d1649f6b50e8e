// HPACK decoder (RFC 7541 §3, §6): one per connection, fed each complete header block (HEADERS plus
// its CONTINUATION frames, RFC 9113 §4.3) in order.
//
// Result: the fields as a flat list [name0, value0, name1, value1, …], the same shape as the HTTP/1
// parser's rawHeaders, or an HpackError. Names come back exactly as sent (the session checks case and
// pseudo-headers, RFC 9113 §8.2); values are latin1 strings, one character per octet, so any octet
// survives. A connection-scope error leaves the decoder failed for good: every later call returns it.
//
// Limits, and why each exists:
// - SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2, name + value + 32 per field) is counted as each
//   field is decoded. Once over, no more fields are kept — an "HPACK bomb" (a small block naming one
//   big table entry many times) costs one table lookup per octet, never its expansion — but the rest
//   of the block is still decoded into the dynamic table, which must stay in step with the peer's
//   encoder (RFC 9113 §10.5.1). The block then ends in HEADER_LIST_TOO_LARGE: a 431 for that request,
//   the connection goes on.
// - Integers beyond 2^31 − 1 or with more than 5 continuation octets, and string literals longer than
//   maxStringLength, are decoding errors (RFC 7541 §5.1 "exceed implementation limits").
// - The dynamic table never exceeds SETTINGS_HEADER_TABLE_SIZE, the limit we advertised (§4.2, §6.3).

import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.ts';
import { HpackError, type HpackErrorCode } from './errors.ts';
import { HUFFMAN_EOS, huffmanDecode, huffmanDecodedBound } from './huffman.ts';
import { type Cursor, INTEGER_OVERFLOW, decodeInteger } from './integer.ts';
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from './static-table.ts';

/** RFC 9113 §6.5.2 initial SETTINGS_HEADER_TABLE_SIZE. */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
/** Our default SETTINGS_MAX_HEADER_LIST_SIZE when the session gives none. */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;

export interface HpackDecoderOptions {
  /** SETTINGS_HEADER_TABLE_SIZE in effect: what the peer's encoder may use (default 4096). */
  maxTableSize?: number;
  /** Largest header list, in the octets of RFC 9113 §6.5.2 (default 65536). */
  maxHeaderListSize?: number;
  /** Longest string literal, in encoded octets (default twice the larger of the two sizes above). */
  maxStringLength?: number;
  /** Most fields in one header list (default: no limit beyond the list size). */
  maxFieldCount?: number;
}

// What #readString leaves behind: a view of the string's octets, decoded.
const RAW = 0;
const HUFFMAN = 1;

export class HpackDecoder {
  readonly #table: DynamicTable;
  #limit: number; // SETTINGS_HEADER_TABLE_SIZE: the most a size update may ask for
  #updateRequired = false;
  readonly #maxListSize: number;
  readonly #maxString: number;
  readonly #maxFields: number;
  #failed: HpackError | null = null;
  readonly #cursor: Cursor = { pos: 0 };
  #scratch: Buffer = Buffer.alloc(0);
  // The last string read: octets [#strStart, #strEnd) of #strBuf (the block, or #scratch when Huffman).
  #strBuf: Buffer = this.#scratch;
  #strStart = 0;
  #strEnd = 0;

  constructor(options: HpackDecoderOptions = {}) {
    this.#limit = options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE;
    this.#table = new DynamicTable(this.#limit);
    this.#maxListSize = options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE;
    // RFC 7541 §7.4: a decoder sets a limit on the length of the string literals it accepts.
    this.#maxString = options.maxStringLength ?? 2 * Math.max(this.#maxListSize, this.#limit);
    this.#maxFields = options.maxFieldCount ?? Infinity;
  }

  /**
   * Applies a new SETTINGS_HEADER_TABLE_SIZE of ours, once the peer has acknowledged it (RFC 9113
   * §6.5.3). When it is below the size the peer's encoder uses, the next block must start with a
   * size update that brings the table within it (RFC 7541 §4.2).
   */
  setMaxTableSize(limit: number): void {
    this.#limit = limit;
    if (limit < this.#table.maxSize) this.#updateRequired = true;
  }

  /** Dynamic table size in the octets of RFC 7541 §4.1. */
  get tableSize(): number {
    return this.#table.size;
  }

  /** The dynamic table's maximum size, as the peer's last size update set it. */
  get tableMaxSize(): number {
    return this.#table.maxSize;
  }

  /** The dynamic table, newest entry first (for tests and diagnostics; allocates). */
  tableEntries(): [string, string][] {
    return this.#table.entries();
  }

  /** Decodes one complete header block, block[start, end). A decoding error is a connection error
   * COMPRESSION_ERROR (RFC 9113 §4.3): the decoder is out of step for good and keeps returning it. */
  decode(block: Buffer, start = 0, end = block.length): string[] | HpackError {
    if (this.#failed !== null) return this.#failed;
    const code = this.#decode(block, start, end);
    if (typeof code === 'string') {
      const error = new HpackError(code);
      if (error.scope === 'connection') this.#failed = error;
      return error;
    }
    return code;
  }

  #decode(block: Buffer, start: number, end: number): string[] | HpackErrorCode {
    const cursor = this.#cursor;
    const table = this.#table;
    cursor.pos = start;
    let fields: string[] | null = [];
    let over: HpackErrorCode | null = null;
    let listSize = 0;
    let count = 0;
    let atStart = true;
    while (cursor.pos < end) {
      const first = block[cursor.pos]!;
      if ((first & 0xe0) === 0x20) {
        // Dynamic table size update (§6.3): only before the first field (§4.2).
        if (!atStart) return 'TABLE_SIZE_UPDATE_NOT_FIRST';
        const size = decodeInteger(block, cursor, end, 5);
        if (size < 0) return size === INTEGER_OVERFLOW ? 'INTEGER_OVERFLOW' : 'TRUNCATED';
        if (size > this.#limit) return 'TABLE_SIZE_TOO_LARGE';
        table.setMaxSize(size);
        this.#updateRequired = false;
        continue;
      }
      if (this.#updateRequired) return 'TABLE_SIZE_UPDATE_MISSING';
      atStart = false;
      let name: string;
      let value: string | null = null;
      let valueLength: number;
      if ((first & 0x80) !== 0) {
        // Indexed field (§6.1).
        const index = decodeInteger(block, cursor, end, 7);
        if (index < 0) return index === INTEGER_OVERFLOW ? 'INTEGER_OVERFLOW' : 'TRUNCATED';
        if (index === 0) return 'BAD_INDEX';
        if (index <= STATIC_TABLE_LENGTH) {
          const entry = STATIC_TABLE[index - 1]!;
          name = entry[0];
          value = entry[1];
        } else {
          const i = index - STATIC_TABLE_LENGTH - 1;
          if (i >= table.length) return 'BAD_INDEX';
          name = table.name(i);
          value = table.value(i);
        }
        valueLength = value.length;
      } else {
        // Literal field (§6.2): with incremental indexing (01), without indexing (0000) or never
        // indexed (0001). The name is an index (non-zero) or a string literal.
        const indexing = (first & 0x40) !== 0;
        const nameIndex = decodeInteger(block, cursor, end, indexing ? 6 : 4);
        if (nameIndex < 0) return nameIndex === INTEGER_OVERFLOW ? 'INTEGER_OVERFLOW' : 'TRUNCATED';
        // Past the list limit a field is built only when the table needs it.
        const keep = fields !== null || indexing;
        if (nameIndex !== 0) {
          const n = this.#indexedName(nameIndex);
          if (n === null) return 'BAD_INDEX';
          name = n;
        } else {
          const err = this.#readString(block, end, keep);
          if (err !== null) return err;
          name = keep ? this.#strBuf.toString('latin1', this.#strStart, this.#strEnd) : '';
        }
        const err = this.#readString(block, end, keep);
        if (err !== null) return err;
        valueLength = this.#strEnd - this.#strStart;
        if (indexing) {
          // A field bigger than the whole table empties it and is not added (§4.4): no need to build it.
          if (name.length + valueLength + ENTRY_OVERHEAD > table.maxSize) table.clear();
          else table.add(name, (value = this.#strBuf.toString('latin1', this.#strStart, this.#strEnd)));
        }
      }
      if (fields === null) continue;
      listSize += name.length + valueLength + ENTRY_OVERHEAD;
      if (listSize > this.#maxListSize || ++count > this.#maxFields) {
        over = listSize > this.#maxListSize ? 'HEADER_LIST_TOO_LARGE' : 'TOO_MANY_FIELDS';
        fields = null;
        continue;
      }
      fields.push(name, value ?? this.#strBuf.toString('latin1', this.#strStart, this.#strEnd));
    }
    if (this.#updateRequired) return 'TABLE_SIZE_UPDATE_MISSING';
    return over ?? fields!;
  }

  // §2.3.3: indices 1–61 are the static table, then the dynamic table newest first; past it, none.
  #indexedName(index: number): string | null {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1]![0];
    const i = index - STATIC_TABLE_LENGTH - 1;
    return i < this.#table.length ? this.#table.name(i) : null;
  }

  /**
   * Reads a string literal (§5.2) at the cursor and leaves its decoded octets in #strBuf[#strStart,
   * #strEnd). When `keep` is false the octets are only checked (a Huffman string is still validated).
   */
  #readString(block: Buffer, end: number, keep: boolean): HpackErrorCode | null {
    const cursor = this.#cursor;
    if (cursor.pos >= end) return 'TRUNCATED';
    const huffman = (block[cursor.pos]! & 0x80) !== 0 ? HUFFMAN : RAW;
    const length = decodeInteger(block, cursor, end, 7);
    if (length < 0) return length === INTEGER_OVERFLOW ? 'INTEGER_OVERFLOW' : 'TRUNCATED';
    if (length > this.#maxString) return 'STRING_TOO_LONG';
    const from = cursor.pos;
    if (length > end - from) return 'TRUNCATED';
    cursor.pos = from + length;
    if (huffman === RAW) {
      this.#strBuf = block;
      this.#strStart = from;
      this.#strEnd = from + length;
      return null;
    }
    let out: Buffer | null = null;
    if (keep) {
      const bound = huffmanDecodedBound(length);
      if (this.#scratch.length < bound) this.#scratch = Buffer.allocUnsafe(Math.max(bound, 2 * this.#scratch.length, 256));
      out = this.#scratch;
    }
    const n = huffmanDecode(block, from, from + length, out);
    if (n < 0) return n === HUFFMAN_EOS ? 'HUFFMAN_EOS' : 'HUFFMAN_PADDING';
    this.#strBuf = this.#scratch;
    this.#strStart = 0;
    this.#strEnd = n;
    return null;
  }
}
