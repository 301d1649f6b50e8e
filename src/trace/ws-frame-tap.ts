// Reads one direction of a WebSocket's bytes as frames, for --trace: FIN, RSV1 (a compressed
// message, RFC 7692 §6), the opcode, whether it was masked, the payload length (RFC 6455 §5.2) and
// its first bytes, unmasked (§5.3). It only describes: src/websocket/ parses and checks. A tap sees
// its direction from the first byte after the 101, or it would not know where frames begin.

/** A WebSocket frame as the console shows it. */
export interface WsFrameNote {
  /** 'in': from the client; 'out': ours. */
  readonly dir: 'in' | 'out';
  readonly opcode: string;
  readonly fin: boolean;
  readonly compressed: boolean;
  readonly masked: boolean;
  readonly length: number;
  /** The payload's first bytes, unmasked, as latin1 (a close frame's status code is its first two). */
  readonly sample: string;
}

const SAMPLE_BYTES = 32;
const OPCODES: Readonly<Record<number, string>> = { 0: 'CONTINUATION', 1: 'TEXT', 2: 'BINARY', 8: 'CLOSE', 9: 'PING', 10: 'PONG' };

export class WsFrameTap {
  readonly #dir: 'in' | 'out';
  readonly #onFrame: (note: WsFrameNote) => void;
  // The header being read: 2 fixed bytes, up to 8 of extended length, 4 of masking key.
  readonly #header = Buffer.alloc(14);
  #have = 0;
  #need = 2;
  #payloadLeft = -1; // -1: reading a header
  #length = 0;
  #sample: number[] = [];
  #seen = 0;

  constructor(dir: 'in' | 'out', onFrame: (note: WsFrameNote) => void) {
    this.#dir = dir;
    this.#onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#payloadLeft < 0) {
        const n = Math.min(this.#need - this.#have, chunk.length - at);
        chunk.copy(this.#header, this.#have, at, at + n);
        this.#have += n;
        at += n;
        if (this.#have < this.#need) return;
        if (!this.#headerDone() || this.#payloadLeft < 0) continue; // more header, or an empty frame already told
      }
      const n = Math.min(this.#payloadLeft, chunk.length - at);
      const masked = (this.#header[1]! & 0x80) !== 0;
      const keyAt = this.#need - 4;
      for (let i = 0; i < n && this.#sample.length < SAMPLE_BYTES; i++) {
        const byte = chunk[at + i]!;
        this.#sample.push(masked ? byte ^ this.#header[keyAt + ((this.#seen + i) % 4)]! : byte);
      }
      this.#seen += n;
      this.#payloadLeft -= n;
      at += n;
      if (this.#payloadLeft === 0) this.#emit();
    }
  }

  /** §5.2: decides how many header bytes there are; true once the whole header is read. */
  #headerDone(): boolean {
    const h = this.#header;
    const len7 = h[1]! & 0x7f;
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const full = 2 + extra + ((h[1]! & 0x80) !== 0 ? 4 : 0);
    if (this.#need < full) {
      this.#need = full;
      return false;
    }
    this.#length = len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7;
    this.#payloadLeft = this.#length;
    this.#sample = [];
    this.#seen = 0;
    if (this.#length === 0) this.#emit();
    return true;
  }

  #emit(): void {
    const h = this.#header;
    this.#onFrame({
      dir: this.#dir,
      opcode: OPCODES[h[0]! & 0x0f] ?? `0x${(h[0]! & 0x0f).toString(16)}`,
      fin: (h[0]! & 0x80) !== 0,
      compressed: (h[0]! & 0x40) !== 0,
      masked: (h[1]! & 0x80) !== 0,
      length: this.#length,
      sample: String.fromCharCode(...this.#sample),
    });
    this.#payloadLeft = -1;
    this.#have = 0;
    this.#need = 2;
  }
}
