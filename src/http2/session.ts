// The sans-IO HTTP/2 server session (RFC 9113): one object per connection, socket bytes in through
// receive(), frames out through takeOutput(), requests and their bodies out through callbacks, and
// each response written through its ServerStream. No sockets, no timers: the IO shell passes the
// clock in (session.now) and decides when to write.
//
// Theory of operation
// - Input: FrameParser (frame rules) → this session (stream rules, §5.1 via stream-state.ts; flow
//   control, §5.2 via flow-window.ts; HTTP semantics, §8 via request-head.ts) → callbacks. Errors of
//   the peer never throw: a stream error resets one stream (§5.4.2), a connection error sends GOAWAY
//   and the session takes no more input (§5.4.1); the shell ends the socket once `closed` and the
//   output is written.
// - Output is pulled. Control frames and HEADERS are queued as they are made (small frames batched
//   into one buffer); DATA is made only inside takeOutput(), as much as the peer's windows and the
//   per-call budget allow, round-robin over the streams that have some. So a client that does not
//   read costs us no more than what its windows allow plus a bounded control queue
//   (maxQueuedControlFrames), and a response never outruns the window (§6.9).
// - Upload backpressure: our receive windows are granted back (WINDOW_UPDATE) only as the handler
//   calls stream.consumed(n), in batches of half a window.

import { ERROR_CODE, type ErrorCodeName, type FrameError } from './errors.ts';
import { FrameParser, type FrameSink } from './frame-parser.ts';
import { FRAME_HEADER_BYTES, FRAME_TYPE, FLAG, MAX_STREAM_ID, type HeadersEvent } from './frame-types.ts';
import {
  PING_FRAME_BYTES,
  RST_STREAM_FRAME_BYTES,
  SETTINGS_ACK_FRAME_BYTES,
  WINDOW_UPDATE_FRAME_BYTES,
  goawayFrame,
  headersFrames,
  settingsFrame,
  writeFrameHeader,
  writePing,
  writeRstStream,
  writeSettingsAck,
  writeWindowUpdate,
} from './frame-writer.ts';
import { ReceiveWindow, SendWindow } from './flow-window.ts';
import { HpackDecoder } from './hpack/decoder.ts';
import { HpackEncoder } from './hpack/encoder.ts';
import { HpackError } from './hpack/errors.ts';
import { RateBucket, type SessionLimits, resolveLimits } from './limits.ts';
import { type RequestHead, isConnectionSpecificName, parseRequestHead, parseTrailers } from './request-head.ts';
import { DEFAULT_SETTINGS, type Settings, type SettingsUpdate, applySettings, decodeSettings } from './settings.ts';
import { type StreamState, localOpen, remoteOpen, transition } from './stream-state.ts';

export type { RequestHead } from './request-head.ts';

export interface SessionCallbacks {
  /** A well-formed request head (§8.3). `head.endStream`: no body follows, and no onEnd either. */
  onRequest(stream: ServerStream, head: RequestHead): void;
  /** Request body bytes (a view; copy to keep). Call stream.consumed(n) once they are dealt with. */
  onData?(stream: ServerStream, chunk: Buffer): void;
  /** Request trailers (§8.1), validated; onEnd follows. */
  onTrailers?(stream: ServerStream, fields: string[]): void;
  /** The request body is complete (END_STREAM after DATA or trailers; length checked against content-length). */
  onEnd?(stream: ServerStream): void;
  /** The stream was reset: by the client (RST_STREAM), or by us for its error; no more events for it. */
  onStreamReset?(stream: ServerStream, code: number): void;
  /** The stream left the session (both sides done, or reset): its resources can go. */
  onStreamClose?(stream: ServerStream): void;
  /** A write() that returned false: the stream's queue fell below the high-water mark. */
  onWritable?(stream: ServerStream): void;
  /** The client sent GOAWAY: it opens no more streams; ours finish. */
  onGoaway?(lastStreamId: number, code: number, debugData: Buffer): void;
  /** A connection error (ours or the peer's): GOAWAY is queued; write the output, then end the socket. */
  onConnectionError?(code: number, reason: string): void;
  /** The client acknowledged our SETTINGS. */
  onSettingsAcked?(): void;
  /** Output became available while none was: schedule a takeOutput() (e.g. once per event-loop turn). */
  onOutput?(): void;
  /** After shutdown() (or the client's GOAWAY): the last stream closed; write the output, then end. */
  onDrained?(): void;
}

export interface ServerSessionOptions {
  limits?: Partial<SessionLimits>;
  /** The clock (ms) at start; the shell keeps session.now current before receive() (rate limits). */
  now?: number;
  /** DATA bytes one takeOutput() makes at most (then the shell writes and calls again). */
  outputBudget?: number;
  /** Bytes queued on one stream past which write() returns false. */
  writeHighWaterMark?: number;
  /** The most HPACK dynamic table our encoder uses, whatever the client allows. */
  encoderTableSize?: number;
}

export interface RespondOptions {
  endStream?: boolean;
}

type CloseReason = 'rst-sent' | 'rst-recv' | 'done';

/** A stream's state; the ServerStream handle is its public face. */
interface StreamRecord {
  readonly id: number;
  handle: ServerStream;
  /** In the session's table (false once closed, reset, or cut by a connection error). */
  live: boolean;
  state: StreamState;
  readonly send: SendWindow;
  readonly recv: ReceiveWindow;
  /** Given to the handler by onData, not yet consumed(). */
  unconsumed: number;
  /** DATA payload bytes so far, against content-length (§8.1.1). */
  received: number;
  contentLength: number;
  /** onRequest was called (else the session answers the stream itself: 431, CONNECT). */
  delivered: boolean;
  responded: boolean;
  pending: Buffer[];
  pendingBytes: number;
  endQueued: boolean;
  trailers: string[] | null;
  needDrain: boolean;
  scheduled: boolean;
  /** DATA payload bytes sent on this stream (made into frames). */
  sent: number;
  /** The handler will not read the rest of the request body: once our END_STREAM is out, RST_STREAM NO_ERROR (§8.1). */
  cancelRequest: boolean;
}

const DEFAULT_OUTPUT_BUDGET = 262_144;
/** Response bytes queued on one stream past which write() returns false (writeHighWaterMark). */
export const DEFAULT_HIGH_WATER_MARK = 65_536;
/** §6.9.2: every window starts at 65535 until SETTINGS say otherwise; the connection's always does. */
const DEFAULT_WINDOW = 65_535;
/** DATA this small is copied into the batch buffer instead of being a buffer of its own. */
const COPY_DATA_BYTES = 1024;
const BATCH_BYTES = 4096;
const SHUTDOWN_PING = Buffer.from('h2c-shut', 'latin1');
const EMPTY = Buffer.alloc(0);

/** A request stream, as the handler sees it. */
export class ServerStream {
  readonly id: number;
  /** For the shell: whatever it wants to hang on the stream (its Request/Response, say). */
  context: unknown = undefined;
  readonly #session: StreamHost;
  readonly #rec: StreamRecord;

  constructor(rec: StreamRecord, host: StreamHost) {
    this.id = rec.id;
    this.#rec = rec;
    this.#session = host;
  }

  /** §5.1 state, 'closed' once the stream left the session. */
  get state(): StreamState {
    return this.#session.state(this.#rec);
  }

  /** Response bytes queued on this stream, not yet sent (waiting for the peer's windows). */
  get bufferedAmount(): number {
    return this.#session.buffered(this.#rec);
  }

  /** Response body bytes sent so far as DATA (progress, for the shell's write-stall timeout). */
  get bytesSent(): number {
    return this.#session.sent(this.#rec);
  }

  /**
   * Sends the response head (HEADERS, CONTINUATION as the peer's frame size needs): 1xx any number of
   * times, then one final status. False when the stream is gone (reset meanwhile): not an error.
   */
  respond(status: number, fields: readonly string[] = [], options: RespondOptions = {}): boolean {
    return this.#session.respond(this.#rec, status, fields, options.endStream === true);
  }

  /** Queues body bytes; false once bufferedAmount passes the high-water mark (wait for onWritable). */
  write(chunk: Buffer): boolean {
    return this.#session.write(this.#rec, chunk);
  }

  /** Ends the response after what is queued, with trailers (flat fields) if given. */
  end(trailers?: readonly string[]): void {
    this.#session.end(this.#rec, trailers ?? null);
  }

  /** RST_STREAM (§6.4) with this code (default CANCEL, §7); queued body bytes are dropped. */
  reset(code: number = ERROR_CODE.CANCEL): void {
    this.#session.reset(this.#rec, code);
  }

  /** The handler is done with n request-body bytes: they may be granted back to the client. */
  consumed(n: number): void {
    this.#session.consumed(this.#rec, n);
  }

  /**
   * The response does not need the rest of the request body (a 413, say): once the response is
   * complete, RST_STREAM NO_ERROR asks the client to stop sending it (RFC 9113 §8.1). Body bytes
   * that still arrive meanwhile are dropped and their window given back.
   */
  discardRequestBody(): void {
    this.#session.discardRequestBody(this.#rec);
  }
}

/** What a ServerStream asks of its session (the session's privates, as closures). */
interface StreamHost {
  state(rec: StreamRecord): StreamState;
  buffered(rec: StreamRecord): number;
  sent(rec: StreamRecord): number;
  respond(rec: StreamRecord, status: number, fields: readonly string[], endStream: boolean): boolean;
  write(rec: StreamRecord, chunk: Buffer): boolean;
  end(rec: StreamRecord, trailers: readonly string[] | null): void;
  reset(rec: StreamRecord, code: number): void;
  consumed(rec: StreamRecord, n: number): void;
  discardRequestBody(rec: StreamRecord): void;
}

export class ServerSession {
  /** The clock in ms, kept current by the shell: rate limits refill by it, settingsSentAt reads it. */
  now: number;

  readonly #cb: SessionCallbacks;
  readonly #limits: SessionLimits;
  readonly #parser: FrameParser;
  readonly #decoder: HpackDecoder;
  readonly #encoder: HpackEncoder;
  readonly #host: StreamHost;
  readonly #budget: number;
  readonly #hwm: number;

  #peer: Settings = { ...DEFAULT_SETTINGS };
  readonly #streams = new Map<number, StreamRecord>();
  // Recently closed streams and how they closed, oldest first, bounded by closedStreamMemory.
  readonly #closedStreams = new Map<number, CloseReason>();
  // The ids in #closedStreams in the order they were first remembered: a ring of closedStreamMemory.
  readonly #closedOrder: number[] = [];
  #closedNext = 0;
  #lastStreamId = 0;
  #lastProcessed = 0;
  readonly #connSend = new SendWindow(DEFAULT_WINDOW);
  readonly #connRecv: ReceiveWindow;

  #dead = false;
  #goawayLastId = MAX_STREAM_ID + 1; // streams above it are ignored (§6.8); none until a final GOAWAY
  #shutdown: 'none' | 'pinging' | 'final' = 'none';
  #peerGoaway = false;
  #drainedFired = false;
  #settingsAckPending = true;
  #settingsSentAt: number;

  // Output: buffers ready, and small frames being batched into #batch[0, #batchPos).
  #out: Buffer[] = [];
  #batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  #batchStart = 0;
  #batchPos = 0;
  #queuedControl = 0;
  #notified = false;
  #sendable: StreamRecord[] = [];

  readonly #resets: RateBucket;
  readonly #settingsRate: RateBucket;
  readonly #pings: RateBucket;
  readonly #emptyData: RateBucket;
  readonly #windowUpdates: RateBucket;
  readonly #priorities: RateBucket;

  constructor(options: ServerSessionOptions, callbacks: SessionCallbacks) {
    const limits = resolveLimits(options.limits);
    this.#limits = limits;
    this.#cb = callbacks;
    this.now = options.now ?? 0;
    this.#budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
    this.#hwm = options.writeHighWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#settingsSentAt = this.now;
    this.#decoder = new HpackDecoder({ maxHeaderListSize: limits.maxHeaderListSize, maxFieldCount: limits.maxHeaderFields });
    this.#encoder = new HpackEncoder({ tableSizeLimit: options.encoderTableSize ?? 4096 });
    this.#parser = new FrameParser(
      { role: 'server', maxHeaderBlockBytes: limits.maxHeaderBlockBytes, maxContinuationFrames: limits.maxContinuationFrames },
      this.#sink(),
    );
    this.#connRecv = new ReceiveWindow(limits.connectionWindowSize);
    const now = this.now;
    this.#resets = new RateBucket(limits.resetRate, now);
    this.#settingsRate = new RateBucket(limits.settingsRate, now);
    this.#pings = new RateBucket(limits.pingRate, now);
    this.#emptyData = new RateBucket(limits.emptyDataRate, now);
    this.#windowUpdates = new RateBucket(limits.windowUpdateRate, now);
    this.#priorities = new RateBucket(limits.priorityRate, now);
    this.#host = this.#makeHost();

    // §3.4: the server's preface is its SETTINGS, sent first. We never push (§8.4), so ENABLE_PUSH 0.
    const ours: SettingsUpdate = {
      enablePush: false,
      maxConcurrentStreams: limits.maxConcurrentStreams,
      initialWindowSize: limits.initialWindowSize,
      maxHeaderListSize: limits.maxHeaderListSize,
    };
    this.#pushBuffer(settingsFrame(ours));
    // §6.9.2: SETTINGS cannot change the connection window; only WINDOW_UPDATE can.
    const extra = limits.connectionWindowSize - DEFAULT_WINDOW;
    if (extra > 0) this.#small(WINDOW_UPDATE_FRAME_BYTES, (b, at) => writeWindowUpdate(b, at, 0, extra));
  }

  // --- the shell's side ---

  /** Socket bytes. After a connection error (closed), input is ignored. */
  receive(chunk: Buffer): void {
    if (!this.#dead) this.#parser.push(chunk);
  }

  /**
   * The bytes to write now, in order, or null when there are none. DATA is made here, up to the
   * peer's windows and the output budget: call again after writing while it returns buffers.
   */
  takeOutput(): Buffer[] | null {
    this.#notified = false;
    if (!this.#dead) this.#fillData();
    this.#flushBatch();
    if (this.#out.length === 0) return null;
    const out = this.#out;
    this.#out = [];
    this.#queuedControl = 0;
    return out;
  }

  /** True when takeOutput() would return something (frames queued, or DATA the windows allow). */
  get wantsOutput(): boolean {
    return this.#out.length > 0 || this.#batchPos > this.#batchStart || (!this.#dead && this.#sendable.some((r) => this.#canSend(r)));
  }

  /** After a connection error or terminate(): no more input; write the output and end the socket. */
  get closed(): boolean {
    return this.#dead;
  }

  /** Our SETTINGS are not acknowledged yet (§6.5.3): the shell's SETTINGS_TIMEOUT reads settingsSentAt. */
  get awaitingSettingsAck(): boolean {
    return this.#settingsAckPending;
  }

  get settingsSentAt(): number {
    return this.#settingsSentAt;
  }

  /** Streams open or half-closed (§5.1.2 counts them against MAX_CONCURRENT_STREAMS). */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** The client's settings in effect. */
  get peerSettings(): Readonly<Settings> {
    return this.#peer;
  }

  /** The highest stream id we handed to the handler (or answered ourselves): GOAWAY's last stream id. */
  get lastProcessedStreamId(): number {
    return this.#lastProcessed;
  }

  /**
   * Graceful shutdown (§6.8): GOAWAY with 2^31-1 and a PING; when the PING comes back, GOAWAY with
   * the real last stream id (streams in flight meanwhile are still served). Open streams finish;
   * then onDrained.
   */
  shutdown(): void {
    if (this.#dead || this.#shutdown !== 'none') return;
    this.#shutdown = 'pinging';
    this.#pushBuffer(goawayFrame(MAX_STREAM_ID, ERROR_CODE.NO_ERROR));
    this.#small(PING_FRAME_BYTES, (b, at) => writePing(b, at, SHUTDOWN_PING, false));
    this.#notify();
  }

  /** Ends the connection now: GOAWAY (§6.8) with this code (a timeout of the shell's, say), no more input. */
  terminate(code: number = ERROR_CODE.NO_ERROR, reason = ''): void {
    this.#connectionError(code, reason);
  }

  /**
   * An HTTP/1.1 request with `Upgrade: h2c` (RFC 7540 §3.2) becomes stream 1, half-closed (remote),
   * its response to come over HTTP/2; `settings` is the HTTP2-Settings payload (base64url-decoded),
   * applied as if in a SETTINGS frame but not acknowledged (§3.2.1). Call before any receive(): the
   * client's preface follows the 101. Returns the stream, or why the upgrade is refused.
   */
  upgrade(settings: Buffer): ServerStream | string {
    if (this.#lastStreamId !== 0 || this.#dead) return 'the session has already begun';
    if (settings.length % 6 !== 0) return 'HTTP2-Settings is not a whole number of settings';
    const update = decodeSettings(settings, 0, settings.length, false);
    if (typeof update === 'string') return `HTTP2-Settings: ${update}`;
    if (update.headerTableSize !== undefined) this.#encoder.setMaxTableSize(update.headerTableSize);
    this.#peer = applySettings(this.#peer, update);
    const rec = this.#open(1, true, 0);
    rec.delivered = true;
    this.#lastStreamId = 1;
    this.#lastProcessed = 1;
    return rec.handle;
  }

  // --- frames in ---

  #sink(): FrameSink {
    return {
      onData: (id, data, endStream, flowControlled) => this.#onData(id, data, endStream, flowControlled),
      onHeaders: (e) => this.#onHeaders(e),
      onPriority: () => {
        // RFC 9113 §5.3.2: priority signals of RFC 7540 are ignored; their rate is bounded still.
        if (!this.#dead && !this.#priorities.take(this.now)) this.#calm('PRIORITY flood');
      },
      onRstStream: (id, code) => this.#onRstStream(id, code),
      onSettings: (s) => this.#onSettings(s),
      onSettingsAck: () => {
        if (this.#dead || !this.#settingsAckPending) return;
        this.#settingsAckPending = false;
        this.#cb.onSettingsAcked?.();
      },
      onPushPromise: () => this.#connectionError(ERROR_CODE.PROTOCOL_ERROR, 'PUSH_PROMISE from a client'),
      onPing: (data, ack) => this.#onPing(data, ack),
      onGoaway: (lastStreamId, code, debug) => {
        if (this.#dead) return;
        this.#peerGoaway = true;
        this.#cb.onGoaway?.(lastStreamId, code, debug);
        this.#checkDrained();
      },
      onWindowUpdate: (id, inc) => this.#onWindowUpdate(id, inc),
      onError: (e) => this.#onFrameError(e),
    };
  }

  #onFrameError(e: FrameError): void {
    if (this.#dead) return;
    if (e.scope === 'connection') return this.#connectionError(e.code, e.message);
    // Stream errors of the frame layer: a bad PRIORITY, a self-dependency, a zero increment.
    const rec = this.#streams.get(e.streamId);
    if (rec !== undefined) return this.#streamError(rec, e.code);
    if (this.#isIdle(e.streamId)) {
      // §6.9: a WINDOW_UPDATE on an idle stream is a connection error whatever its increment.
      if (e.frameType === FRAME_TYPE.WINDOW_UPDATE) return this.#connectionError(ERROR_CODE.PROTOCOL_ERROR, 'WINDOW_UPDATE on an idle stream');
      // §5.4.2 / §6.4: no RST_STREAM on an idle stream; a PRIORITY there is ignored anyway.
      return;
    }
    if (this.#closedStreams.get(e.streamId) !== 'rst-sent') this.#resetUnknown(e.streamId, e.code);
  }

  // §5.1.1: a client's streams are odd and opened in increasing order, so an even id, or one above
  // every id seen, names a stream still idle (§5.1).
  #isIdle(id: number): boolean {
    return id > this.#lastStreamId || id % 2 === 0;
  }

  #onHeaders(e: HeadersEvent): void {
    if (this.#dead) return;
    // §4.3: every block is decoded, whatever becomes of its stream, to keep HPACK in step.
    const list = this.#decoder.decode(e.block);
    if (list instanceof HpackError && list.scope === 'connection') return this.#connectionError(ERROR_CODE.COMPRESSION_ERROR, list.message);
    const id = e.streamId;
    // §5.1.1: streams a client opens have odd ids.
    if (id % 2 === 0) return this.#connectionError(ERROR_CODE.PROTOCOL_ERROR, `HEADERS on even stream ${id}`);
    const rec = this.#streams.get(id);
    if (rec !== undefined) return this.#onTrailers(rec, list, e.endStream);
    if (id <= this.#lastStreamId) {
      const why = this.#closedStreams.get(id);
      if (why === 'rst-sent') return; // §5.1 closed: frames after our RST_STREAM are ignored
      // §5.1.1: a new stream's id must exceed every earlier one; reuse of a closed one is STREAM_CLOSED.
      if (why === undefined) return this.#connectionError(ERROR_CODE.PROTOCOL_ERROR, `HEADERS on stream ${id}, not above ${this.#lastStreamId}`);
      return this.#connectionError(ERROR_CODE.STREAM_CLOSED, `HEADERS on closed stream ${id}`);
    }
    this.#lastStreamId = id;
    if (id > this.#goawayLastId) return; // §6.8: after GOAWAY, newer streams are ignored
    if (this.#streams.size >= this.#limits.maxConcurrentStreams) {
      // §5.1.2: beyond our advertised limit; REFUSED_STREAM tells the client it may retry.
      this.#rst(id, ERROR_CODE.REFUSED_STREAM);
      this.#remember(id, 'rst-sent');
      return;
    }
    let head: RequestHead | string | null = null;
    if (!(list instanceof HpackError)) {
      head = parseRequestHead(list, e.endStream);
      if (typeof head === 'string') {
        // §8.1.1: a malformed request is a stream error PROTOCOL_ERROR.
        this.#resetUnknown(id, ERROR_CODE.PROTOCOL_ERROR);
        return;
      }
    }
    const rec2 = this.#open(id, e.endStream, head === null ? -1 : head.contentLength);
    this.#lastProcessed = id;
    if (head === null) {
      // RFC 9113 §10.5.1, RFC 6585 §5: a header list over our limit gets 431; the connection goes on.
      this.#answer(rec2, 431);
      return;
    }
    if (head.method === 'CONNECT') {
      // §8.5: we are no proxy, and extended CONNECT (RFC 8441) is not advertised.
      this.#answer(rec2, 501);
      return;
    }
    rec2.delivered = true;
    this.#cb.onRequest(rec2.handle, head);
  }

  // §5.1: HEADERS opens an idle stream (half-closed (remote) with END_STREAM).
  #open(id: number, endStream: boolean, contentLength: number): StreamRecord {
    const t = transition('idle', endStream ? 'recv-headers-es' : 'recv-headers');
    const rec: StreamRecord = {
      id,
      handle: undefined as unknown as ServerStream,
      live: true,
      state: 'next' in t ? t.next : 'closed',
      send: new SendWindow(this.#peer.initialWindowSize),
      recv: new ReceiveWindow(this.#limits.initialWindowSize),
      unconsumed: 0,
      received: 0,
      contentLength,
      delivered: false,
      responded: false,
      pending: [],
      pendingBytes: 0,
      endQueued: false,
      trailers: null,
      needDrain: false,
      scheduled: false,
      cancelRequest: false,
      sent: 0,
    };
    rec.handle = new ServerStream(rec, this.#host);
    this.#streams.set(id, rec);
    return rec;
  }

  // The session's own answer to a request it does not hand on; a body still coming is cut short
  // with RST_STREAM NO_ERROR once the response is complete (§8.1).
  #answer(rec: StreamRecord, status: number): void {
    this.#respond(rec, status, ['content-length', '0'], true);
    if (rec.live) this.#reset(rec, ERROR_CODE.NO_ERROR);
  }

  #onTrailers(rec: StreamRecord, list: string[] | HpackError, endStream: boolean): void {
    const t = transition(rec.state, endStream ? 'recv-headers-es' : 'recv-headers');
    if ('error' in t) return this.#transitionError(rec, t.error, t.code, 'HEADERS');
    if (list instanceof HpackError) return this.#streamError(rec, ERROR_CODE.PROTOCOL_ERROR);
    const fields = parseTrailers(list);
    if (typeof fields === 'string') return this.#streamError(rec, ERROR_CODE.PROTOCOL_ERROR);
    // §8.1.1: the body must add up to content-length.
    if (rec.contentLength !== -1 && rec.received !== rec.contentLength) return this.#streamError(rec, ERROR_CODE.PROTOCOL_ERROR);
    rec.state = t.next;
    if (rec.delivered) {
      this.#cb.onTrailers?.(rec.handle, fields);
      if (rec.live) this.#cb.onEnd?.(rec.handle);
    }
    this.#closeIfDone(rec);
  }

  #onData(id: number, data: Buffer, endStream: boolean, flowControlled: number): void {
    if (this.#dead) return;
    // §6.9: all DATA counts against the connection window, whatever becomes of its stream.
    if (!this.#connRecv.receive(flowControlled)) return this.#connectionError(ERROR_CODE.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    if (data.length === 0 && !endStream && !this.#emptyData.take(this.now)) return this.#calm('empty DATA flood');
    const rec = this.#streams.get(id);
    if (rec === undefined) {
      this.#grantConnection(flowControlled);
      // §5.1 idle: only HEADERS and PRIORITY may come first.
      if (this.#isIdle(id)) return this.#connectionError(ERROR_CODE.PROTOCOL_ERROR, `DATA on idle stream ${id}`);
      if (this.#closedStreams.get(id) === 'rst-sent') return; // §5.1: ignored after our RST_STREAM
      return this.#resetUnknown(id, ERROR_CODE.STREAM_CLOSED); // §6.1
    }
    const t = transition(rec.state, endStream ? 'recv-data-es' : 'recv-data');
    if ('error' in t) {
      this.#grantConnection(flowControlled);
      return this.#transitionError(rec, t.error, t.code, 'DATA');
    }
    if (!rec.recv.receive(flowControlled)) {
      this.#grantConnection(flowControlled);
      return this.#streamError(rec, ERROR_CODE.FLOW_CONTROL_ERROR); // §6.9.1, on the stream's window
    }
    rec.received += data.length;
    const cl = rec.contentLength;
    if (cl !== -1 && (rec.received > cl || (endStream && rec.received !== cl))) {
      this.#grantConnection(flowControlled);
      return this.#streamError(rec, ERROR_CODE.PROTOCOL_ERROR); // §8.1.1
    }
    rec.state = t.next;
    // Padding is ours to give back at once; the payload when the handler consumes it.
    const handled = rec.delivered ? data.length : 0;
    if (flowControlled - handled > 0) {
      this.#grantConnection(flowControlled - handled);
      this.#grantStream(rec, flowControlled - handled);
    }
    if (handled > 0) {
      rec.unconsumed += handled;
      this.#cb.onData?.(rec.handle, data);
    }
    if (endStream && rec.live) {
      if (rec.delivered) this.#cb.onEnd?.(rec.handle);
      this.#closeIfDone(rec);
    }
  }

  // The error the §5.1 table gave, as far as it reaches (§5.4).
  #transitionError(rec: StreamRecord, scope: 'stream' | 'connection', code: ErrorCodeName, what: string): void {
    if (scope === 'connection') return this.#connectionError(ERROR_CODE[code], `${what} on stream ${rec.id} in state ${rec.state}`);
    this.#streamError(rec, ERROR_CODE[code]);
  }

  #onRstStream(id: number, code: number): void {
    if (this.#dead) return;
    const rec = this.#streams.get(id);
    if (rec === undefined) {
      // §6.4: RST_STREAM on an idle stream is a connection error; on a closed one, nothing to do.
      if (this.#isIdle(id)) this.#connectionError(ERROR_CODE.PROTOCOL_ERROR, `RST_STREAM on idle stream ${id}`);
      return;
    }
    // CVE-2023-44487: streams opened and reset at once cost us their setup; the rate is bounded.
    if (!this.#resets.take(this.now)) return this.#calm('rapid reset');
    rec.state = 'closed';
    this.#dropPending(rec);
    if (rec.delivered) this.#cb.onStreamReset?.(rec.handle, code);
    this.#close(rec, 'rst-recv');
  }

  #onSettings(s: SettingsUpdate): void {
    if (this.#dead) return;
    if (!this.#settingsRate.take(this.now)) return this.#calm('SETTINGS flood');
    if (s.initialWindowSize !== undefined) {
      // §6.9.2: the change applies to every stream's send window, which may go negative; past
      // 2^31-1 it is a connection error FLOW_CONTROL_ERROR.
      const delta = s.initialWindowSize - this.#peer.initialWindowSize;
      for (const rec of this.#streams.values()) {
        if (!rec.send.grow(delta)) return this.#connectionError(ERROR_CODE.FLOW_CONTROL_ERROR, 'SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window');
      }
    }
    if (s.headerTableSize !== undefined) this.#encoder.setMaxTableSize(s.headerTableSize);
    this.#peer = applySettings(this.#peer, s);
    this.#control(SETTINGS_ACK_FRAME_BYTES, (b, at) => writeSettingsAck(b, at));
    this.#notify();
  }

  #onPing(data: Buffer, ack: boolean): void {
    if (this.#dead) return;
    if (ack) {
      if (this.#shutdown === 'pinging' && data.equals(SHUTDOWN_PING)) {
        // §6.8: a round trip later, every stream the client had opened has reached us.
        this.#shutdown = 'final';
        this.#goawayLastId = this.#lastStreamId;
        this.#pushBuffer(goawayFrame(this.#lastProcessed, ERROR_CODE.NO_ERROR));
        this.#notify();
        this.#checkDrained();
      }
      return;
    }
    if (!this.#pings.take(this.now)) return this.#calm('PING flood');
    this.#control(PING_FRAME_BYTES, (b, at) => writePing(b, at, data, true));
    this.#notify();
  }

  #onWindowUpdate(id: number, inc: number): void {
    if (this.#dead) return;
    if (!this.#windowUpdates.take(this.now)) return this.#calm('WINDOW_UPDATE flood');
    if (id === 0) {
      if (!this.#connSend.grow(inc)) return this.#connectionError(ERROR_CODE.FLOW_CONTROL_ERROR, 'connection window above 2^31-1');
      if (this.#sendable.length > 0) this.#notify();
      return;
    }
    const rec = this.#streams.get(id);
    if (rec === undefined) {
      if (this.#isIdle(id)) this.#connectionError(ERROR_CODE.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${id}`);
      return; // §6.9: may arrive for a stream just closed
    }
    if (!rec.send.grow(inc)) return this.#streamError(rec, ERROR_CODE.FLOW_CONTROL_ERROR); // §6.9.1
    if (rec.scheduled) this.#notify();
  }

  // --- stream ends ---

  // A stream error the client caused (§5.4.2): RST_STREAM; the rate of these counts with rapid reset.
  #streamError(rec: StreamRecord, code: number): void {
    if (!this.#resets.take(this.now)) return this.#calm('too many stream errors');
    if (rec.delivered) this.#cb.onStreamReset?.(rec.handle, code);
    if (rec.live) this.#reset(rec, code);
  }

  // A stream error (§5.4.2) on a stream not (or no longer) in the table.
  #resetUnknown(id: number, code: number): void {
    if (!this.#resets.take(this.now)) return this.#calm('too many stream errors');
    this.#rst(id, code);
    this.#remember(id, 'rst-sent');
  }

  #reset(rec: StreamRecord, code: number): void {
    rec.state = 'closed';
    this.#dropPending(rec);
    this.#rst(rec.id, code);
    this.#close(rec, 'rst-sent');
  }

  #closeIfDone(rec: StreamRecord): void {
    if (rec.state === 'closed' && rec.live) this.#close(rec, 'done');
  }

  #close(rec: StreamRecord, why: CloseReason): void {
    if (!rec.live) return; // a connection error closed it meanwhile
    this.#streams.delete(rec.id);
    rec.live = false;
    this.#remember(rec.id, why);
    // Body bytes the handler never consumed go back to the connection window, or it would shrink for good.
    if (rec.unconsumed > 0) {
      const n = rec.unconsumed;
      rec.unconsumed = 0;
      this.#grantConnection(n);
    }
    rec.pending = [];
    rec.pendingBytes = 0;
    this.#cb.onStreamClose?.(rec.handle);
    this.#checkDrained();
  }

  #remember(id: number, why: CloseReason): void {
    const memory = this.#closedStreams;
    const limit = this.#limits.closedStreamMemory;
    if (limit === 0) return;
    if (!memory.has(id)) {
      // Oldest out first (a ring, not a scan of the map's keys): a stream closes per request.
      const order = this.#closedOrder;
      const at = this.#closedNext;
      if (order.length === limit) memory.delete(order[at]!);
      order[at] = id;
      this.#closedNext = at + 1 === limit ? 0 : at + 1;
    }
    memory.set(id, why);
  }

  #dropPending(rec: StreamRecord): void {
    rec.pending = [];
    rec.pendingBytes = 0;
    rec.endQueued = false;
    rec.trailers = null;
  }

  #checkDrained(): void {
    if (this.#drainedFired || this.#dead || this.#streams.size > 0) return;
    if (this.#shutdown === 'final' || this.#peerGoaway) {
      this.#drainedFired = true;
      this.#cb.onDrained?.();
    }
  }

  // A peer abusing the protocol (§10.5): a connection error ENHANCE_YOUR_CALM (§7).
  #calm(reason: string): void {
    this.#connectionError(ERROR_CODE.ENHANCE_YOUR_CALM, reason);
  }

  // §5.4.1: GOAWAY with the last stream we processed, then no more input; every open stream ends.
  #connectionError(code: number, reason: string): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#pushBuffer(goawayFrame(this.#lastProcessed, code, Buffer.from(reason, 'latin1')));
    const open = [...this.#streams.values()];
    this.#streams.clear();
    for (const rec of open) rec.live = false;
    this.#sendable = [];
    for (const rec of open) {
      rec.state = 'closed';
      this.#dropPending(rec);
      if (rec.delivered) this.#cb.onStreamReset?.(rec.handle, code);
      this.#cb.onStreamClose?.(rec.handle);
    }
    this.#notify();
    this.#cb.onConnectionError?.(code, reason);
  }

  // --- flow control, our receive side ---

  #grantConnection(n: number): void {
    const inc = this.#connRecv.consumed(n);
    if (inc > 0) {
      this.#control(WINDOW_UPDATE_FRAME_BYTES, (b, at) => writeWindowUpdate(b, at, 0, inc));
      this.#notify();
    }
  }

  #grantStream(rec: StreamRecord, n: number): void {
    if (!remoteOpen(rec.state)) return; // no more DATA will come: no window to give
    const inc = rec.recv.consumed(n);
    if (inc > 0) {
      this.#control(WINDOW_UPDATE_FRAME_BYTES, (b, at) => writeWindowUpdate(b, at, rec.id, inc));
      this.#notify();
    }
  }

  // --- frames out ---

  #makeHost(): StreamHost {
    return {
      state: (rec) => (rec.live ? rec.state : 'closed'),
      buffered: (rec) => (rec.live ? rec.pendingBytes : 0),
      sent: (rec) => rec.sent,
      respond: (rec, status, fields, endStream) => {
        if (!rec.live || this.#dead) return false;
        // §8.1: interim (1xx) heads, then one final head; an interim head cannot end the stream.
        if (rec.responded) throw new Error(`stream ${rec.id}: respond() after the final response head`);
        if (!Number.isInteger(status) || status < 100 || status > 999 || (status < 200 && endStream)) throw new RangeError(`stream ${rec.id}: bad status ${status}`);
        this.#respond(rec, status, fields, endStream);
        return true;
      },
      write: (rec, chunk) => {
        if (!rec.live || this.#dead) return false;
        if (!rec.responded) throw new Error(`stream ${rec.id}: write() before respond()`);
        if (rec.endQueued || !localOpen(rec.state)) throw new Error(`stream ${rec.id}: write() after the response ended`);
        if (chunk.length > 0) {
          rec.pending.push(chunk);
          rec.pendingBytes += chunk.length;
          this.#schedule(rec);
        }
        if (rec.pendingBytes < this.#hwm) return true;
        rec.needDrain = true;
        return false;
      },
      end: (rec, trailers) => {
        if (!rec.live || this.#dead || rec.endQueued) return;
        if (!rec.responded) throw new Error(`stream ${rec.id}: end() before respond()`);
        if (!localOpen(rec.state)) return;
        rec.endQueued = true;
        rec.trailers = trailers === null || trailers.length === 0 ? null : [...trailers];
        this.#schedule(rec);
      },
      reset: (rec, code) => {
        if (!rec.live || this.#dead) return;
        this.#reset(rec, code);
        this.#notify();
      },
      consumed: (rec, n) => {
        if (!rec.live || this.#dead || !(n > 0)) return;
        const k = Math.min(Math.floor(n), rec.unconsumed);
        if (k <= 0) return;
        rec.unconsumed -= k;
        this.#grantConnection(k);
        this.#grantStream(rec, k);
      },
      discardRequestBody: (rec) => {
        if (!rec.live || this.#dead || !remoteOpen(rec.state)) return;
        rec.delivered = false; // no more onData / onEnd; DATA is granted back as it comes
        if (rec.unconsumed > 0) {
          const n = rec.unconsumed;
          rec.unconsumed = 0;
          this.#grantConnection(n);
        }
        if (!localOpen(rec.state)) {
          this.#reset(rec, ERROR_CODE.NO_ERROR);
          this.#notify();
        } else rec.cancelRequest = true;
      },
    };
  }

  #respond(rec: StreamRecord, status: number, fields: readonly string[], endStream: boolean): void {
    const enc = this.#encoder;
    enc.begin(FRAME_HEADER_BYTES);
    enc.add(':status', String(status));
    for (let i = 0; i + 1 < fields.length; i += 2) {
      // The encoder lower-cases names (§8.2.1); connection-specific ones are left out (§8.2.2).
      if (!isConnectionSpecificName(fields[i]!)) enc.add(fields[i]!, fields[i + 1]!);
    }
    const final = status >= 200;
    const es = endStream && final;
    this.#pushHeaders(rec.id, enc.endView(), es);
    if (final) rec.responded = true;
    if (es) this.#sentEnd(rec);
    this.#notify();
  }

  // A block encoded with 9 octets of headroom (a view of the encoder's buffer, copied here): one
  // frame, batched with the frames around it when small, or HEADERS + CONTINUATION when it is larger
  // than the peer's SETTINGS_MAX_FRAME_SIZE (§4.2, §6.2, §6.10).
  #pushHeaders(id: number, withHeadroom: Buffer, endStream: boolean): void {
    const maxFrame = this.#peer.maxFrameSize;
    const length = withHeadroom.length - FRAME_HEADER_BYTES;
    const flags = FLAG.END_HEADERS | (endStream ? FLAG.END_STREAM : 0);
    if (length > maxFrame) {
      this.#pushBuffer(headersFrames(id, withHeadroom.subarray(FRAME_HEADER_BYTES), { maxFrameSize: maxFrame, endStream }));
      return;
    }
    writeFrameHeader(withHeadroom, 0, length, FRAME_TYPE.HEADERS, flags, id);
    if (withHeadroom.length <= BATCH_BYTES) this.#small(withHeadroom.length, (b, at) => at + withHeadroom.copy(b, at));
    else this.#pushBuffer(Buffer.from(withHeadroom));
  }

  #sentEnd(rec: StreamRecord): void {
    const t = transition(rec.state, 'send-es');
    rec.state = 'next' in t ? t.next : 'closed';
    // §8.1: a complete response may end a request the client is still sending.
    if (rec.cancelRequest && rec.state !== 'closed') return this.#reset(rec, ERROR_CODE.NO_ERROR);
    this.#closeIfDone(rec);
  }

  #schedule(rec: StreamRecord): void {
    if (!rec.scheduled) {
      rec.scheduled = true;
      this.#sendable.push(rec);
    }
    this.#notify();
  }

  #canSend(rec: StreamRecord): boolean {
    if (!rec.live) return false;
    if (rec.pendingBytes === 0) return rec.endQueued;
    return rec.send.available > 0 && this.#connSend.available > 0;
  }

  // DATA for as many streams as have some, round-robin, within windows and the budget.
  #fillData(): void {
    let budget = this.#budget;
    const drained: StreamRecord[] = [];
    let progress = true;
    while (progress && budget > 0 && this.#sendable.length > 0) {
      progress = false;
      const round = this.#sendable;
      this.#sendable = [];
      for (const rec of round) {
        if (!rec.live) {
          rec.scheduled = false;
          continue;
        }
        if (budget > 0 && this.#canSend(rec)) {
          budget -= this.#sendFrom(rec, budget);
          progress = true;
          if (rec.needDrain && rec.pendingBytes < this.#hwm && rec.live) {
            rec.needDrain = false;
            drained.push(rec);
          }
        }
        if (rec.live && (rec.pendingBytes > 0 || rec.endQueued)) this.#sendable.push(rec);
        else rec.scheduled = false;
      }
    }
    for (const rec of drained) if (rec.live) this.#cb.onWritable?.(rec.handle);
  }

  // One DATA frame (or the end of the stream) from rec; returns the payload bytes sent. No larger
  // than both send windows allow (§6.9.1) nor than the peer's frame size (§4.2).
  #sendFrom(rec: StreamRecord, budget: number): number {
    if (rec.pendingBytes === 0) {
      // Everything is out: the end, as trailers (HEADERS + END_STREAM) or an empty DATA + END_STREAM.
      rec.endQueued = false;
      if (rec.trailers !== null) {
        const enc = this.#encoder;
        enc.begin(FRAME_HEADER_BYTES);
        const t = rec.trailers;
        for (let i = 0; i + 1 < t.length; i += 2) {
          if (!isConnectionSpecificName(t[i]!)) enc.add(t[i]!, t[i + 1]!);
        }
        rec.trailers = null;
        this.#pushHeaders(rec.id, enc.endView(), true);
      } else {
        this.#dataFrame(rec.id, EMPTY, true);
      }
      this.#sentEnd(rec);
      return 0;
    }
    const n = Math.min(rec.send.available, this.#connSend.available, this.#peer.maxFrameSize, rec.pendingBytes, budget);
    let chunk: Buffer;
    const first = rec.pending[0]!;
    if (first.length <= n) {
      rec.pending.shift();
      chunk = first;
      // Several small chunks fill one frame when they fit.
      if (chunk.length < n && rec.pending.length > 0) {
        const parts = [chunk];
        let got = chunk.length;
        while (got < n && rec.pending.length > 0) {
          const next = rec.pending[0]!;
          if (got + next.length <= n) {
            parts.push(next);
            got += next.length;
            rec.pending.shift();
          } else {
            parts.push(next.subarray(0, n - got));
            rec.pending[0] = next.subarray(n - got);
            got = n;
          }
        }
        chunk = Buffer.concat(parts, got);
      }
    } else {
      chunk = first.subarray(0, n);
      rec.pending[0] = first.subarray(n);
    }
    rec.pendingBytes -= chunk.length;
    rec.sent += chunk.length;
    rec.send.consume(chunk.length);
    this.#connSend.consume(chunk.length);
    const end = rec.pendingBytes === 0 && rec.endQueued && rec.trailers === null;
    this.#dataFrame(rec.id, chunk, end);
    if (end) {
      rec.endQueued = false;
      this.#sentEnd(rec);
    }
    return chunk.length;
  }

  // §6.1: DATA, unpadded, END_STREAM on the last.
  #dataFrame(id: number, data: Buffer, endStream: boolean): void {
    const flags = endStream ? FLAG.END_STREAM : 0;
    if (data.length <= COPY_DATA_BYTES) {
      this.#small(FRAME_HEADER_BYTES + data.length, (b, at) => {
        const p = writeFrameHeader(b, at, data.length, FRAME_TYPE.DATA, flags, id);
        return p + data.copy(b, p);
      });
    } else {
      this.#small(FRAME_HEADER_BYTES, (b, at) => writeFrameHeader(b, at, data.length, FRAME_TYPE.DATA, flags, id));
      this.#pushBuffer(data);
    }
  }

  #rst(id: number, code: number): void {
    this.#control(RST_STREAM_FRAME_BYTES, (b, at) => writeRstStream(b, at, id, code));
    this.#notify();
  }

  // A control frame the peer's behaviour made us queue: bounded while it does not read (§10.5).
  #control(length: number, write: (b: Buffer, at: number) => number): void {
    if (this.#dead) return;
    if (++this.#queuedControl > this.#limits.maxQueuedControlFrames) return this.#calm('control frames queued while the client does not read');
    this.#small(length, write);
  }

  #small(length: number, write: (b: Buffer, at: number) => number): void {
    if (this.#batchPos + length > this.#batch.length) {
      this.#flushBatch();
      // What was handed out belongs to the shell now: later frames go to a fresh buffer.
      this.#batch = Buffer.allocUnsafe(Math.max(BATCH_BYTES, length));
      this.#batchStart = this.#batchPos = 0;
    }
    this.#batchPos = write(this.#batch, this.#batchPos);
  }

  // The batched frames become one output buffer (a view); the rest of the batch buffer stays ours.
  #flushBatch(): void {
    if (this.#batchPos === this.#batchStart) return;
    this.#out.push(this.#batch.subarray(this.#batchStart, this.#batchPos));
    this.#batchStart = this.#batchPos;
  }

  #pushBuffer(buf: Buffer): void {
    this.#flushBatch();
    this.#out.push(buf);
  }

  #notify(): void {
    if (this.#notified) return;
    this.#notified = true;
    this.#cb.onOutput?.();
  }
}
