// At most `max` password hashes run at once (scrypt and bcrypt run on libuv's pool of four threads:
// more would only queue there, and delay file reads). Waiters beyond `maxQueued` are refused, so a
// flood of sign-ins cannot grow the queue without end.

export class HashLimiter {
  readonly #max: number;
  readonly #maxQueued: number;
  #running = 0;
  readonly #queue: Array<() => void> = [];

  constructor(max: number, maxQueued: number) {
    this.#max = max;
    this.#maxQueued = maxQueued;
  }

  /** Runs fn when a slot is free; null (fn never runs) when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T | null> {
    if (this.#running >= this.#max) {
      if (this.#queue.length >= this.#maxQueued) return null;
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else this.#running++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter (running stays the same) or is given back.
      const next = this.#queue.shift();
      if (next !== undefined) next();
      else this.#running--;
    }
  }
}
