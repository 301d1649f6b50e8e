// An LRU cache of small file bodies, bounded three ways: entry count (cache_max_size), total bytes
// (cache_max_bytes) and age (cache_max_age). A Map keeps insertion order, so "recently used" is
// "re-inserted on hit" and the least recently used entry is the first key: O(1) both ways.
//
// The cache knows nothing of files: callers decide freshness (size/mtime checks) and report hits and
// misses, so the counters mean "requests served from memory" rather than "Map lookups".

export interface FileCacheOptions {
  maxEntries: number;
  maxBytes: number;
  /** Entries older than this are dropped on lookup; 0 or Infinity disables the age bound. */
  maxAgeMs: number;
  /** Only values up to this size are admitted. */
  maxEntryBytes: number;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  hitRate: number;
  maxEntries: number;
  maxBytes: number;
}

interface Slot<V> {
  value: V;
  bytes: number;
  createdAt: number;
}

export class FileCache<V> {
  readonly #map = new Map<string, Slot<V>>();
  readonly #options: FileCacheOptions;
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(options: FileCacheOptions) {
    this.#options = options;
  }

  // Live counters, read by the status page when it takes a snapshot (status/sources.ts).
  get entries(): number {
    return this.#map.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get hits(): number {
    return this.#hits;
  }

  get misses(): number {
    return this.#misses;
  }

  get evictions(): number {
    return this.#evictions;
  }

  get maxEntries(): number {
    return this.#options.maxEntries;
  }

  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  get maxEntryBytes(): number {
    return this.#options.maxEntryBytes;
  }

  /** Whether a value of this size may be cached at all. */
  admits(bytes: number): boolean {
    return this.#options.maxEntries > 0 && bytes <= this.#options.maxEntryBytes && bytes <= this.#options.maxBytes;
  }

  /** The live value for a key, marked most recently used; undefined when absent or too old. */
  get(key: string, now: number = Date.now()): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    const maxAge = this.#options.maxAgeMs;
    if (maxAge > 0 && now - slot.createdAt >= maxAge) {
      this.#drop(key, slot);
      this.#evictions++;
      return undefined;
    }
    // Move to the most-recently-used end.
    if (this.#map.size > 1) {
      this.#map.delete(key);
      this.#map.set(key, slot);
    }
    return slot.value;
  }

  /** Adds or replaces a value; evicts least recently used entries until the bounds hold. */
  set(key: string, value: V, bytes: number, now: number = Date.now()): boolean {
    const old = this.#map.get(key);
    if (old !== undefined) this.#drop(key, old);
    // The caller admitted the file by its size (admits); the entry's bytes include some overhead.
    if (this.#options.maxEntries <= 0 || bytes > this.#options.maxBytes) return false;
    this.#map.set(key, { value, bytes, createdAt: now });
    this.#bytes += bytes;
    this.#shrink();
    return true;
  }

  /** Changes the accounted size of an entry (a compressed variant was added to it). */
  resize(key: string, bytes: number): void {
    const slot = this.#map.get(key);
    if (slot === undefined) return;
    this.#bytes += bytes - slot.bytes;
    slot.bytes = bytes;
    if (bytes > this.#options.maxBytes) {
      this.#drop(key, slot);
      this.#evictions++;
    } else this.#shrink(key);
  }

  /** Removes the key only while it still holds this value (not one set since). */
  deleteIf(key: string, value: V): void {
    const slot = this.#map.get(key);
    if (slot !== undefined && slot.value === value) this.#drop(key, slot);
  }

  delete(key: string): void {
    const slot = this.#map.get(key);
    if (slot !== undefined) this.#drop(key, slot);
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  recordHit(): void {
    this.#hits++;
  }

  recordMiss(): void {
    this.#misses++;
  }

  stats(): CacheStats {
    const lookups = this.#hits + this.#misses;
    return {
      entries: this.#map.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      hitRate: lookups === 0 ? 0 : this.#hits / lookups,
      maxEntries: this.#options.maxEntries,
      maxBytes: this.#options.maxBytes,
    };
  }

  /** Evicts from the least recently used end; `keep` (an entry just grown) goes last. */
  #shrink(keep?: string): void {
    const { maxEntries, maxBytes } = this.#options;
    while (this.#map.size > maxEntries || this.#bytes > maxBytes) {
      let victim: string | undefined;
      for (const key of this.#map.keys()) {
        if (key !== keep) {
          victim = key;
          break;
        }
      }
      if (victim === undefined) break;
      this.#drop(victim, this.#map.get(victim)!);
      this.#evictions++;
    }
  }

  #drop(key: string, slot: Slot<V>): void {
    this.#map.delete(key);
    this.#bytes -= slot.bytes;
  }
}
