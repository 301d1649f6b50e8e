// The exchange inspector across a cluster, primary side. A worker with an inspector open says so
// (TraceWatchMessage); while at least one does, every worker records its exchanges and sends them
// here (TraceRecordingMessage on), and the primary relays them, merged, to each watching worker,
// which streams them to its inspector pages. When the last inspector anywhere closes, every worker
// is told to stop recording. A worker that starts later (a replacement, a roll) is told the current
// state when it is ready. Ids are made unique across workers here: the sender's slot and the
// primary's own count ("w2-17"), since a replacement worker counts its exchanges from 1 again.
// The primary keeps the last records too, so an inspector opening on another worker sees them.

import type { TraceRecord } from '../trace/exchange-trace.ts';
import { RecordRing } from '../trace/record-ring.ts';
import { INSPECTOR_RING_SIZE } from '../status/inspector-feed.ts';
import type { TraceRecordingMessage, TraceRelayMessage } from './ipc.ts';

/** A running worker as the relay sees it. */
export interface RelayPeer {
  /** Unique per process (node:cluster's worker.id): a replacement is a new peer. */
  readonly key: number;
  /** The stable slot number, 1..N. */
  readonly slot: number;
  send(message: TraceRecordingMessage | TraceRelayMessage): void;
}

export class TraceRelay {
  readonly #peers = new Map<number, RelayPeer>();
  readonly #watchers = new Set<number>();
  readonly #ring = new RecordRing<TraceRecord>(INSPECTOR_RING_SIZE);
  #pending: TraceRecord[] = [];
  #flushScheduled = false;
  #relayed = 0;

  /** Whether the workers are recording (some inspector is open somewhere). */
  get recording(): boolean {
    return this.#watchers.size > 0;
  }

  /** Workers with an inspector open, by slot (tests). */
  get watchingSlots(): number[] {
    return [...this.#watchers].map((k) => this.#peers.get(k)?.slot ?? 0).sort((a, b) => a - b);
  }

  /** A worker is ready: it learns whether to record. */
  joined(peer: RelayPeer): void {
    this.#peers.set(peer.key, peer);
    if (this.recording) peer.send({ type: 'httpcraft:trace-recording', on: true });
  }

  /** A worker exited: its inspectors are gone with it. */
  left(key: number): void {
    this.#peers.delete(key);
    if (this.#watchers.delete(key) && this.#watchers.size === 0) this.#stop();
  }

  /** A worker's first inspector opened (true) or its last closed (false). */
  watch(peer: RelayPeer, watching: boolean): void {
    if (!this.#peers.has(peer.key)) this.#peers.set(peer.key, peer);
    if (!watching) {
      if (this.#watchers.delete(peer.key) && this.#watchers.size === 0) this.#stop();
      return;
    }
    if (this.#watchers.has(peer.key)) return;
    const first = this.#watchers.size === 0;
    this.#watchers.add(peer.key);
    if (first) for (const p of this.#peers.values()) p.send({ type: 'httpcraft:trace-recording', on: true });
    // What other workers' inspectors have seen so far, so every inspector shows the same history.
    else if (this.#ring.size > 0) peer.send({ type: 'httpcraft:trace-relay', records: this.#ring.items() });
  }

  /** Records a worker sent: renamed, held, and relayed (in batches, one message per loop turn). */
  records(from: RelayPeer, records: readonly unknown[]): void {
    if (!this.recording) return; // sent before the worker heard "off"
    for (const raw of records) {
      const record = raw as TraceRecord;
      const renamed: TraceRecord = { ...record, id: `w${from.slot}-${++this.#relayed}`, worker: from.slot };
      this.#ring.push(renamed);
      this.#pending.push(renamed);
    }
    if (this.#flushScheduled || this.#pending.length === 0) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    for (const key of this.#watchers) this.#peers.get(key)?.send({ type: 'httpcraft:trace-relay', records: batch });
  }

  #stop(): void {
    for (const p of this.#peers.values()) p.send({ type: 'httpcraft:trace-recording', on: false });
    this.#ring.clear();
    this.#pending = [];
  }
}
