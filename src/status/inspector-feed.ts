// The inspector's record stream, independent of HTTP: who is connected, the last records they are
// shown on arrival, and what each one is sent. Recording costs something, so the feed watches its
// source (the process's TraceHub, or the cluster relay) only while at least one inspector is
// connected: the first client subscribes, the last one to leave unsubscribes and the held records
// are let go. Each client is written as fast as its socket takes it; one that falls behind has its
// backlog held up to a byte bound, beyond which the oldest records are dropped, counted, and the
// client told how many when it catches up. No client can make the server buffer without limit.

import type { TraceRecord } from '../trace/exchange-trace.ts';
import type { TraceSink } from '../trace/trace-hub.ts';
import { curlLine } from '../trace/curl-line.ts';
import { RecordRing } from '../trace/record-ring.ts';

/** Records a new inspector is shown when it opens. */
export const INSPECTOR_RING_SIZE = 200;
/**
 * A comment line this often on a quiet stream. It keeps proxies and idle timers from closing it,
 * and it is how a client that left is noticed: a browser closing the page half-closes an HTTP/1.1
 * connection, which the handler cannot see until a write to it fails (the first write draws the
 * peer's RST, the second fails with EPIPE). So 2 s rather than the usual 15: recording stops within
 * about 5 s of the last inspector closing. A few bytes every 2 s per open inspector is nothing.
 */
export const KEEP_ALIVE_MS = 2_000;
/** Backlog a slow client may have queued here, beyond what its socket already holds. */
export const CLIENT_QUEUE_BYTES = 1024 * 1024;
/** Inspectors open at once (per process): each may hold CLIENT_QUEUE_BYTES. */
export const MAX_INSPECTORS = 16;
/** How often the feed looks for clients that left and says its keep-alive. */
const TICK_MS = 1000;

/** Where records come from: a TraceHub fits, and so does the cluster relay of a worker. */
export interface TraceSource {
  subscribe(sink: TraceSink): () => void;
}

/** One connected inspector as the feed sees it: a text stream (the SSE response). */
export interface FeedClient {
  /** False: the socket is full, wait for drained() before writing more. */
  write(text: string): boolean;
  drained(): Promise<void>;
  end(): void;
  /** The peer is gone. */
  readonly closed: boolean;
}

export interface FeedOptions {
  source: TraceSource;
  /** Records never shown (the inspector's own page and stream requests). */
  ignore?: (record: TraceRecord) => boolean;
  /** The server is shutting down: the streams are ended so that they do not hold the drain. */
  closing?: () => boolean;
  ringSize?: number;
  queueBytes?: number;
  maxClients?: number;
  /** Tests drive the clock and call tick() themselves. */
  timer?: boolean;
}

class ClientState {
  readonly client: FeedClient;
  readonly queue: string[] = [];
  queuedBytes = 0;
  /** Dropped since the client was last told. */
  dropped = 0;
  /** The socket said "full": everything waits in the queue until it drains. */
  waiting = false;
  lastWrite = 0;

  constructor(client: FeedClient, now: number) {
    this.client = client;
    this.lastWrite = now;
  }
}

/** One server-sent event (HTML Living Standard §9.2.6): JSON never contains a raw line break. */
function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A record as the page gets it: the record and its curl line, encoded once for every client. */
export function encodeRecord(record: TraceRecord): string {
  return event('exchange', { ...record, curl: curlLine(record) });
}

export class InspectorFeed {
  readonly #source: TraceSource;
  readonly #ignore: (record: TraceRecord) => boolean;
  readonly #closing: () => boolean;
  readonly #ring: RecordRing<string>;
  readonly #queueBytes: number;
  readonly #maxClients: number;
  readonly #useTimer: boolean;
  readonly #clients = new Map<FeedClient, ClientState>();
  #unsubscribe: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #droppedTotal = 0;

  constructor(options: FeedOptions) {
    this.#source = options.source;
    this.#ignore = options.ignore ?? (() => false);
    this.#closing = options.closing ?? (() => false);
    this.#ring = new RecordRing(options.ringSize ?? INSPECTOR_RING_SIZE);
    this.#queueBytes = options.queueBytes ?? CLIENT_QUEUE_BYTES;
    this.#maxClients = options.maxClients ?? MAX_INSPECTORS;
    this.#useTimer = options.timer ?? true;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** No room for another client (attach would refuse it). */
  get full(): boolean {
    return this.#clients.size >= this.#maxClients;
  }

  /** Whether the feed is subscribed to its source (only while a client is connected). */
  get watching(): boolean {
    return this.#unsubscribe !== null;
  }

  /** Figures for tests and the docs' claims: how much is held, queued and dropped. */
  stats(): { clients: number; held: number; queuedBytes: number; queued: number; dropped: number } {
    let queuedBytes = 0;
    let queued = 0;
    for (const s of this.#clients.values()) {
      queuedBytes += s.queuedBytes;
      queued += s.queue.length;
    }
    return { clients: this.#clients.size, held: this.#ring.size, queuedBytes, queued, dropped: this.#droppedTotal };
  }

  /** A new inspector: greeted, given the held records, then every new one. False when full. */
  attach(client: FeedClient, now = Date.now()): boolean {
    if (this.#clients.size >= this.#maxClients) return false;
    const state = new ClientState(client, now);
    this.#clients.set(client, state);
    if (this.#unsubscribe === null) {
      this.#unsubscribe = this.#source.subscribe(this.#sink);
      if (this.#useTimer) {
        this.#timer = setInterval(() => this.tick(), TICK_MS);
        this.#timer.unref();
      }
    }
    // retry: how long EventSource waits before it reconnects (HTML §9.2.6).
    this.#send(state, `retry: 2000\n${event('hello', { held: this.#ring.size, limit: this.#ring.capacity })}`, now);
    for (const text of this.#ring.items()) this.#send(state, text, now);
    return true;
  }

  /** An inspector went away (or is sent away): the last one out stops the recording. */
  detach(client: FeedClient): void {
    if (!this.#clients.delete(client)) return;
    if (this.#clients.size > 0) return;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#ring.clear();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Housekeeping: forget clients that left, end every stream on shutdown, keep quiet ones alive. */
  tick(now = Date.now()): void {
    const closing = this.#closing();
    for (const state of [...this.#clients.values()]) {
      if (state.client.closed) this.detach(state.client);
      else if (closing) {
        this.detach(state.client);
        state.client.end();
      } else if (!state.waiting && now - state.lastWrite >= KEEP_ALIVE_MS) this.#write(state, ': keep-alive\n\n', now);
    }
  }

  /** Ends every stream (the server is stopping). */
  closeAll(): void {
    for (const state of [...this.#clients.values()]) {
      this.detach(state.client);
      state.client.end();
    }
  }

  readonly #sink = (record: TraceRecord): void => {
    if (this.#ignore(record)) return;
    const text = encodeRecord(record);
    this.#ring.push(text);
    const now = Date.now();
    for (const state of this.#clients.values()) this.#send(state, text, now);
  };

  #send(state: ClientState, text: string, now: number): void {
    if (!state.waiting) {
      this.#write(state, text, now);
      return;
    }
    // Behind: queue it, dropping the oldest queued records to stay within the bound.
    state.queue.push(text);
    state.queuedBytes += text.length;
    while (state.queuedBytes > this.#queueBytes && state.queue.length > 0) {
      state.queuedBytes -= state.queue.shift()!.length;
      state.dropped++;
      this.#droppedTotal++;
    }
  }

  #write(state: ClientState, text: string, now: number): void {
    state.lastWrite = now;
    if (state.client.write(text)) return;
    state.waiting = true;
    void state.client.drained().then(() => this.#pump(state));
  }

  /** The socket drained: say what was dropped, then send the backlog until it is full again. */
  #pump(state: ClientState): void {
    if (this.#clients.get(state.client) !== state) return;
    if (state.client.closed) {
      this.detach(state.client);
      return;
    }
    state.waiting = false;
    const now = Date.now();
    if (state.dropped > 0) {
      const dropped = state.dropped;
      state.dropped = 0;
      this.#write(state, event('dropped', { count: dropped }), now);
    }
    while (!state.waiting && state.queue.length > 0) {
      const text = state.queue.shift()!;
      state.queuedBytes -= text.length;
      this.#write(state, text, now);
    }
  }
}
