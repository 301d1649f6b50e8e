// The messages between the cluster primary and its workers. Every message carries a `type` under
// our own "httpcraft:" prefix, so it can never be mistaken for Node's internal cluster traffic or a
// message some other library sends over the same channel. Messages are plain JSON (the cluster's
// default serialization): a configuration and a status snapshot are both plain data.

import type { ListenTarget } from './listen-target.ts';

/** Worker → primary: my message listener is attached; send me my start message. */
export interface HelloMessage {
  type: 'httpcraft:hello';
}

/** Primary → worker, once after fork: what to build and where to listen. */
export interface StartMessage<C = unknown> {
  type: 'httpcraft:start';
  /** Stable slot number (1..N) the worker fills; a replacement inherits it. */
  slot: number;
  config: C;
  listen: ListenTarget;
  /** shutdown_timeout: grace for in-flight requests when this worker is told (or signalled) to stop. */
  graceMs: number;
}

/** Worker → primary: listening and ready for traffic. */
export interface ReadyMessage {
  type: 'httpcraft:ready';
  /** What the listener reports: a TCP address (hosts: every address bound) or a socket path. */
  address: { address: string; family: string; port: number; hosts?: string[] } | string;
}

/** Worker → primary: could not build or listen; the worker exits right after. */
export interface StartFailedMessage {
  type: 'httpcraft:start-failed';
  message: string;
  code: string | null;
}

/** Primary → worker: stop accepting, finish in-flight requests within graceMs, then exit 0. */
export interface ShutdownMessage {
  type: 'httpcraft:shutdown';
  graceMs: number;
}

/** Worker → primary: the listener is closed (the worker no longer takes new connections). */
export interface DrainingMessage {
  type: 'httpcraft:draining';
}

/** Primary → worker: send your own snapshot. */
export interface StatsRequestMessage {
  type: 'httpcraft:stats-request';
  id: number;
}

/** Worker → primary: the answer to one stats request (error set when the provider failed). */
export interface StatsReplyMessage {
  type: 'httpcraft:stats-reply';
  id: number;
  snapshot: unknown;
  error?: string;
}

/** Worker → primary: gather every worker's snapshot for me (a worker serving /server-status). */
export interface ClusterStatsRequestMessage {
  type: 'httpcraft:cluster-stats-request';
  id: number;
  timeoutMs: number;
}

/** Primary → the asking worker: every worker's report. */
export interface ClusterStatsReplyMessage {
  type: 'httpcraft:cluster-stats-reply';
  id: number;
  workers: WorkerReport[];
}

/** One worker's row in an aggregated view. */
export interface WorkerReport<S = unknown> {
  /** Slot number 1..N, stable across replacements. */
  id: number;
  pid: number;
  uptimeSeconds: number;
  /** How many times this slot's worker has been replaced after a crash. */
  restarts: number;
  /** The worker's snapshot, or null when it did not answer in time (see error). */
  snapshot: S | null;
  error?: string;
}

/** Primary → every worker: files under the document root changed (live reload; the primary watches). */
export interface LiveReloadMessage {
  type: 'httpcraft:live-reload';
  /** URL paths of the changed files. */
  paths: string[];
  /** More changed than `paths` names. */
  truncated: boolean;
}

/** Worker → primary: an inspector page opened on me (watching true) or the last one closed (false). */
export interface TraceWatchMessage {
  type: 'httpcraft:trace-watch';
  watching: boolean;
}

/** Primary → worker: record your exchanges and send them to me (on), or stop recording (off). */
export interface TraceRecordingMessage {
  type: 'httpcraft:trace-recording';
  on: boolean;
}

/** Worker → primary: exchanges this worker completed (TraceRecords, plain JSON), in order. */
export interface TraceRecordMessage {
  type: 'httpcraft:trace-record';
  records: unknown[];
}

/** Primary → a worker with inspectors: records of every worker, ids made unique ("w2-17"). */
export interface TraceRelayMessage {
  type: 'httpcraft:trace-relay';
  records: unknown[];
}

export type PrimaryToWorker = StartMessage | ShutdownMessage | StatsRequestMessage | ClusterStatsReplyMessage | LiveReloadMessage | TraceRecordingMessage | TraceRelayMessage;
export type WorkerToPrimary = HelloMessage | ReadyMessage | StartFailedMessage | DrainingMessage | StatsReplyMessage | ClusterStatsRequestMessage | TraceWatchMessage | TraceRecordMessage;

const PREFIX = 'httpcraft:';

/**
 * True for a message of ours; T names the direction. The payload shape is then trusted: both ends
 * are this code base, started by the same primary.
 */
export function isOurs<T extends { type: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string' && (message as { type: string }).type.startsWith(PREFIX);
}
