// What a Response needs from the protocol it is sent over. Response keeps what a handler sees
// (status, fields, body counting, streams and backpressure) and the semantic decisions of RFC 9110
// (which statuses carry no content, the declared length); a wire turns them into bytes: the HTTP/1.1
// writer (http1-response-writer.ts) renders the head, frames a body of unknown length as chunked or
// close-delimited and writes Connection; another protocol's stream implements the same interface.

import type { Socket } from 'node:net';

/** What a new protocol gets: the raw socket (plain or TLS) and the bytes the client sent after the
 * request that the HTTP parser had already read. It may return hooks the server uses later. */
export type SwitchHandler = (socket: Socket, head: Buffer) => SwitchedProtocol | void;

export interface SwitchedProtocol {
  /** Graceful server shutdown reached this connection: end the protocol politely (a WebSocket
   * sends close 1001). The server destroys the socket when its shutdown deadline passes. */
  shutdown?(): void;
  /** The protocol's name for the status page ('websocket', 'h2'); absent: the one that switched. */
  readonly protocol?: string;
  /** Requests in progress on it (HTTP/2 streams). */
  readonly openStreams?: number;
  /** The server's deadline sweep, with the current time (epoch ms), for the protocol's own timeouts. */
  checkDeadline?(now: number): void;
}

/**
 * Header fields known before the request, rendered once (per cached file, say) for every wire:
 * `fields` flat (name, value, …) for a wire that encodes fields itself, `lines` the same fields as
 * HTTP/1.1 "Name: value\r\n" lines, copied as they are into an HTTP/1.1 head.
 */
export class PreparedFields {
  readonly fields: readonly string[];
  readonly lines: string;

  constructor(fields: readonly string[]) {
    let lines = '';
    for (let i = 0; i < fields.length; i += 2) lines += `${fields[i]}: ${fields[i + 1]}\r\n`;
    this.fields = Object.freeze(fields.slice());
    this.lines = lines;
  }

  /** The same fields followed by `more` (name, value, …). */
  concat(more: readonly string[]): PreparedFields {
    return more.length === 0 ? this : new PreparedFields([...this.fields, ...more]);
  }
}

// Flags of ResponseWire#sendHead: what Response decided about the message.
/** No content follows (HEAD, 1xx, 204, 304: RFC 9110 §6.4.1). */
export const HEAD_NO_BODY = 1;
/** The body follows by writeBody() calls and its length is not known (no Content-Length). */
export const HEAD_STREAMED = 2;
/** The handler asked for the connection to close after this response (Connection: close). */
export const HEAD_CLOSE = 4;

/** What a wire reads of the Response it writes (its final head). */
export interface WireResponse {
  readonly status: number;
  /** The handler's fields (name, value, …) as set. */
  readonly headerList: readonly string[];
}

export interface ResponseWire {
  /** True once the peer is gone: a body producer should stop. */
  readonly closed: boolean;
  /** True when every body byte written so far has left the process. */
  readonly flushed: boolean;
  /** Calls back when more body can be written (immediately when it can now). */
  onDrain(callback: () => void): void;
  /**
   * Sends the final head of `res` (its status and headerList, less the fields dropsField names), plus `length` as Content-Length when non-empty and `prepared` fields after
   * the handler's. `body` is the complete content (empty for none), sent with the head; null when the
   * content follows in writeBody() calls. Returns whether the connection stays open afterwards.
   */
  sendHead(res: WireResponse, flags: number, length: string, prepared: PreparedFields | string | null, body: Buffer | null): boolean;
  /** A piece of content after sendHead(HEAD_STREAMED or a declared length); false: wait for onDrain. */
  writeBody(data: Buffer): boolean;
  /** The content is complete (after sendHead without a body), with `last` as its last piece and
   * `trailers` (name, value, …; checked by the caller) as the trailer section where the framing
   * has one (HTTP/1.1 chunked, HTTP/2), else dropped (RFC 9110 §6.5). */
  endBody(last: Buffer | null, trailers?: readonly string[] | null): void;
  /** An interim (1xx) response with the given fields (name, value, …), checked by the caller. */
  inform(status: number, fields: readonly string[]): void;
  /** Hold writes back until the matching uncork, then send them in one go (Response#cork). */
  cork?(): void;
  uncork?(): void;
  /** The response is complete (all bytes handed to the peer). */
  finish(res: WireResponse): void;
  /** Something went wrong after the head was sent: the only honest answer is to end the message. */
  abort(error: Error): void;
  /** Writes 101 with `fields` (name, value, …; Upgrade among them) and hands the connection to
   * another protocol (RFC 9110 §7.8); throws when it cannot. Absent on wires that cannot switch. */
  switchProtocols?(res: WireResponse, protocols: readonly string[], fields: readonly string[], onSwitch: SwitchHandler): void;
}

/** The name lower-cased when it may be one of the framing fields the engine decides (Connection,
 * Content-Length, Transfer-Encoding: by length, without lower-casing any other name), else ''. */
export function framingName(name: string): string {
  return name.length === 10 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
}

/** Whether a handler's field (given framingName of it) is left out of the head: framing and
 * Connection are the engine's (RFC 9112 §6.1, §9.6; RFC 9113 §8.2.2 forbids connection-specific
 * fields), and there is no Content-Length in a 1xx or 204 (RFC 9110 §8.6) nor beside prepared fields. */
export function dropsField(lower: string, status: number, prepared: boolean): boolean {
  if (lower === 'connection' || lower === 'transfer-encoding') return true;
  return lower === 'content-length' && (prepared || status < 200 || status === 204);
}
