// What the request parser reports and what bounds it: the head of a request, the sink that receives
// the parser's events, and the limits (with the engine's defaults).

import type { ParseError } from './errors.ts';
import type { TargetForm } from './target.ts';

export interface RequestHead {
  method: string;
  target: string;
  targetForm: TargetForm;
  versionMajor: number;
  versionMinor: number;
  /** "1.1" or "1.0": the version as logs show it (1.x above 1 is handled as 1.1, RFC 9110 §6.2). */
  httpVersion: '1.0' | '1.1';
  /** Field lines as received: name, value, name, value, … (values trimmed of OWS). */
  rawHeaders: string[];
  /** -1 when the body is chunked; 0 when there is none. */
  contentLength: number;
  chunked: boolean;
  keepAlive: boolean;
  /** The Expect field value, lower-cased, or '' when absent. */
  expect: string;
  /** The Host field value ('' when absent). */
  host: string;
}

export interface ParserSink {
  onHead(head: RequestHead): void;
  onData(chunk: Buffer): void;
  onTrailers(rawTrailers: string[]): void;
  onEnd(): void;
  onError(error: ParseError): void;
}

/**
 * Sees each line of a request head as it is parsed, before it is checked: the request line, every
 * field line and the empty line that ends the head, as bytes [start, end) of buf without the LF
 * (with the CR when the line had one). How `--trace` shows a learner the exact bytes, refused ones
 * too; set only while someone watches.
 */
export interface HeadTap {
  headLine(buf: Buffer, start: number, end: number): void;
}

export interface ParserLimits {
  /** Longest request line accepted, in bytes (414 beyond). */
  maxRequestLineBytes: number;
  /** Largest header section (field lines and their CRLFs), in bytes (431 beyond); trailers too. */
  maxHeaderBytes: number;
  /** Most field lines accepted (431 beyond); trailers too. */
  maxHeaderCount: number;
  /** Largest body accepted, in bytes (413 beyond, answered before the body is read). */
  maxBodyBytes: number;
  /**
   * A request line that begins with a TLS handshake record (0x16) is a client speaking TLS to a
   * plain port: say so ("use http://"). Off inside TLS, where it is just an invalid method.
   */
  tlsHandshakeHint: boolean;
}

export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = {
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: 10 * 1024 * 1024,
  tlsHandshakeHint: true,
};
