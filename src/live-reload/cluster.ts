// Live reload through the cluster: one watcher, in the primary, and every worker's clients told.
// The primary's watcher sends each batch to every worker over IPC (LiveReloadMessage); a worker
// hands it to its hub, which tells the pages connected to that worker. A single process watches
// by itself (LiveReloadHub.watch).

import type { LiveReloadMessage, PrimaryToWorker } from '../cluster/ipc.ts';
import { isOurs } from '../cluster/ipc.ts';
import type { ProtectedPaths } from '../static/protected-paths.ts';
import type { LiveReloadHub } from './hub.ts';
import { TreeWatcher, type WatchMode } from './watcher.ts';

export interface PrimaryWatchOptions {
  root: string;
  protect?: ProtectedPaths | undefined;
  /** Sends a message to every worker (Supervisor.broadcast). */
  broadcast: (message: LiveReloadMessage) => void;
  onWarning?: ((message: string) => void) | undefined;
  mode?: WatchMode | undefined;
}

/** The primary's watcher: each batch goes to every worker. */
export function watchForWorkers(options: PrimaryWatchOptions): TreeWatcher {
  return new TreeWatcher({
    root: options.root,
    protect: options.protect,
    onWarning: options.onWarning,
    mode: options.mode,
    onChange: (batch) => options.broadcast({ type: 'httpcraft:live-reload', paths: batch.paths, truncated: batch.truncated }),
  });
}

/** In a worker: batches from the primary reach this hub's clients. Returns the detach function. */
export function receiveFromPrimary(hub: LiveReloadHub, channel: NodeJS.EventEmitter = process): () => void {
  const onMessage = (message: unknown): void => {
    if (!isOurs<PrimaryToWorker>(message) || message.type !== 'httpcraft:live-reload') return;
    hub.notify({ paths: Array.isArray(message.paths) ? message.paths : [], truncated: message.truncated === true });
  };
  channel.on('message', onMessage);
  return () => channel.off('message', onMessage);
}
