// HPACK encoder (RFC 7541 §3, §6): one per connection, encoding our header blocks in the order they
// are sent. What it indexes is decided in index-policy.ts; here it finds the shortest representation:
// an exact static or dynamic match is one index (§6.1), else a literal whose name is an index when it
// can be, each string Huffman-coded when that is shorter (§5.2).
//
// Fields come as a flat list [name0, value0, name1, value1, …], as Response keeps them. Names are sent
// in lower case (RFC 9113 §8.2.1) whatever case they are given in; strings are latin1, one octet per
// character (charCode & 0xff), as the HTTP/1 serializer writes them. Validating names and values is
// the caller's job.

import { putLatin1 } from '../../http1/response-head.ts';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.ts';
import { huffmanEncode, huffmanLength } from './huffman.ts';
import { COOKIE, INDEX, NEVER_INDEX, NO_INDEX, SHORT_COOKIE_OCTETS, nameInfo } from './index-policy.ts';
import { encodeInteger } from './integer.ts';
import { STATIC_TABLE_LENGTH } from './static-table.ts';

export interface HpackEncoderOptions {
  /** The peer's SETTINGS_HEADER_TABLE_SIZE, which both sides start from (default 4096, RFC 9113 §6.5.2). */
  maxTableSize?: number;
  /** The most table we use whatever the peer allows, to bound memory per connection (default 4096). */
  tableSizeLimit?: number;
  /** 'auto' (default): Huffman when shorter; 'always' / 'never' (RFC 7541 Appendix C examples). */
  huffman?: 'auto' | 'always' | 'never';
  /**
   * 'policy' (default): see index-policy.ts. 'all': index every field not found in a table, as the
   * examples of RFC 7541 Appendix C do.
   */
  indexing?: 'policy' | 'all';
  /** More names whose values are never indexed (lower case), beside authorization and the cookies. */
  neverIndex?: readonly string[];
}

/** A name's entries in our dynamic table: value → insertion number, and the newest insertion number. */
interface DynamicName {
  latest: number;
  readonly values: Map<string, number>;
}

/** The most an integer representation takes (a 31-bit value after a prefix), ×3 for one field. */
const FIELD_OVERHEAD_OCTETS = 18;
const INITIAL_BUFFER_OCTETS = 4096;
/** A buffer grown past this for one huge field goes back to the initial size after the block. */
const KEPT_BUFFER_OCTETS = 65536;

export class HpackEncoder {
  readonly #table: DynamicTable;
  readonly #limit: number;
  readonly #huffman: 'auto' | 'always' | 'never';
  readonly #indexAll: boolean;
  readonly #neverIndex: ReadonlySet<string> | null;
  readonly #dynamic = new Map<string, DynamicName>();
  // Size updates owed to the peer's decoder at the start of the next block (§4.2): the smallest
  // maximum since the last block, and the final one; -1 when none.
  #pendingMin = -1;
  #pendingFinal = -1;
  #buf = Buffer.allocUnsafe(INITIAL_BUFFER_OCTETS);
  #pos = 0;

  constructor(options: HpackEncoderOptions = {}) {
    const protocol = options.maxTableSize ?? 4096;
    this.#limit = options.tableSizeLimit ?? 4096;
    this.#huffman = options.huffman ?? 'auto';
    this.#indexAll = options.indexing === 'all';
    this.#neverIndex = options.neverIndex === undefined ? null : new Set(options.neverIndex);
    this.#table = new DynamicTable(protocol, (name, value, seq) => this.#evicted(name, value, seq));
    // §4.2: an encoder may use less than the decoder's maximum, and says so with a size update.
    if (this.#limit < protocol) this.setMaxTableSize(protocol);
  }

  /**
   * Applies the peer's SETTINGS_HEADER_TABLE_SIZE (on receipt, RFC 9113 §6.5.3): we use as much of it
   * as tableSizeLimit allows, and tell the peer's decoder at the start of the next block (§6.3).
   */
  setMaxTableSize(peerLimit: number): void {
    const size = Math.min(peerLimit, this.#limit);
    if (this.#pendingFinal === -1 && size === this.#table.maxSize) return;
    this.#pendingMin = this.#pendingMin === -1 ? size : Math.min(this.#pendingMin, size);
    this.#pendingFinal = size;
  }

  /** Dynamic table size in the octets of RFC 7541 §4.1. */
  get tableSize(): number {
    return this.#table.size;
  }

  /** The dynamic table, newest entry first (for tests and diagnostics; allocates). */
  tableEntries(): [string, string][] {
    return this.#table.entries();
  }

  /**
   * Encodes one header block from a flat [name, value, …] list. The result starts with `headroom`
   * octets left for the caller (a 9-octet frame header, so the frame goes out as one buffer).
   */
  encode(fields: readonly string[], headroom = 0): Buffer {
    this.begin(headroom);
    for (let i = 0; i + 1 < fields.length; i += 2) this.add(fields[i]!, fields[i + 1]!);
    return this.end();
  }

  /** Starts a block (see encode), writing any size update owed first (§4.2). */
  begin(headroom = 0): void {
    this.#ensure(headroom + 12);
    this.#pos = headroom;
    if (this.#pendingFinal === -1) return;
    if (this.#pendingMin < this.#pendingFinal) this.#sizeUpdate(this.#pendingMin);
    this.#sizeUpdate(this.#pendingFinal);
    this.#pendingMin = this.#pendingFinal = -1;
  }

  /** Adds one field to the block begun; `sensitive` sends it never indexed (§6.2.3). */
  add(name: string, value: string, sensitive = false): void {
    const info = nameInfo(name);
    const lower = info.lower;
    this.#ensure(this.#pos + lower.length + value.length + FIELD_OVERHEAD_OCTETS);
    const buf = this.#buf;
    const stat = info.static;
    const exactStatic = stat?.values.get(value);
    if (exactStatic !== undefined) {
      this.#pos = encodeInteger(buf, this.#pos, exactStatic, 7, 0x80);
      return;
    }
    const dyn = this.#dynamic.get(lower);
    const exactDynamic = dyn?.values.get(value);
    if (exactDynamic !== undefined) {
      this.#pos = encodeInteger(buf, this.#pos, this.#dynamicIndex(exactDynamic), 7, 0x80);
      return;
    }
    let policy = sensitive ? NEVER_INDEX : this.#indexAll ? INDEX : info.policy;
    if (policy === COOKIE) policy = value.length < SHORT_COOKIE_OCTETS ? NEVER_INDEX : INDEX;
    if (policy === INDEX && !this.#indexAll) {
      if (this.#neverIndex?.has(lower) === true) policy = NEVER_INDEX;
      // An entry over 3/4 of the table would evict nearly everything else for one field.
      else if (4 * (lower.length + value.length + ENTRY_OVERHEAD) > 3 * this.#table.maxSize) policy = NO_INDEX;
    }
    const nameIndex = stat !== undefined ? stat.index : dyn !== undefined ? this.#dynamicIndex(dyn.latest) : 0;
    // §6.2.1 01xxxxxx (6-bit prefix), §6.2.2 0000xxxx, §6.2.3 0001xxxx (4-bit prefix).
    if (policy === INDEX) this.#pos = encodeInteger(buf, this.#pos, nameIndex, 6, 0x40);
    else this.#pos = encodeInteger(buf, this.#pos, nameIndex, 4, policy === NEVER_INDEX ? 0x10 : 0x00);
    if (nameIndex === 0) this.#string(lower);
    this.#string(value);
    if (policy === INDEX) this.#insert(lower, value);
  }

  /**
   * Ends the block: its octets, headroom included, as a view of the encoder's own buffer, valid
   * until the next begin() (for a caller that copies the block where it goes, allocating nothing).
   */
  endView(): Buffer {
    const view = this.#buf.subarray(0, this.#pos);
    if (this.#buf.length > KEPT_BUFFER_OCTETS) this.#buf = Buffer.allocUnsafe(INITIAL_BUFFER_OCTETS);
    this.#pos = 0;
    return view;
  }

  /** Ends the block: its octets, headroom included, in a buffer of their own. */
  end(): Buffer {
    const out = Buffer.allocUnsafe(this.#pos);
    this.#buf.copy(out, 0, 0, this.#pos);
    if (this.#buf.length > KEPT_BUFFER_OCTETS) this.#buf = Buffer.allocUnsafe(INITIAL_BUFFER_OCTETS);
    this.#pos = 0;
    return out;
  }

  #dynamicIndex(seq: number): number {
    return STATIC_TABLE_LENGTH + this.#table.inserted - seq;
  }

  #insert(name: string, value: string): void {
    const seq = this.#table.inserted;
    if (!this.#table.add(name, value)) return; // bigger than the table: it only emptied it (§4.4)
    let dyn = this.#dynamic.get(name);
    if (dyn === undefined) this.#dynamic.set(name, (dyn = { latest: seq, values: new Map() }));
    dyn.latest = seq;
    dyn.values.set(value, seq);
  }

  #evicted(name: string, value: string, seq: number): void {
    const dyn = this.#dynamic.get(name);
    if (dyn === undefined) return;
    // FIFO: the evicted entry is the oldest, so if it is the newest of its name it was the last one.
    if (dyn.latest === seq) this.#dynamic.delete(name);
    else if (dyn.values.get(value) === seq) dyn.values.delete(value);
  }

  // §6.3: a dynamic table size update is 001xxxxx, the size with a 5-bit prefix.
  #sizeUpdate(size: number): void {
    this.#table.setMaxSize(size);
    this.#pos = encodeInteger(this.#buf, this.#pos, size, 5, 0x20);
  }

  /** A string literal (§5.2): Huffman-coded when that is shorter (or as the option says). */
  #string(s: string): void {
    const n = s.length;
    const mode = this.#huffman;
    const huffman = mode === 'never' ? n : huffmanLength(s, mode === 'always' ? Infinity : n);
    if (huffman < n || mode === 'always') {
      // 'always' can be longer than the raw string (up to 30 bits an octet): room was made for raw.
      if (huffman > n) this.#ensure(this.#pos + huffman + FIELD_OVERHEAD_OCTETS);
      this.#pos = huffmanEncode(s, this.#buf, encodeInteger(this.#buf, this.#pos, huffman, 7, 0x80));
    } else {
      this.#pos = putLatin1(this.#buf, encodeInteger(this.#buf, this.#pos, n, 7, 0x00), s);
    }
  }

  #ensure(octets: number): void {
    if (octets <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(octets, 2 * this.#buf.length));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }
}
