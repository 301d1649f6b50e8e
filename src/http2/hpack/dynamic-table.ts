// The dynamic table (RFC 7541 §2.3.2, §4): a FIFO of fields, newest first, whose size is the sum of
// name octets + value octets + 32 per entry (§4.1), kept within maxSize by evicting the oldest (§4.3,
// §4.4). A ring buffer sized for the most entries maxSize can hold, so adding never allocates.

/** The per-entry overhead of RFC 7541 §4.1. */
export const ENTRY_OVERHEAD = 32;

/** Called with each entry as it is evicted, and its insertion number (see `inserted`). */
export type EvictionHook = (name: string, value: string, seq: number) => void;

export class DynamicTable {
  #names: string[] = [];
  #values: string[] = [];
  #mask = 0;
  #oldest = 0; // ring slot of the oldest entry
  #count = 0;
  #size = 0;
  #maxSize = 0;
  #evicted = 0; // entries ever evicted: the oldest entry's insertion number
  readonly #onEvict: EvictionHook | null;

  constructor(maxSize: number, onEvict: EvictionHook | null = null) {
    this.#onEvict = onEvict;
    this.setMaxSize(maxSize);
  }

  /** Entries in the table. */
  get length(): number {
    return this.#count;
  }

  /** Current size in the sense of §4.1. */
  get size(): number {
    return this.#size;
  }

  get maxSize(): number {
    return this.#maxSize;
  }

  /** Entries ever added: the next entry's insertion number. Entry i (0 = newest) has number inserted − 1 − i. */
  get inserted(): number {
    return this.#evicted + this.#count;
  }

  /** Name of entry i, 0 being the newest; i < length. */
  name(i: number): string {
    return this.#names[(this.#oldest + this.#count - 1 - i) & this.#mask]!;
  }

  /** Value of entry i, 0 being the newest; i < length. */
  value(i: number): string {
    return this.#values[(this.#oldest + this.#count - 1 - i) & this.#mask]!;
  }

  /**
   * Adds a field, evicting the oldest until it fits. A field larger than maxSize empties the table and
   * is not added: that is not an error (§4.4). Returns whether it was added.
   */
  add(name: string, value: string): boolean {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.#maxSize) {
      this.#evictTo(0);
      return false;
    }
    this.#evictTo(this.#maxSize - size);
    const slot = (this.#oldest + this.#count) & this.#mask;
    this.#names[slot] = name;
    this.#values[slot] = value;
    this.#count++;
    this.#size += size;
    return true;
  }

  /** Every entry, newest first (for tests and diagnostics; allocates). */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (let i = 0; i < this.#count; i++) out.push([this.name(i), this.value(i)]);
    return out;
  }

  /** Evicts every entry: what adding a field larger than maxSize does (§4.4). */
  clear(): void {
    this.#evictTo(0);
  }

  /** Changes the maximum size, evicting the oldest entries until the table fits (§4.3). */
  setMaxSize(maxSize: number): void {
    this.#evictTo(maxSize);
    this.#maxSize = maxSize;
    const slots = Math.max(1, Math.floor(maxSize / ENTRY_OVERHEAD));
    if (slots > this.#mask + 1 || this.#names.length === 0) this.#grow(slots);
  }

  #grow(slots: number): void {
    let capacity = 1;
    while (capacity < slots) capacity *= 2;
    const names = new Array<string>(capacity).fill('');
    const values = new Array<string>(capacity).fill('');
    for (let i = 0; i < this.#count; i++) {
      const from = (this.#oldest + i) & this.#mask;
      names[i] = this.#names[from]!;
      values[i] = this.#values[from]!;
    }
    this.#names = names;
    this.#values = values;
    this.#mask = capacity - 1;
    this.#oldest = 0;
  }

  // §4.3, §4.4: entries leave from the end (the oldest) until the table fits.
  #evictTo(limit: number): void {
    while (this.#size > limit) {
      const slot = this.#oldest;
      const name = this.#names[slot]!;
      const value = this.#values[slot]!;
      this.#size -= name.length + value.length + ENTRY_OVERHEAD;
      this.#names[slot] = '';
      this.#values[slot] = '';
      this.#oldest = (slot + 1) & this.#mask;
      this.#count--;
      if (this.#onEvict !== null) this.#onEvict(name, value, this.#evicted);
      this.#evicted++;
    }
  }
}
