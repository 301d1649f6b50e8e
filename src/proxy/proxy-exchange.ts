// One try of a proxied request on one backend connection: the sink of its exchange, which passes
// the backend's response on to the client. One object per try, its methods the sink's events (no
// closures made per request).
//
// The body goes out read by read: the chunks of one backend read are held until the parser is done
// with it, then written together, corked with the head when it has not gone yet (one writev, not a
// write each). A small body of known length is gathered whole and sent with its head in one write.
// The chunks are views of the connection's read buffer (read-buffer.ts): onReadEnd says whether any
// is still queued or gathered, and the buffer is then left to them.

import type { Request } from '../server/request.ts';
import type { Response, HeaderValue } from '../server/response.ts';
import type { Logger } from '../log/logger.ts';
import type { ResponseHead } from '../http1/response-parser.ts';
import type { Backend } from './backend.ts';
import { UpstreamError, type ExchangeSink, type UpstreamConnection } from './upstream-connection.ts';
import { downstreamResponseFields } from './forward-head.ts';

const EMPTY = Buffer.alloc(0);
// Responses up to this length are gathered whole before they go to the client (one write). Past
// it the body streams as it comes: gathering 100 KiB cost a copy of it (Buffer.concat was 12% of
// the proxy's CPU at 100 KiB), while a body this small usually arrives in the head's own read.
const MAX_GATHERED_BODY_BYTES = 32 * 1024;

/** What an exchange needs of its route. */
export interface ExchangeContext {
  /** The route's path, for log lines. */
  readonly path: string;
  readonly viaName: string;
  readonly logger: Logger;
  /** A 101 to an Upgrade: the route joins the two connections. */
  tunnel(conn: UpstreamConnection, head: ResponseHead, req: Request, res: Response, backend: Backend): void;
}

export type ExchangeOutcome = 'done' | UpstreamError;

export class ProxyExchange implements ExchangeSink {
  readonly #ctx: ExchangeContext;
  readonly #backend: Backend;
  readonly #conn: UpstreamConnection;
  readonly #req: Request;
  readonly #res: Response;
  readonly #upgrade: string | null;
  readonly #resolve: (outcome: ExchangeOutcome) => void;
  #status = 0;
  #settled = false;
  // Body chunks of the read being parsed (or, gathering, all of them so far). null: no body.
  #held: Buffer[] | null = null;
  #gather = false;

  constructor(ctx: ExchangeContext, backend: Backend, conn: UpstreamConnection, req: Request, res: Response, upgrade: string | null, resolve: (outcome: ExchangeOutcome) => void) {
    this.#ctx = ctx;
    this.#backend = backend;
    this.#conn = conn;
    this.#req = req;
    this.#res = res;
    this.#upgrade = upgrade;
    this.#resolve = resolve;
  }

  onInform(status: number, fields: string[]): void {
    // 100 Continue is ours to send (when the body is read); 1xx to a 1.0 client never.
    if (status === 100 || status === 101 || this.#req.httpVersion === '1.0' || this.#res.headersSent) return;
    try {
      this.#res.inform(status, toRecord(downstreamResponseFields(fields, this.#ctx.viaName)));
    } catch {
      // an interim response is advice: one we cannot pass on is dropped
    }
  }

  onHead(h: ResponseHead): void {
    this.#status = h.status;
    if (h.status === 101 && this.#upgrade !== null) {
      this.#ctx.tunnel(this.#conn, h, this.#req, this.#res, this.#backend);
      this.#backend.succeeded(101);
      this.#settle('done');
      return;
    }
    if (h.status === 101) {
      this.#settle(new UpstreamError('protocol', `${this.#backend.target.url} switched protocols without being asked`, true, false));
      this.#conn.abort();
      return;
    }
    sendHead(this.#res, h, this.#ctx.viaName);
    if (h.framing === 'none' || (h.framing === 'length' && h.contentLength === 0)) return;
    this.#held = [];
    // A small body of known length is gathered and sent with its head in one write (as nginx
    // buffers responses); its size bounds the memory. Any other body goes out read by read, the
    // head with the first (a stream such as SSE must not wait for its next event).
    this.#gather = h.framing === 'length' && h.contentLength <= MAX_GATHERED_BODY_BYTES;
  }

  onData(chunk: Buffer): void {
    if (this.#res.aborted) {
      this.#conn.abort();
      this.#settle('done');
      return;
    }
    this.#held?.push(chunk);
  }

  onReadEnd(): boolean {
    const held = this.#held;
    const res = this.#res;
    if (held !== null && !this.#gather && !this.#settled && !res.finished && !res.aborted && (held.length > 0 || !res.headersSent)) {
      // write() says false for any write past the socket's highWaterMark even when the kernel took
      // it all at once (the usual case on a fast client): only bytes really queued make us wait.
      if (!this.#writeHeld() && !res.flushed) this.#waitForClient();
    }
    // The chunks of this read are views of the connection's read buffer: it may be read into again
    // only once they are gathered nowhere and the client socket has them all.
    return (this.#held !== null && this.#held.length > 0) || !res.flushed;
  }

  onTrailers(fields: string[]): void {
    // Passed on where the client's framing has a place for them (chunked, HTTP/2); fields that may
    // not be trailers (RFC 9110 §6.5.1) are dropped, one by one.
    for (let i = 0; i < fields.length; i += 2) {
      try {
        this.#res.addTrailers({ [fields[i]!]: fields[i + 1]! });
      } catch {
        // not a field a trailer may carry
      }
    }
  }

  onEnd(): void {
    const res = this.#res;
    this.#backend.succeeded(this.#status);
    if (!res.finished && !res.headersSent && this.#status === 101) return this.#settle('done');
    const last = this.#held;
    this.#held = null;
    if (!res.finished) {
      if (last === null || last.length === 0) res.end();
      // A response that came whole (gathered, or in one read) goes out as one write: head and
      // body, framed by its length.
      else if (this.#gather || !res.headersSent) res.end(last.length === 1 ? last[0]! : Buffer.concat(last));
      else {
        // The last read's chunks and the end of the body in one write.
        res.cork();
        try {
          for (let i = 0; i < last.length; i++) res.write(last[i]!);
          res.end();
        } finally {
          res.uncork();
        }
      }
    }
    this.#settle('done');
  }

  onError(e: UpstreamError): void {
    const res = this.#res;
    if (!res.headersSent) return this.#settle(e);
    // Too late for an error page: the client sees the connection close mid-body.
    if (!res.finished) res.abort(e);
    if (e.kind !== 'client') {
      this.#backend.failed(Date.now());
      this.#ctx.logger.warn(`proxy ${this.#ctx.path}: upstream ${this.#backend.target.url} failed mid-response for ${this.#req.method} ${this.#req.target}: ${e.message}`);
    }
    this.#settle('done');
  }

  /** Writes the held chunks (and the head, when it has not gone yet); true unless the client is full. */
  #writeHeld(): boolean {
    const chunks = this.#held!;
    const res = this.#res;
    let ok = true;
    res.cork();
    try {
      if (!res.headersSent) res.write(EMPTY);
      for (let i = 0; i < chunks.length; i++) ok = res.write(chunks[i]!);
    } finally {
      res.uncork();
    }
    this.#held = [];
    return ok;
  }

  /** The client's socket holds bytes back: the backend is not read until it has taken them. */
  #waitForClient(): void {
    const conn = this.#conn;
    conn.pause();
    void this.#res.drained().then(() => {
      if (!this.#res.aborted) return conn.resume();
      conn.abort();
      this.#settle('done');
    });
  }

  #settle(outcome: ExchangeOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#backend.active--;
    this.#resolve(outcome);
  }
}

/** The backend's status and fields, as ours (hop-by-hop dropped, Via added) with its framing. */
function sendHead(res: Response, h: ResponseHead, viaName: string): void {
  res.status = h.status;
  const fields = downstreamResponseFields(h.rawHeaders, viaName);
  for (let i = 0; i < fields.length; i += 2) res.appendHeader(fields[i]!, fields[i + 1]!);
  if (h.framing === 'length') res.setHeader('Content-Length', h.contentLength);
  else if (h.framing === 'none') {
    // HEAD and 304 keep the length the backend announced (RFC 9110 §8.6); 204 has none.
    const cl = h.rawHeaders.findIndex((n, i) => i % 2 === 0 && n.toLowerCase() === 'content-length');
    if (cl !== -1 && h.status !== 204) res.setHeader('Content-Length', h.rawHeaders[cl + 1]!.split(',')[0]!.trim());
  }
}

/** Fields (name, value, …) as a record for inform() and switchProtocols(). */
export function toRecord(fields: readonly string[]): Record<string, HeaderValue> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < fields.length; i += 2) (out[fields[i]!] ??= []).push(fields[i + 1]!);
  return out;
}
