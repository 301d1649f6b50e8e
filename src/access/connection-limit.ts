// max_connections_per_ip: open connections allowed per client address at once. Checked at accept,
// where only the TCP peer is known (a forwarding header arrives later, and a proxy's connections are
// its own: behind a proxy this limit counts the proxy, so set it on the proxy instead). Beyond the
// limit the connection gets 503 and is closed, as nginx's limit_conn answers (503 by default) — a
// short, honest answer rather than a reset the client would retry at once.
//
// A Unix-socket peer has no address; it is a local proxy or tool, and is never limited here.

import type { Socket } from 'node:net';

export class ConnectionsPerAddress {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Addresses with at least one open connection (for tests: the map never keeps closed ones). */
  get addresses(): number {
    return this.#open.size;
  }

  /** True when the socket may be served; it is then counted until it closes. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? '';
    if (address === '') return true;
    const n = this.#open.get(address) ?? 0;
    if (n >= this.#max) return false;
    this.#open.set(address, n + 1);
    socket.once('close', () => {
      const left = (this.#open.get(address) ?? 1) - 1;
      if (left <= 0) this.#open.delete(address);
      else this.#open.set(address, left);
    });
    return true;
  }
}
