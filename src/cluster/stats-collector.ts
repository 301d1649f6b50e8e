// Per-worker figures over IPC, primary side: one request per worker, answers matched by id, and a
// deadline so that one stuck worker cannot hold up the status page (it is listed without figures).

import type { StatsReplyMessage, StatsRequestMessage, WorkerReport } from './ipc.ts';

export interface StatsTarget {
  /** The row's identity: slot id, pid, uptime, restarts. */
  row: Omit<WorkerReport, 'snapshot' | 'error'>;
  send: (message: StatsRequestMessage) => void;
}

export class StatsCollector {
  readonly #waiting = new Map<number, (reply: StatsReplyMessage) => void>();
  #nextId = 1;

  /** A worker's answer arrived (late answers, after the deadline, are dropped). */
  onReply(reply: StatsReplyMessage): void {
    this.#waiting.get(reply.id)?.(reply);
  }

  collect(targets: readonly StatsTarget[], timeoutMs: number): Promise<WorkerReport[]> {
    return Promise.all(
      targets.map(
        ({ row, send }) =>
          new Promise<WorkerReport>((resolve) => {
            const id = this.#nextId++;
            const timer = setTimeout(() => {
              this.#waiting.delete(id);
              resolve({ ...row, snapshot: null, error: `no answer within ${timeoutMs} ms` });
            }, timeoutMs);
            this.#waiting.set(id, (reply) => {
              clearTimeout(timer);
              this.#waiting.delete(id);
              resolve({ ...row, snapshot: reply.snapshot, ...(reply.error === undefined ? {} : { error: reply.error }) });
            });
            send({ type: 'httpcraft:stats-request', id });
          }),
      ),
    );
  }
}
