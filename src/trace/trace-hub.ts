// Who is watching the exchanges of a server: `--trace` on the console, inspector pages, a cluster
// primary that relays them. The connections ask `watching` once per request; while it is false no
// exchange is recorded at all, which is what keeps tracing free for everyone else.

import type { ExchangeTrace, TraceRecord } from './exchange-trace.ts';
import type { WsFrameNote } from './ws-frame-tap.ts';

export type TraceSink = (record: TraceRecord) => void;

/** A WebSocket frame after the exchange that opened the socket (--trace prints them). */
export interface FrameRecord extends WsFrameNote {
  worker: number;
  /** The connection the exchange was on (TraceRecord.connection). */
  connection: number;
  /** Epoch ms. */
  time: number;
}

export type FrameSink = (record: FrameRecord) => void;

export class TraceHub {
  readonly #sinks = new Set<TraceSink>();
  readonly #frameSinks = new Set<FrameSink>();
  /** Set in a cluster worker: records carry its slot. */
  worker = 0;
  // Kept as a field, not computed from the set: the connections read it per request.
  #watching = false;

  get watching(): boolean {
    return this.#watching;
  }

  /** Starts delivering every completed exchange to `sink`; returns the function that stops it. */
  subscribe(sink: TraceSink): () => void {
    this.#sinks.add(sink);
    this.#watching = true;
    return () => {
      this.#sinks.delete(sink);
      this.#watching = this.#sinks.size + this.#frameSinks.size > 0;
    };
  }

  /** Starts delivering WebSocket frames (of sockets opened while someone watched) to `sink`. */
  subscribeFrames(sink: FrameSink): () => void {
    this.#frameSinks.add(sink);
    this.#watching = true;
    return () => {
      this.#frameSinks.delete(sink);
      this.#watching = this.#sinks.size + this.#frameSinks.size > 0;
    };
  }

  /** A frame of a switched connection: to every frame sink. */
  frame(connection: number, note: WsFrameNote): void {
    if (this.#frameSinks.size === 0) return;
    const record: FrameRecord = { ...note, worker: this.worker, connection, time: Date.now() };
    for (const sink of this.#frameSinks) {
      try {
        sink(record);
      } catch {
        // as publish()
      }
    }
  }

  get subscribers(): number {
    return this.#sinks.size;
  }

  /** A completed exchange: its record goes to every sink; a failing sink does not stop the others. */
  publish(trace: ExchangeTrace): void {
    if (this.#sinks.size === 0) return;
    this.deliver(trace.toRecord(this.worker));
  }

  /** A record made elsewhere (another worker's, relayed by the cluster primary). */
  deliver(record: TraceRecord): void {
    for (const sink of this.#sinks) {
      try {
        sink(record);
      } catch {
        // A sink is a console or a page stream: its failure must not reach the connection.
      }
    }
  }
}
