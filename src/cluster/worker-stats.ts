// Per-worker figures over IPC, worker side. Each worker registers a provider of its own snapshot
// (onStatsRequest); the primary asks every worker for it. A worker that serves /server-status asks
// the primary for everyone's (requestClusterSnapshots): worker → primary → all workers → primary →
// that worker, so whichever worker the balancer picks shows the same aggregated view. Outside a
// cluster the same call answers with this process's own snapshot, so callers need no special case.

import cluster from 'node:cluster';
import { isOurs, type PrimaryToWorker, type StatsReplyMessage, type WorkerReport } from './ipc.ts';

export type StatsProvider = () => unknown;

let provider: StatsProvider | null = null;
let attached = false;
let nextId = 1;
const waiting = new Map<number, { resolve: (workers: WorkerReport[]) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

/** Registers the function that produces this process's snapshot (the status recorder's, once it lands). */
export function onStatsRequest(fn: StatsProvider): void {
  provider = fn;
  attachStatsChannel();
}

async function ownSnapshot(): Promise<unknown> {
  if (provider === null) throw new Error('no stats provider registered in this worker');
  return await provider();
}

function send(message: StatsReplyMessage | { type: 'httpcraft:cluster-stats-request'; id: number; timeoutMs: number }): void {
  // The channel can close under us while the primary goes away; a lost reply is the asker's timeout.
  if (process.connected && process.send !== undefined) process.send(message, undefined, {}, () => {});
}

function onMessage(message: unknown): void {
  if (!isOurs<PrimaryToWorker>(message)) return;
  if (message.type === 'httpcraft:stats-request') {
    const id = message.id;
    ownSnapshot().then(
      (snapshot) => send({ type: 'httpcraft:stats-reply', id, snapshot }),
      (error: unknown) => send({ type: 'httpcraft:stats-reply', id, snapshot: null, error: error instanceof Error ? error.message : String(error) }),
    );
  } else if (message.type === 'httpcraft:cluster-stats-reply') {
    const reply = message;
    const w = waiting.get(reply.id);
    if (w === undefined) return; // answered after our timeout
    waiting.delete(reply.id);
    clearTimeout(w.timer);
    w.resolve(reply.workers);
  }
}

/** Listens for stats traffic from the primary (runWorker calls it; idempotent). */
export function attachStatsChannel(): void {
  if (attached || !cluster.isWorker) return;
  attached = true;
  process.on('message', onMessage);
}

/**
 * Every worker's report (id, pid, uptime, restarts, snapshot), gathered by the primary. A worker that
 * does not answer within timeoutMs is listed with snapshot null. Outside a cluster: this process only.
 */
export async function requestClusterSnapshots(timeoutMs = 2000): Promise<WorkerReport[]> {
  if (!cluster.isWorker || process.send === undefined) {
    let snapshot: unknown = null;
    let error: string | undefined;
    try {
      snapshot = await ownSnapshot();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    return [{ id: 1, pid: process.pid, uptimeSeconds: process.uptime(), restarts: 0, snapshot, ...(error === undefined ? {} : { error }) }];
  }
  attachStatsChannel();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    // The primary waits timeoutMs for the slowest worker; allow it that plus a margin to answer us.
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the cluster primary did not answer a stats request within ${timeoutMs + 1000} ms`));
    }, timeoutMs + 1000);
    timer.unref();
    waiting.set(id, { resolve, reject, timer });
    send({ type: 'httpcraft:cluster-stats-request', id, timeoutMs });
  });
}

/** The aggregated view: every worker's snapshot merged by `merge` (the status module's mergeSnapshots). */
export async function clusterSnapshot<S>(merge: (snapshots: S[], reports: WorkerReport<S>[]) => S, timeoutMs = 2000): Promise<S> {
  const reports = (await requestClusterSnapshots(timeoutMs)) as WorkerReport<S>[];
  const answered = reports.filter((r): r is WorkerReport<S> & { snapshot: S } => r.snapshot !== null);
  if (answered.length === 0) throw new Error('no worker answered the stats request');
  return merge(answered.map((r) => r.snapshot), reports);
}
