// A raw TCP client for wire tests: connect, write bytes, and read responses back with a small,
// strict response reader of our own (RFC 9112 §4 status line, §5 field lines, §6 framing, §7.1
// chunked). Strict means the reader throws on anything a conforming server must not send: a bare LF,
// a malformed status line or field line, Content-Length with Transfer-Encoding, a bad chunk.

import { connect as netConnect, type Socket } from 'node:net';

export interface RawResponse {
  version: string;
  status: number;
  reason: string;
  /** Field lines as received, in order. */
  headers: Array<[string, string]>;
  /** The status line and field lines exactly as received (without the final blank line). */
  head: string;
  body: Buffer;
  /** Body length (also counted when the body went to a bodySink instead of `body`). */
  bodyLength: number;
  chunked: boolean;
  /** True when the body was delimited by the connection closing (no length, not chunked). */
  closeDelimited: boolean;
  trailers: Array<[string, string]>;
  /** One field's value; repeated fields joined with ", ". */
  header(name: string): string | undefined;
  /** How many field lines carry this name. */
  headerCount(name: string): number;
  readonly text: string;
}

export interface ReadOptions {
  /** The request method this response answers (HEAD responses have no body). Default GET. */
  method?: string;
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Receive body bytes here instead of collecting them (for very large bodies). */
  bodySink?: (chunk: Buffer) => void;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^(HTTP\/1\.[01]) ([1-9]\d\d) ([\t \x21-\x7e\x80-\xff]*)$/;

export class ResponseFormatError extends Error {}

/** A FIFO of received chunks read by the response reader without concatenating bodies. */
class ByteQueue {
  chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Takes one CRLF-terminated line (without CRLF), or null when no complete line is buffered. */
  line(maxBytes: number): string | null {
    for (;;) {
      const first = this.chunks[0];
      if (first === undefined) return null;
      const lf = first.indexOf(0x0a);
      if (lf === -1) {
        if (first.length > maxBytes) throw new ResponseFormatError(`line longer than ${maxBytes} bytes`);
        if (this.chunks.length < 2) return null;
        // Join the first two chunks: lines are short, so this stays cheap.
        this.chunks.splice(0, 2, Buffer.concat([first, this.chunks[1]!]));
        continue;
      }
      if (lf === 0 || first[lf - 1] !== 0x0d) throw new ResponseFormatError(`bare LF in ${JSON.stringify(first.subarray(0, lf + 1).toString('latin1'))}`);
      const text = first.toString('latin1', 0, lf - 1);
      if (text.includes('\r')) throw new ResponseFormatError(`bare CR in ${JSON.stringify(text)}`);
      this.#drop(lf + 1);
      return text;
    }
  }

  /** Takes up to n bytes as views. */
  take(n: number): Buffer[] {
    const out: Buffer[] = [];
    while (n > 0 && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        out.push(first);
        this.chunks.shift();
        this.length -= first.length;
        n -= first.length;
      } else {
        out.push(first.subarray(0, n));
        this.#drop(n);
        n = 0;
      }
    }
    return out;
  }

  #drop(n: number): void {
    const first = this.chunks[0]!;
    if (n === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= n;
  }
}

const RS = {
  HEAD: 0,
  LENGTH: 1,
  CHUNK_SIZE: 2,
  CHUNK_DATA: 3,
  CHUNK_CRLF: 4,
  TRAILERS: 5,
  UNTIL_CLOSE: 6,
  DONE: 7,
} as const;
type ReaderState = (typeof RS)[keyof typeof RS];

/** Parses one response incrementally from a ByteQueue. */
class ResponseReader {
  state: ReaderState = RS.HEAD;
  readonly #method: string;
  readonly #sink: ((chunk: Buffer) => void) | undefined;
  #statusLine: { version: string; status: number; reason: string } | null = null;
  #headLines: string[] = [];
  #headers: Array<[string, string]> = [];
  #trailers: Array<[string, string]> = [];
  #body: Buffer[] = [];
  #bodyLength = 0;
  #remaining = 0;
  #chunked = false;
  #closeDelimited = false;

  constructor(method: string, sink: ((chunk: Buffer) => void) | undefined) {
    this.#method = method;
    this.#sink = sink;
  }

  /** Advances as far as the buffered bytes allow; returns the response once complete. */
  step(q: ByteQueue, ended: boolean): RawResponse | null {
    for (;;) {
      switch (this.state) {
        case RS.HEAD: {
          const line = q.line(64 * 1024);
          if (line === null) return null;
          if (this.#statusLine === null) {
            const m = STATUS_LINE.exec(line);
            if (m === null) throw new ResponseFormatError(`malformed status line ${JSON.stringify(line)}`);
            this.#statusLine = { version: m[1]!, status: Number(m[2]), reason: m[3]! };
            this.#headLines.push(line);
            continue;
          }
          if (line === '') {
            this.#startBody();
            continue;
          }
          this.#headLines.push(line);
          this.#headers.push(fieldLine(line));
          continue;
        }
        case RS.LENGTH: {
          if (this.#remaining > 0) {
            if (q.length === 0) {
              if (ended) throw new ResponseFormatError(`connection closed with ${this.#remaining} body bytes missing`);
              return null;
            }
            for (const part of q.take(this.#remaining)) this.#addBody(part);
          }
          if (this.#remaining === 0) this.state = RS.DONE;
          continue;
        }
        case RS.CHUNK_SIZE: {
          const line = q.line(4096);
          if (line === null) return this.#needMore(ended);
          const m = /^([0-9a-fA-F]+)(;.*)?$/.exec(line);
          if (m === null) throw new ResponseFormatError(`malformed chunk size line ${JSON.stringify(line)}`);
          const size = parseInt(m[1]!, 16);
          if (size === 0) this.state = RS.TRAILERS;
          else {
            this.#remaining = size;
            this.state = RS.CHUNK_DATA;
          }
          continue;
        }
        case RS.CHUNK_DATA: {
          if (q.length === 0) return this.#needMore(ended);
          for (const part of q.take(this.#remaining)) this.#addBody(part);
          if (this.#remaining === 0) this.state = RS.CHUNK_CRLF;
          continue;
        }
        case RS.CHUNK_CRLF: {
          const line = q.line(2);
          if (line === null) return this.#needMore(ended);
          if (line !== '') throw new ResponseFormatError('chunk data not followed by CRLF');
          this.state = RS.CHUNK_SIZE;
          continue;
        }
        case RS.TRAILERS: {
          const line = q.line(64 * 1024);
          if (line === null) return this.#needMore(ended);
          if (line === '') this.state = RS.DONE;
          else this.#trailers.push(fieldLine(line));
          continue;
        }
        case RS.UNTIL_CLOSE: {
          for (const part of q.take(q.length)) this.#addBody(part);
          if (!ended) return null;
          this.state = RS.DONE;
          continue;
        }
        case RS.DONE:
          return this.#result();
      }
    }
  }

  #needMore(ended: boolean): null {
    if (ended) throw new ResponseFormatError('connection closed in the middle of a chunked body');
    return null;
  }

  #addBody(part: Buffer): void {
    this.#bodyLength += part.length;
    if (this.state !== RS.UNTIL_CLOSE) this.#remaining -= part.length;
    if (this.#sink !== undefined) this.#sink(part);
    else this.#body.push(part);
  }

  // RFC 9112 §6.3: how the body of a response is delimited.
  #startBody(): void {
    const status = this.#statusLine!.status;
    const te = this.#all('transfer-encoding');
    const cl = this.#all('content-length');
    if (te.length > 0 && cl.length > 0) throw new ResponseFormatError('both Transfer-Encoding and Content-Length');
    if (cl.length > 1) throw new ResponseFormatError('more than one Content-Length');
    if (cl.length === 1 && !/^\d+$/.test(cl[0]!)) throw new ResponseFormatError(`bad Content-Length ${cl[0]}`);
    if (te.length > 0 && te.join(',').trim().toLowerCase() !== 'chunked') throw new ResponseFormatError(`unexpected Transfer-Encoding ${te.join(',')}`);
    if (this.#method === 'HEAD' || status < 200 || status === 204 || status === 304) {
      if ((status < 200 || status === 204) && (te.length > 0 || cl.length > 0)) {
        throw new ResponseFormatError(`${status} response with framing headers`);
      }
      this.state = RS.DONE;
    } else if (te.length > 0) {
      this.#chunked = true;
      this.state = RS.CHUNK_SIZE;
    } else if (cl.length === 1) {
      this.#remaining = Number(cl[0]);
      this.state = RS.LENGTH;
    } else {
      this.#closeDelimited = true;
      this.state = RS.UNTIL_CLOSE;
    }
  }

  #all(name: string): string[] {
    return this.#headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  }

  #result(): RawResponse {
    const { version, status, reason } = this.#statusLine!;
    const headers = this.#headers;
    const body = Buffer.concat(this.#body);
    return {
      version,
      status,
      reason,
      headers,
      head: this.#headLines.join('\r\n'),
      body,
      bodyLength: this.#bodyLength,
      chunked: this.#chunked,
      closeDelimited: this.#closeDelimited,
      trailers: this.#trailers,
      header(name: string) {
        const values = headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
        return values.length === 0 ? undefined : values.join(', ');
      },
      headerCount(name: string) {
        return headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).length;
      },
      get text() {
        return body.toString('utf8');
      },
    };
  }
}

// RFC 9112 §5: field-line = field-name ":" OWS field-value OWS (no obs-fold from a server).
function fieldLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new ResponseFormatError(`field line without a name: ${JSON.stringify(line)}`);
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) throw new ResponseFormatError(`invalid field name ${JSON.stringify(name)}`);
  const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new ResponseFormatError(`control character in ${name}`);
  return [name, value];
}

export class RawClient {
  readonly socket: Socket;
  readonly #queue = new ByteQueue();
  #ended = false;
  #closed = false;
  #error: Error | null = null;
  #waiters: Array<() => void> = [];
  #totalReceived = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#totalReceived += chunk.length;
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', (error) => {
      this.#error = error;
      this.#ended = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#ended = true;
      this.#wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** True once the peer ended its side (FIN), reset, or the socket closed. */
  get ended(): boolean {
    return this.#ended;
  }

  get error(): Error | null {
    return this.#error;
  }

  /** Bytes received so far (all of them, consumed or not). */
  get totalReceived(): number {
    return this.#totalReceived;
  }

  /** Bytes received and not yet consumed by a response read. */
  get buffered(): number {
    return this.#queue.length;
  }

  /** Writes bytes; resolves once they are handed to the kernel. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Reads the next response (interim 1xx responses included). */
  async response(options: ReadOptions = {}): Promise<RawResponse> {
    const reader = new ResponseReader(options.method ?? 'GET', options.bodySink);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const ended = this.#ended;
      const done = reader.step(this.#queue, ended);
      if (done !== null) return done;
      if (ended) {
        if (reader.state === RS.HEAD) {
          const rest = this.#queue.take(this.#queue.length);
          throw new ResponseFormatError(`connection closed before a complete response${rest.length > 0 ? `; unread ${JSON.stringify(Buffer.concat(rest).toString('latin1').slice(0, 200))}` : ''}`);
        }
        continue; // the reader throws or finishes with ended = true
      }
      await this.#next(deadline, 'a response');
    }
  }

  /** Reads n responses in a row (for pipelining); every one answers the same method. */
  async responses(n: number, options: ReadOptions = {}): Promise<RawResponse[]> {
    const out: RawResponse[] = [];
    for (let i = 0; i < n; i++) out.push(await this.response(options));
    return out;
  }

  /** Reads the next final (non-1xx) response, returning the interim ones alongside. */
  async finalResponse(options: ReadOptions = {}): Promise<{ interim: RawResponse[]; response: RawResponse }> {
    const interim: RawResponse[] = [];
    for (;;) {
      const r = await this.response(options);
      if (r.status >= 200) return { interim, response: r };
      interim.push(r);
    }
  }

  /** Waits until the peer closes (FIN or reset); throws after timeoutMs. Returns any unread bytes. */
  async closed(timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) await this.#next(deadline, 'the server to close the connection');
    return Buffer.concat(this.#queue.take(this.#queue.length));
  }

  /** Waits until at least n bytes in total have been received. */
  async received(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#totalReceived < n) {
      if (this.#ended) throw new Error(`connection ended after ${this.#totalReceived} of ${n} bytes`);
      await this.#next(deadline, `${n} bytes`);
    }
  }

  /** Resolves true if the server closes within ms, false if it is still open after ms. */
  async closesWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.#ended) {
      try {
        await this.#next(deadline, '');
      } catch {
        return this.#ended;
      }
    }
    return true;
  }

  /** Closes our side for good. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Half-closes our side (FIN); the server may still answer. */
  end(): void {
    this.socket.end();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #next(deadline: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ms = deadline - Date.now();
      if (ms <= 0) {
        reject(new Error(`timed out waiting for ${what}`));
        return;
      }
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        reject(new Error(`timed out waiting for ${what} (received ${this.#totalReceived} bytes)`));
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push(wake);
    });
  }
}

/** Connects, sends the bytes, and returns the client (for further reads and writes). */
export async function rawRequest(port: number, bytes: string | Buffer): Promise<RawClient> {
  const client = await RawClient.connect(port);
  await client.write(bytes);
  return client;
}
