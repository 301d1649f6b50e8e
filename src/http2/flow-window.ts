// Flow-control windows (RFC 9113 §5.2, §6.9) as two small types, one per direction.
//
// SendWindow: what the peer lets us send. It shrinks as we send DATA, grows by its WINDOW_UPDATE and
// moves by the difference when its SETTINGS_INITIAL_WINDOW_SIZE changes, so it can go negative
// (§6.9.2); past 2^31-1 it is a FLOW_CONTROL_ERROR (§6.9.1).
//
// ReceiveWindow: what we let the peer send. DATA it sends takes from it (more than is left is a
// FLOW_CONTROL_ERROR); bytes come back only as the handler consumes them, and are granted in one
// WINDOW_UPDATE once at least half the window is owed — small updates cost a frame each for nothing.

import { MAX_WINDOW_SIZE } from './frame-types.ts';

export class SendWindow {
  #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes we may send now (0 when the window is negative). */
  get available(): number {
    return this.#size > 0 ? this.#size : 0;
  }

  /** A WINDOW_UPDATE or an INITIAL_WINDOW_SIZE delta (§6.9.2); false when the window would pass
   * 2^31-1, a FLOW_CONTROL_ERROR (§6.9.1). */
  grow(delta: number): boolean {
    const next = this.#size + delta;
    if (next > MAX_WINDOW_SIZE) return false;
    this.#size = next;
    return true;
  }

  consume(n: number): void {
    this.#size -= n;
  }
}

export class ReceiveWindow {
  readonly #max: number;
  #left: number;
  // Consumed by the handler, not yet granted back.
  #owed = 0;

  /** `max`: the window we advertise; `start`: what the peer believes it has now. */
  constructor(max: number, start = max) {
    this.#max = max;
    this.#left = start;
  }

  get left(): number {
    return this.#left;
  }

  /** DATA received (its whole flow-controlled length); false when it is more than the window allows
   * (§6.9.1: a FLOW_CONTROL_ERROR). */
  receive(n: number): boolean {
    if (n > this.#left) return false;
    this.#left -= n;
    return true;
  }

  /**
   * The handler consumed n bytes (or they were discarded). Returns the increment to send now in a
   * WINDOW_UPDATE, or 0 while less than half the window is owed.
   */
  consumed(n: number): number {
    this.#owed += n;
    if (this.#owed === 0 || this.#owed < this.#max / 2) return 0;
    const inc = this.#owed;
    this.#owed = 0;
    this.#left += inc;
    return inc;
  }
}
