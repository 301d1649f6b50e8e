// The HTTP/2 side of a Response (RFC 9113 §8.1–§8.3): the head becomes one HEADERS frame (and
// CONTINUATION) through the session's HPACK encoder, the body DATA frames on the same stream. There
// is no framing to decide: a body of unknown length simply ends with END_STREAM (§8.1), so no chunked
// coding, and no Connection field, which HTTP/2 forbids (§8.2.2). One wire per stream: unlike
// HTTP/1.1, many responses of one connection are in progress at once.

import type { ServerStream } from '../http2/session.ts';
import { currentHttpDate } from './date-header.ts';
import { dropsField, framingName, HEAD_NO_BODY, type PreparedFields, type ResponseWire, type WireResponse } from './response-wire.ts';
import { h2HeadText, type ExchangeTrace } from '../trace/exchange-trace.ts';
import { statusForbidsBody } from '../http1/status.ts';

/** What a stream's wire needs from the exchange it belongs to (http2-connection.ts). */
export interface Http2WireHost {
  readonly stream: ServerStream;
  readonly serverName: string;
  /** The stream was reset or the connection closed: nothing written arrives any more. */
  readonly gone: boolean;
  /** The socket holds no unwritten bytes. */
  readonly socketFlushed: boolean;
  /** The exchange's record while someone watches, else null. */
  readonly trace: ExchangeTrace | null;
  onDrain(callback: () => void): void;
  finish(res: WireResponse): void;
  abort(error: Error): void;
}

/** Appends HTTP/1.1 field lines ("Name: value\r\n" …) as name, value pairs. */
function pushLines(out: string[], lines: string): void {
  let at = 0;
  while (at < lines.length) {
    const eol = lines.indexOf('\r\n', at);
    const end = eol === -1 ? lines.length : eol;
    const colon = lines.indexOf(':', at);
    if (colon > at && colon < end) out.push(lines.slice(at, colon), lines.slice(colon + 1, end).trim());
    at = end + 2;
  }
}

export class Http2ResponseWire implements ResponseWire {
  readonly #host: Http2WireHost;
  #ended = false;

  constructor(host: Http2WireHost) {
    this.#host = host;
  }

  get closed(): boolean {
    return this.#host.gone;
  }

  get flushed(): boolean {
    return this.#host.stream.bufferedAmount === 0 && this.#host.socketFlushed;
  }

  onDrain(callback: () => void): void {
    this.#host.onDrain(callback);
  }

  sendHead(res: WireResponse, flags: number, length: string, prepared: PreparedFields | string | null, body: Buffer | null): boolean {
    const fields = this.#fields(res, length, prepared);
    const stream = this.#host.stream;
    const trace = this.#host.trace;
    if (trace !== null) {
      trace.responseHead(h2HeadText(res.status, fields), performance.now());
      if ((flags & HEAD_NO_BODY) === 0) trace.decide('h2-framing');
      else if (statusForbidsBody(res.status)) trace.decide('no-content-status', res.status);
      else trace.decide('no-content-head');
      if (body !== null) trace.body(body);
    }
    // HEAD, 204, 304, or a body known to be empty: the head ends the stream (§8.1).
    if ((flags & HEAD_NO_BODY) !== 0 || (body !== null && body.length === 0)) {
      this.#ended = true;
      stream.respond(res.status, fields, { endStream: true });
      return true;
    }
    if (!stream.respond(res.status, fields)) return true; // reset meanwhile: Response sees `closed`
    if (body !== null) {
      this.#ended = true;
      stream.write(body);
      stream.end();
    }
    // HTTP/2 has no per-response connection decision: the connection outlives every stream.
    return true;
  }

  writeBody(data: Buffer): boolean {
    if (this.#ended || this.#host.gone) return false;
    this.#host.trace?.body(data);
    return this.#host.stream.write(data);
  }

  endBody(last: Buffer | null, trailers: readonly string[] | null = null): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#host.gone) return;
    if (last !== null) {
      this.#host.trace?.body(last);
      this.#host.stream.write(last);
    }
    // §8.1: trailers are a HEADERS frame with END_STREAM after the DATA.
    this.#host.stream.end(trailers ?? undefined);
  }

  inform(status: number, fields: readonly string[]): void {
    this.#host.trace?.interim(h2HeadText(status, fields));
    if (!this.#host.gone) this.#host.stream.respond(status, fields);
  }

  finish(res: WireResponse): void {
    this.#host.finish(res);
  }

  abort(error: Error): void {
    this.#ended = true;
    this.#host.abort(error);
  }

  /** The head's fields: Date and Server (the engine's, as in HTTP/1.1), the handler's less those
   * dropsField names, our Content-Length, then the prepared ones. Names are lower-cased, and
   * connection-specific fields left out, by the session (§8.2.2). */
  #fields(res: WireResponse, length: string, prepared: PreparedFields | string | null): string[] {
    const out: string[] = ['date', currentHttpDate()];
    const server = this.#host.serverName;
    if (server !== '') out.push('server', server);
    const list = res.headerList;
    const status = res.status;
    const hasPrepared = prepared !== null;
    for (let i = 0; i < list.length; i += 2) {
      if (dropsField(framingName(list[i]!), status, hasPrepared)) continue;
      out.push(list[i]!, list[i + 1]!);
    }
    if (length !== '') out.push('content-length', length);
    if (prepared !== null) {
      if (typeof prepared === 'string') pushLines(out, prepared);
      else for (const f of prepared.fields) out.push(f);
    }
    return out;
  }
}
