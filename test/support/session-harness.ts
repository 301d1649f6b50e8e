// Drives the sans-IO HTTP/2 ServerSession in tests: builds client byte strings with our frame writer
// and HPACK encoder (or raw literal blocks, for what our encoder will not send), feeds them whole or
// byte by byte, records every callback as plain data, and reads the session's output back with the
// frame parser (client role) and an HPACK decoder.

import { FrameParser } from '../../src/http2/frame-parser.ts';
import { dataFrame, goawayFrame, headersFrames, pingFrame, rstStreamFrame, settingsAckFrame, settingsFrame, windowUpdateFrame } from '../../src/http2/frame-writer.ts';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackEncoder } from '../../src/http2/hpack/encoder.ts';
import { CLIENT_PREFACE } from '../../src/http2/preface.ts';
import { type ServerSessionOptions, ServerSession, type ServerStream, type SessionCallbacks } from '../../src/http2/session.ts';
import type { SettingsUpdate } from '../../src/http2/settings.ts';
import { bytewise } from './parser-harness.ts';

export { bytewise };

export type SessionEvent =
  | { type: 'request'; id: number; method: string; scheme: string; authority: string; path: string; fields: string[]; endStream: boolean }
  | { type: 'data'; id: number; data: string }
  | { type: 'trailers'; id: number; fields: string[] }
  | { type: 'end'; id: number }
  | { type: 'reset'; id: number; code: number }
  | { type: 'close'; id: number }
  | { type: 'goaway'; lastStreamId: number; code: number }
  | { type: 'conn-error'; code: number; reason: string }
  | { type: 'settings-acked' }
  | { type: 'drained' };

/** What the server sent, decoded: header blocks as field lists. */
export type OutFrame =
  | { type: 'settings'; settings: SettingsUpdate }
  | { type: 'settings-ack' }
  | { type: 'headers'; id: number; endStream: boolean; fields: string[] }
  | { type: 'data'; id: number; data: Buffer; endStream: boolean }
  | { type: 'rst'; id: number; code: number }
  | { type: 'ping'; data: string; ack: boolean }
  | { type: 'goaway'; lastStreamId: number; code: number; debug: string }
  | { type: 'window-update'; id: number; increment: number }
  | { type: 'error'; reason: string };

export const REQUEST = (path = '/', method = 'GET', extra: string[] = []): string[] => [':method', method, ':scheme', 'http', ':authority', 'example.test', ':path', path, ...extra];

/** A client: byte strings for a conversation, with its own HPACK encoder (names lower-cased). */
export class TestClient {
  readonly #encoder = new HpackEncoder();

  preface(settings: SettingsUpdate = {}): Buffer {
    return Buffer.concat([CLIENT_PREFACE, settingsFrame(settings)]);
  }

  headers(id: number, fields: string[], endStream = true, maxFrameSize = 16_384): Buffer {
    return headersFrames(id, this.#encoder.encode(fields), { maxFrameSize, endStream });
  }

  /** HEADERS whose block is raw literals (any name, any case, any value), no indexing. */
  rawHeaders(id: number, fields: string[], endStream = true): Buffer {
    return headersFrames(id, literalBlock(fields), { maxFrameSize: 16_384, endStream });
  }

  data(id: number, body: Buffer | string, endStream = false, padLength?: number): Buffer {
    const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
    return dataFrame(id, b, padLength === undefined ? { endStream } : { endStream, padLength });
  }

  rst = (id: number, code: number): Buffer => rstStreamFrame(id, code);
  windowUpdate = (id: number, inc: number): Buffer => windowUpdateFrame(id, inc);
  settings = (s: SettingsUpdate): Buffer => settingsFrame(s);
  settingsAck = (): Buffer => settingsAckFrame();
  ping = (data = 'pingpong', ack = false): Buffer => pingFrame(Buffer.from(data, 'latin1'), ack);
  goaway = (last: number, code: number): Buffer => goawayFrame(last, code);
}

/** RFC 7541 §6.2.2 literal without indexing, new name, no Huffman: for fields our encoder normalises. */
export function literalBlock(fields: string[]): Buffer {
  const parts: Buffer[] = [];
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'latin1');
    if (b.length >= 127) {
      const len: number[] = [0x7f];
      let n = b.length - 127;
      while (n >= 128) {
        len.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      len.push(n);
      return Buffer.concat([Buffer.from(len), b]);
    }
    return Buffer.concat([Buffer.from([b.length]), b]);
  };
  for (let i = 0; i + 1 < fields.length; i += 2) parts.push(Buffer.from([0x00]), str(fields[i]!), str(fields[i + 1]!));
  return Buffer.concat(parts);
}

export interface HarnessOptions extends ServerSessionOptions {
  /** What the handler does with a request (default: nothing, the test drives the stream). */
  onRequest?: (stream: ServerStream, h: Harness) => void;
  /** Call consumed() for every body chunk as it arrives (default true). */
  autoConsume?: boolean;
}

/** A session with recording callbacks, its streams by id, and a decoder for its output. */
export class Harness {
  readonly session: ServerSession;
  readonly events: SessionEvent[] = [];
  readonly streams = new Map<number, ServerStream>();
  readonly bodies = new Map<number, Buffer[]>();
  readonly writable: number[] = [];
  readonly #frames: OutFrame[] = [];
  readonly #parser: FrameParser;
  readonly #decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });

  constructor(options: HarnessOptions = {}) {
    const autoConsume = options.autoConsume ?? true;
    const ev = (e: SessionEvent): void => {
      this.events.push(e);
    };
    const callbacks: SessionCallbacks = {
      onRequest: (stream, head) => {
        this.streams.set(stream.id, stream);
        ev({ type: 'request', id: stream.id, method: head.method, scheme: head.scheme, authority: head.authority, path: head.path, fields: head.fields, endStream: head.endStream });
        options.onRequest?.(stream, this);
      },
      onData: (stream, chunk) => {
        ev({ type: 'data', id: stream.id, data: chunk.toString('latin1') });
        const list = this.bodies.get(stream.id) ?? [];
        list.push(Buffer.from(chunk));
        this.bodies.set(stream.id, list);
        if (autoConsume) stream.consumed(chunk.length);
      },
      onTrailers: (stream, fields) => ev({ type: 'trailers', id: stream.id, fields }),
      onEnd: (stream) => ev({ type: 'end', id: stream.id }),
      onStreamReset: (stream, code) => ev({ type: 'reset', id: stream.id, code }),
      onStreamClose: (stream) => ev({ type: 'close', id: stream.id }),
      onWritable: (stream) => this.writable.push(stream.id),
      onGoaway: (lastStreamId, code) => ev({ type: 'goaway', lastStreamId, code }),
      onConnectionError: (code, reason) => ev({ type: 'conn-error', code, reason }),
      onSettingsAcked: () => ev({ type: 'settings-acked' }),
      onDrained: () => ev({ type: 'drained' }),
    };
    const { onRequest: _r, autoConsume: _a, ...sessionOptions } = options;
    this.session = new ServerSession(sessionOptions, callbacks);
    this.#parser = new FrameParser({ role: 'client', maxFrameSize: 16_777_215, maxHeaderBlockBytes: 1 << 24, maxContinuationFrames: 1 << 20 }, {
      onData: (id, data, endStream) => this.#frames.push({ type: 'data', id, data: Buffer.from(data), endStream }),
      onHeaders: (e) => {
        const fields = this.#decoder.decode(e.block);
        if (!Array.isArray(fields)) throw new Error(`server sent an undecodable block: ${fields.message}`);
        this.#frames.push({ type: 'headers', id: e.streamId, endStream: e.endStream, fields });
      },
      onPriority: () => {},
      onRstStream: (id, code) => this.#frames.push({ type: 'rst', id, code }),
      onSettings: (settings) => this.#frames.push({ type: 'settings', settings }),
      onSettingsAck: () => this.#frames.push({ type: 'settings-ack' }),
      onPushPromise: () => {
        throw new Error('server pushed');
      },
      onPing: (data, ack) => this.#frames.push({ type: 'ping', data: data.toString('latin1'), ack }),
      onGoaway: (lastStreamId, code, debug) => this.#frames.push({ type: 'goaway', lastStreamId, code, debug: debug.toString('latin1') }),
      onWindowUpdate: (id, increment) => this.#frames.push({ type: 'window-update', id, increment }),
      onError: (e) => this.#frames.push({ type: 'error', reason: e.reason }),
    });
  }

  /** Feeds bytes to the session, whole or one byte at a time. */
  feed(input: Buffer, bytes = false): this {
    if (bytes) for (const b of bytewise(input)) this.session.receive(b);
    else this.session.receive(input);
    return this;
  }

  /** Drains the session's output (every takeOutput until null) and returns the frames it holds. */
  out(): OutFrame[] {
    for (let i = 0; i < 10_000; i++) {
      const bufs = this.session.takeOutput();
      if (bufs === null) break;
      for (const b of bufs) this.#parser.push(b);
    }
    return this.#frames.splice(0);
  }

  body(id: number): Buffer {
    return Buffer.concat(this.bodies.get(id) ?? []);
  }
}

/** Frames of one type, for assertions. */
export const ofType = <T extends OutFrame['type']>(frames: OutFrame[], type: T): Extract<OutFrame, { type: T }>[] =>
  frames.filter((f): f is Extract<OutFrame, { type: T }> => f.type === type);

/** The preface plus SETTINGS ACK a well-behaved client sends before its requests. */
export function opening(client: TestClient, settings: SettingsUpdate = {}): Buffer {
  return Buffer.concat([client.preface(settings), client.settingsAck()]);
}
