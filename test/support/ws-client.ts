// A raw WebSocket client for wire tests, independent of src/websocket/: it sends the opening
// handshake by hand, writes frames byte by byte as the test says (masked or not, any bits, any
// length encoding), and reads the server's frames with a small reader of its own.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { randomBytes } from 'node:crypto';

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

export interface FrameOptions {
  fin?: boolean;
  /** RSV bits as a 3-bit number (4 = RSV1). */
  rsv?: number;
  mask?: boolean;
  /** Force the 16-bit (126) or 64-bit (127) length form. */
  lengthForm?: 7 | 16 | 64;
  /** Replace the 64-bit length's high word (to test the MSB rule). */
  highWord?: number;
  /** Declared length instead of the payload's (a header with no payload behind it). */
  declaredLength?: number;
}

/** One client frame, masked by default (RFC 6455 §5.2, §5.3). */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), o: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = o.declaredLength ?? data.length;
  const mask = o.mask ?? true;
  const form = o.lengthForm ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (form === 7) head.push(m | length);
  else if (form === 16) head.push(m | 126, length >> 8, length & 0xff);
  else {
    const hi = o.highWord ?? Math.floor(length / 2 ** 32);
    const lo = length >>> 0;
    head.push(m | 127, hi >>> 24, (hi >> 16) & 0xff, (hi >> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >> 16) & 0xff, (lo >> 8) & 0xff, lo & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), key, masked]);
}

export function closePayload(code: number, reason = ''): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
}

export const HANDSHAKE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
/** RFC 6455 §1.3's example: the accept value of HANDSHAKE_KEY. */
export const HANDSHAKE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

export function handshakeRequest(path = '/', extra: Record<string, string> = {}, omit: string[] = []): string {
  const fields: Record<string, string> = {
    Host: 'localhost',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': HANDSHAKE_KEY,
    'Sec-WebSocket-Version': '13',
    ...extra,
  };
  let s = `GET ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(fields)) if (!omit.includes(k)) s += `${k}: ${v}\r\n`;
  return s + '\r\n';
}

export class WsTestClient {
  readonly socket: Socket;
  status = 0;
  head = '';
  headers = new Map<string, string>();
  /** Body bytes of a refusal (non-101) response, as received until close. */
  body = Buffer.alloc(0);
  readonly frames: ServerFrame[] = [];
  #buf = Buffer.alloc(0);
  #inHead = true;
  #ended = false;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      this.#parse();
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  /** Connects and sends `request` (a handshake, plus anything after it), then waits for the head. */
  static async open(port: number, request: string | Buffer = handshakeRequest(), options: { tls?: boolean } = {}): Promise<WsTestClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = options.tls === true ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : netConnect({ port, host: '127.0.0.1' });
      s.once('error', reject);
      s.once(options.tls === true ? 'secureConnect' : 'connect', () => resolve(s));
    });
    const client = new WsTestClient(socket);
    socket.write(request);
    await client.#until(() => !client.#inHead || client.#ended, 5000, 'response head');
    return client;
  }

  get ended(): boolean {
    return this.#ended;
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  send(opcode: number, payload?: Buffer | string, options?: FrameOptions): void {
    this.socket.write(clientFrame(opcode, payload, options));
  }

  /** The next server frame (waits up to timeoutMs). */
  async frame(timeoutMs = 5000): Promise<ServerFrame> {
    await this.#until(() => this.frames.length > 0 || this.#ended, timeoutMs, 'a frame');
    const f = this.frames.shift();
    if (f === undefined) throw new Error('the connection closed before a frame came');
    return f;
  }

  /** Frames until a close frame; returns its code (1005 for none) and reason. */
  async closeFrame(timeoutMs = 5000): Promise<{ code: number; reason: string; before: ServerFrame[] }> {
    const before: ServerFrame[] = [];
    for (;;) {
      const f = await this.frame(timeoutMs);
      if (f.opcode === 0x8) return { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005, reason: f.payload.subarray(2).toString(), before };
      before.push(f);
    }
  }

  async closed(timeoutMs = 5000): Promise<void> {
    await this.#until(() => this.#ended, timeoutMs, 'the close');
  }

  destroy(): void {
    this.socket.destroy();
  }

  #parse(): void {
    if (this.#inHead) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      this.head = this.#buf.subarray(0, end).toString('latin1');
      const [statusLine, ...lines] = this.head.split('\r\n');
      this.status = Number(statusLine!.split(' ')[1]);
      for (const l of lines) {
        const i = l.indexOf(':');
        const name = l.slice(0, i).toLowerCase();
        const value = l.slice(i + 1).trim();
        this.headers.set(name, this.headers.has(name) ? `${this.headers.get(name)}, ${value}` : value);
      }
      this.#buf = this.#buf.subarray(end + 4);
      this.#inHead = false;
    }
    if (this.status !== 101) {
      this.body = Buffer.concat([this.body, this.#buf]);
      this.#buf = Buffer.alloc(0);
      return;
    }
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      if ((b[1]! & 0x80) !== 0) throw new Error('the server sent a masked frame (RFC 6455 §5.1)');
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = b.readUInt32BE(2) * 2 ** 32 + b.readUInt32BE(6);
        at = 10;
      }
      if (b.length < at + len) return;
      this.frames.push({ fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, payload: Buffer.from(b.subarray(at, at + len)) });
      this.#buf = b.subarray(at + len);
    }
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async #until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
