// The exchange inspector across a cluster, worker side (the primary's half is trace-relay.ts). To
// the inspector this is a TraceSource like the process's TraceHub, but what it delivers is every
// worker's records, merged by the primary: subscribing asks the primary to watch, and the records
// arrive from it. Separately, the primary tells this worker when to record its own exchanges
// (subscribe the hub) and send them up; it says so only while some inspector, anywhere, is open.

import cluster from 'node:cluster';
import type { TraceRecord } from '../trace/exchange-trace.ts';
import { TraceHub } from '../trace/trace-hub.ts';
import type { TraceSource } from '../status/inspector-feed.ts';
import { isOurs, type PrimaryToWorker, type WorkerToPrimary } from './ipc.ts';

/** The channel to the primary: `process` in a worker; tests pass a fake. */
export interface PrimaryChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send(message: WorkerToPrimary): void;
}

const processChannel: PrimaryChannel = {
  on: (event, listener) => process.on(event, listener),
  send: (message) => {
    // The channel closes while the primary goes away; a lost message changes nothing then.
    if (process.connected && process.send !== undefined) process.send(message, undefined, {}, () => {});
  },
};

/** Joins this worker's hub to the cluster's inspector; returns the source the inspector reads. */
export function clusterTraceSource(hub: TraceHub, channel: PrimaryChannel = processChannel): TraceSource {
  // The merged records reach this worker's inspectors as any hub delivers: each sink apart.
  const relayed = new TraceHub();
  let stopRecording: (() => void) | null = null;
  let outgoing: TraceRecord[] = [];
  let flushScheduled = false;

  const flush = (): void => {
    flushScheduled = false;
    const records = outgoing;
    outgoing = [];
    if (records.length > 0) channel.send({ type: 'httpcraft:trace-record', records });
  };
  // One IPC message per loop turn, however many exchanges completed in it.
  const forward = (record: TraceRecord): void => {
    outgoing.push(record);
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };

  channel.on('message', (message: unknown) => {
    if (!isOurs<PrimaryToWorker>(message)) return;
    if (message.type === 'httpcraft:trace-recording') {
      if (message.on && stopRecording === null) stopRecording = hub.subscribe(forward);
      else if (!message.on && stopRecording !== null) {
        stopRecording();
        stopRecording = null;
        outgoing = [];
      }
    } else if (message.type === 'httpcraft:trace-relay') {
      for (const record of message.records) relayed.deliver(record as TraceRecord);
    }
  });

  return {
    subscribe(sink) {
      const stop = relayed.subscribe(sink);
      if (relayed.subscribers === 1) channel.send({ type: 'httpcraft:trace-watch', watching: true });
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        stop();
        if (relayed.subscribers === 0) channel.send({ type: 'httpcraft:trace-watch', watching: false });
      };
    },
  };
}

/** The inspector's source in this process: the hub itself, or in a cluster worker the relay. */
export function inspectorSource(hub: TraceHub): TraceSource {
  return cluster.isWorker ? clusterTraceSource(hub) : hub;
}
