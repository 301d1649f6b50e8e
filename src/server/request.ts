// The request a handler sees: method, target, headers (lazy, case-insensitive) and a body stream
// that exists only once a handler asks for it. Body bytes that arrive before then wait here, and the
// socket is paused, so an unread body never piles up in memory.

import { Readable } from 'node:stream';
import type { TargetForm } from '../http1/target.ts';
import type { IncomingHead } from './incoming-head.ts';
import { HttpError } from '../app/http-error.ts';
import type { ExchangeTrace } from '../trace/exchange-trace.ts';

/** What a request needs from its connection; kept narrow so requests can be tested alone. */
export interface BodySource {
  /** Stop reading from the peer (the consumer is full or absent). */
  pauseReading(): void;
  /** Start reading from the peer again. */
  resumeReading(): void;
  /** Send "100 Continue" if the client asked for it and it has not gone out (RFC 9110 §10.1.1). */
  sendContinue(): void;
}

export interface PeerInfo {
  remoteAddress: string;
  remotePort: number;
  localPort: number;
  secure: boolean;
}

const NO_TRAILERS: readonly string[] = Object.freeze([]);

export class Request {
  readonly method: string;
  /** The request-target exactly as received. */
  readonly target: string;
  readonly targetForm: TargetForm;
  /** "1.1" or "1.0" (the protocol's version as logs show it). */
  readonly httpVersion: string;
  /** Field lines as received: name, value, name, value, … */
  readonly rawHeaders: readonly string[];
  /** The path part of the target, still percent-encoded ("*" for OPTIONS *); a site rewrite may
   * change it (rewrite()), `target` stays as received. */
  path: string;
  /** The query without its "?", '' when absent. */
  query: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly secure: boolean;
  /** The connection's peer: one object per connection, shared by its requests (a WeakMap key for
   * state that lasts as long as the connection, such as a verified credential). */
  readonly peer: PeerInfo;
  readonly startTime: number;
  /** performance.now() at the request's first byte: sub-millisecond latency for metrics. */
  readonly startHr: number;
  /** 1 for the first request on its connection, 2 for the next (keep-alive reuse), … */
  readonly sequence: number;
  /** Declared body length; -1 for chunked, 0 for none. */
  readonly contentLength: number;
  /** Trailer fields of a chunked body (name, value, …), once the body has been read. */
  trailers: readonly string[] = NO_TRAILERS;
  /** The pattern of the route that matched ("/notes/:id"), for metrics and logs; null when none did. */
  route: string | null = null;
  /** This exchange's record while someone watches (--trace, the inspector), else null: decisions are
   * recorded as `req.trace?.decide(…)` (src/trace/decisions.ts). */
  trace: ExchangeTrace | null = null;

  readonly #head: IncomingHead;
  readonly #source: BodySource;
  #headers: Map<string, string> | null = null;
  #locals: Record<string, unknown> | null = null;
  #stream: Readable | null = null;
  #queued: Buffer[] | null = null;
  #ended: boolean;
  #discarding = false;
  #error: Error | null = null;

  constructor(head: IncomingHead, source: BodySource, peer: PeerInfo, startTime: number, startHr = performance.now(), sequence = 1) {
    this.#head = head;
    this.#source = source;
    this.method = head.method;
    this.target = head.target;
    this.targetForm = head.targetForm;
    this.httpVersion = head.httpVersion;
    this.rawHeaders = head.rawHeaders;
    this.contentLength = head.contentLength;
    this.#ended = head.contentLength === 0;
    this.remoteAddress = peer.remoteAddress;
    this.remotePort = peer.remotePort;
    this.secure = peer.secure;
    this.peer = peer;
    this.startTime = startTime;
    this.startHr = startHr;
    this.sequence = sequence;

    let pathAndQuery = head.target;
    if (head.targetForm === 'absolute') {
      // RFC 9112 §3.2.2: the path comes from the absolute URI; its authority overrides Host.
      const afterScheme = pathAndQuery.indexOf('//');
      const slash = afterScheme === -1 ? -1 : pathAndQuery.indexOf('/', afterScheme + 2);
      const q = pathAndQuery.indexOf('?', afterScheme + 2);
      pathAndQuery = slash === -1 || (q !== -1 && q < slash) ? '/' + (q === -1 ? '' : pathAndQuery.slice(q)) : pathAndQuery.slice(slash);
    }
    const hash = pathAndQuery.indexOf('#');
    if (hash !== -1) pathAndQuery = pathAndQuery.slice(0, hash);
    const q = pathAndQuery.indexOf('?');
    this.path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
    this.query = q === -1 ? '' : pathAndQuery.slice(q + 1);
  }

  /** Serves this request as if it had asked for `path` (and `query`): site rewrites, clean URLs and
   * the SPA fallback. The target, the access log's view, is unchanged. */
  rewrite(path: string, query: string): void {
    this.path = path;
    this.query = query;
  }

  /** Free slot for middleware to pass values along (route params, parsed forms, …); made on first use. */
  get locals(): Record<string, unknown> {
    return (this.#locals ??= {});
  }

  /** One value of locals, without creating them: undefined when nothing was set. */
  local(name: string): unknown {
    return this.#locals === null ? undefined : this.#locals[name];
  }

  /** The host the client addressed: the absolute-form authority, else Host (RFC 9110 §7.2). */
  get host(): string {
    if (this.targetForm === 'absolute') {
      const start = this.target.indexOf('//');
      if (start !== -1) {
        const end = this.target.slice(start + 2).search(/[/?#]/);
        return end === -1 ? this.target.slice(start + 2) : this.target.slice(start + 2, start + 2 + end);
      }
    }
    return this.#head.host;
  }

  get keepAlive(): boolean {
    return this.#head.keepAlive;
  }

  /** RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored. */
  get expectsContinue(): boolean {
    return this.#head.expect === '100-continue' && this.httpVersion !== '1.0';
  }

  /** One header's value (lower-case lookup; repeated fields joined with ", " per RFC 9110 §5.3). */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    if (this.#headers !== null) return this.#headers.get(lower);
    // Most requests ask for two or three fields: scanning the raw list (names of the same length
    // only) is cheaper than building the whole map.
    const raw = this.rawHeaders;
    let found: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!;
      if (n.length !== lower.length || n.toLowerCase() !== lower) continue;
      found = found === undefined ? raw[i + 1]! : found + (lower === 'cookie' ? '; ' : ', ') + raw[i + 1]!;
    }
    return found;
  }

  /** All headers by lower-case name. Built on first use: most requests look at two or three fields. */
  get headers(): ReadonlyMap<string, string> {
    if (this.#headers === null) {
      const map = new Map<string, string>();
      const raw = this.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!.toLowerCase();
        const prev = map.get(name);
        // RFC 6265 §5.4: Cookie lines are joined with "; ", every other list with ", ".
        map.set(name, prev === undefined ? raw[i + 1]! : prev + (name === 'cookie' ? '; ' : ', ') + raw[i + 1]!);
      }
      this.#headers = map;
    }
    return this.#headers;
  }

  /** True when the request carries a body (of unknown length, or a non-zero one). */
  get hasBody(): boolean {
    return this.#head.contentLength !== 0;
  }

  /** True once every body byte has arrived from the peer. */
  get bodyComplete(): boolean {
    return this.#ended;
  }

  /** True once a handler has asked for the body. */
  get bodyRequested(): boolean {
    return this.#stream !== null;
  }

  /** The body as a stream. The first call sends "100 Continue" when the client is waiting for it. */
  get body(): Readable {
    if (this.#stream !== null) return this.#stream;
    const stream = new Readable({
      highWaterMark: 64 * 1024,
      read: () => this.#source.resumeReading(),
    });
    this.#stream = stream;
    if (this.#error !== null) {
      stream.destroy(this.#error);
      return stream;
    }
    if (!this.#ended) this.#source.sendContinue();
    const queued = this.#queued;
    this.#queued = null;
    if (queued !== null) for (const chunk of queued) stream.push(chunk);
    if (this.#ended) stream.push(null);
    else this.#source.resumeReading();
    return stream;
  }

  /** Reads the whole body into memory; refuses (413) past maxBytes. */
  async buffer(maxBytes = 1024 * 1024): Promise<Buffer> {
    if (this.contentLength > maxBytes) throw new HttpError(413, `Request body larger than ${maxBytes} bytes`);
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw new HttpError(413, `Request body larger than ${maxBytes} bytes`);
      parts.push(chunk);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  async text(maxBytes?: number): Promise<string> {
    return (await this.buffer(maxBytes)).toString('utf8');
  }

  async json(maxBytes?: number): Promise<unknown> {
    const text = await this.text(maxBytes);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpError(400, 'Request body is not valid JSON');
    }
  }

  // ---- fed by the connection ----

  /** @internal a body chunk from the parser */
  pushBody(chunk: Buffer): void {
    if (this.#discarding) return;
    if (this.#stream !== null) {
      if (!this.#stream.push(chunk)) this.#source.pauseReading();
      return;
    }
    (this.#queued ??= []).push(chunk);
    this.#source.pauseReading();
  }

  /** @internal the body is complete */
  endBody(): void {
    this.#ended = true;
    if (this.#stream !== null && !this.#discarding) this.#stream.push(null);
  }

  /** @internal the body failed (bad chunk, peer gone, timeout) */
  failBody(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    this.#queued = null;
    if (this.#stream !== null) this.#stream.destroy(error);
  }

  /** @internal the response is done and nobody will read the rest: drop it as it arrives */
  discardBody(): void {
    this.#discarding = true;
    this.#queued = null;
    if (this.#stream !== null && !this.#stream.destroyed) {
      this.#stream.removeAllListeners('data');
      this.#stream.resume();
    }
    this.#source.resumeReading();
  }
}
