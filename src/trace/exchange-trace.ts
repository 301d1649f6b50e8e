// What one exchange (a request and its response) recorded while someone was watching (trace-hub.ts):
// the request head as the bytes that came in, the response head as the bytes that went out, the
// first bytes of the body, when each part happened, and the decisions that shaped the response.
// Made only when someone watches: with nobody watching, Request#trace is null and no recording
// site does any work (`req.trace?.decide(…)` does not evaluate its arguments).

import { describeDecision, type DecisionArgs, type DecisionCode, type DecisionRecord } from './decisions.ts';
import type { WsFrameNote } from './ws-frame-tap.ts';

/** Body bytes kept for the summary (shown as hex and text). */
export const BODY_SAMPLE_BYTES = 32;
/** A head longer than this is cut in the record (the limits allow 16 KiB of fields). */
const MAX_HEAD_CHARS = 16 * 1024;
/** Frames kept per exchange (an upload of many DATA frames keeps its first ones). */
const MAX_FRAMES = 64;

/** One HTTP/2 frame as seen on the wire (h2-frame-tap.ts). */
export interface FrameNote {
  /** 'in': from the client; 'out': ours. */
  readonly dir: 'in' | 'out';
  readonly type: string;
  readonly flags: readonly string[];
  readonly stream: number;
  readonly length: number;
  /** Order on its connection (both directions count): a record lists its frames by it. */
  readonly seq: number;
  /** What the frame says, briefly ("SETTINGS_MAX_CONCURRENT_STREAMS=100", "increment 65535"). */
  readonly detail: string;
  /** HEADERS and CONTINUATION: the HPACK-encoded block as hex (cut at 64 bytes). */
  readonly hpack?: string;
}

/** What follows an exchange that switched protocols (a WebSocket's frames), for the same watchers. */
export type AfterSwitch = (note: WsFrameNote) => void;

/** An exchange as readers get it: plain data (JSON for the inspector and across the cluster). */
export interface TraceRecord {
  /** Unique in this process ("12"); in a cluster the primary prefixes the worker ("w2-12"). */
  id: string;
  worker: number;
  /** Epoch ms when the request's first byte arrived. */
  time: number;
  protocol: string;
  connection: number;
  /** HTTP/2 stream id; 0 over HTTP/1.1. */
  stream: number;
  remote: string;
  secure: boolean;
  method: string;
  target: string;
  host: string;
  status: number;
  /** The request head: over HTTP/1.1 its bytes as latin1 (byte n is char n); over HTTP/2 the decoded fields as lines. */
  requestHead: string;
  requestFields: string[];
  requestBodyBytes: number;
  /** The response head (same forms as requestHead); '' when none was sent. */
  responseHead: string;
  responseBodyBytes: number;
  contentType: string;
  /** The body's first bytes as latin1. */
  bodySample: string;
  /** Milliseconds from the first byte: head received, first response byte, last response byte (-1: never). */
  timings: { headers: number; firstByte: number; lastByte: number };
  decisions: DecisionRecord[];
  frames: FrameNote[];
}

/** HTTP/2 fields (name, value, …) as a trace shows them: "name: value" lines, names lower-case as on the wire (RFC 9113 §8.2.1). */
export function fieldsAsLines(fields: readonly string[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i += 2) out += `${fields[i]!.toLowerCase()}: ${fields[i + 1]}\n`;
  return out;
}

/** An HTTP/2 response head as a trace shows it: :status, the fields, and the empty line that ends a head. */
export function h2HeadText(status: number, fields: readonly string[]): string {
  return `:status: ${status}\n${fieldsAsLines(fields)}\n`;
}

let lastId = 0;

export class ExchangeTrace {
  readonly id = ++lastId;
  readonly protocol: string;
  readonly connection: number;
  readonly startHr: number;
  readonly startTime: number;
  stream = 0;
  remote = '';
  secure = false;
  method = '';
  target = '';
  host = '';
  status = 0;
  requestFields: readonly string[] = [];
  requestBodyBytes = 0;
  responseBodyBytes = 0;
  contentType = '';
  /** Published by its connection rather than when the response is reported: an HTTP/2 stream's last
   * frames are written after its response is complete, and its record should show them. */
  deferred = false;
  /** Set by the connection while someone watches: where a switched protocol reports its frames. */
  afterSwitch: AfterSwitch | null = null;
  headersHr = -1;
  firstByteHr = -1;
  lastByteHr = -1;
  #requestHead = '';
  #responseHead = '';
  #interim = '';
  #sample: Buffer | null = null;
  readonly #decisions: Array<{ code: DecisionCode; args: readonly unknown[]; source: string | undefined }> = [];
  readonly #frames: FrameNote[] = [];

  constructor(protocol: string, connection: number, startHr: number) {
    this.protocol = protocol;
    this.connection = connection;
    this.startHr = startHr;
    this.startTime = performance.timeOrigin + startHr;
  }

  /** Records a decision (decisions.ts); the sentence is made when the record is read. */
  decide<C extends DecisionCode>(code: C, ...args: DecisionArgs<C>): void {
    this.#decisions.push({ code, args, source: undefined });
  }

  /** A decision whose rule is named by the caller (a parse error names its own RFC section). */
  decideFrom<C extends DecisionCode>(source: string, code: C, ...args: DecisionArgs<C>): void {
    this.#decisions.push({ code, args, source });
  }

  /** Whether a decision with this code was recorded (tests, and to avoid saying a thing twice). */
  has(code: DecisionCode): boolean {
    return this.#decisions.some((d) => d.code === code);
  }

  /** The request head as text: HTTP/1.1 bytes as latin1, or HTTP/2 fields as lines. */
  set requestHead(text: string) {
    this.#requestHead = text.length > MAX_HEAD_CHARS ? text.slice(0, MAX_HEAD_CHARS) : text;
  }

  get requestHead(): string {
    return this.#requestHead;
  }

  /** The response head's bytes (HTTP/1.1), or its fields as lines (HTTP/2); the first byte's time with it. */
  responseHead(text: string, hr: number): void {
    const all = this.#interim + text;
    this.#responseHead = all.length > MAX_HEAD_CHARS ? all.slice(0, MAX_HEAD_CHARS) : all;
    if (this.firstByteHr < 0) this.firstByteHr = hr;
  }

  /** An interim (1xx) head sent before the final one: it leads the response head in the record. */
  interim(text: string): void {
    this.#interim += text;
    if (this.firstByteHr < 0) this.firstByteHr = performance.now();
  }

  /** A piece of response body as written: counted, and its first bytes kept. */
  body(chunk: Buffer): void {
    this.responseBodyBytes += chunk.length;
    const have = this.#sample === null ? 0 : this.#sample.length;
    if (have >= BODY_SAMPLE_BYTES || chunk.length === 0) return;
    const take = chunk.subarray(0, BODY_SAMPLE_BYTES - have);
    this.#sample = this.#sample === null ? Buffer.from(take) : Buffer.concat([this.#sample, take]);
  }

  frame(note: FrameNote): void {
    if (this.#frames.length < MAX_FRAMES) this.#frames.push(note);
  }

  /** The exchange as plain data, its decisions in words. */
  toRecord(worker = 0): TraceRecord {
    const ms = (hr: number): number => (hr < 0 ? -1 : Math.round((hr - this.startHr) * 1000) / 1000);
    return {
      id: String(this.id),
      worker,
      time: Math.round(this.startTime),
      protocol: this.protocol,
      connection: this.connection,
      stream: this.stream,
      remote: this.remote,
      secure: this.secure,
      method: this.method,
      target: this.target,
      host: this.host,
      status: this.status,
      requestHead: this.#requestHead,
      requestFields: [...this.requestFields],
      requestBodyBytes: this.requestBodyBytes,
      responseHead: this.#responseHead,
      responseBodyBytes: this.responseBodyBytes,
      contentType: this.contentType !== '' ? this.contentType : (/^content-type:[ \t]*([^\r\n]*)/im.exec(this.#responseHead)?.[1] ?? ''),
      bodySample: this.#sample === null ? '' : this.#sample.toString('latin1'),
      timings: { headers: ms(this.headersHr), firstByte: ms(this.firstByteHr), lastByte: ms(this.lastByteHr) },
      decisions: this.#decisions.map((d) => describeDecision(d.code, d.args, d.source)),
      frames: this.#frames.slice().sort((x, y) => x.seq - y.seq),
    };
  }
}
