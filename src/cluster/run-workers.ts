// Runs the server the way the settings ask: in this process (one worker, the default), or as a
// node:cluster primary supervising N worker processes that each build the same server. Either way
// it owns the signals: SIGTERM/SIGINT drain (a second one forces the exit), SIGHUP reloads. It
// resolves with the exit status; the caller (the CLI) passes it to process.exit.

import { availableParallelism } from 'node:os';
import type { Logger } from '../log/logger.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { ReadyMessage } from './ipc.ts';
import { explainListenError, ListenTargetError, listenTarget, prepareUnixSocket, type BoundAddress } from './listen-target.ts';
import { Supervisor, type ClusterSettings } from './supervisor.ts';
import { buildServer, type BuiltServer, type ServerBuilder } from './worker-main.ts';

export type { ClusterSettings } from './supervisor.ts';

export interface RunServerOptions<C> {
  settings: ClusterSettings<C>;
  /** Builds the server from settings.config: called here in single mode, in each worker otherwise. */
  build: ServerBuilder<C>;
  /** Compiled worker script that calls runWorker(build) with the same builder. */
  workerEntry: string;
  logger: Logger;
  /**
   * Run a supervising primary even for one worker (crash restarts and SIGHUP rolls). By default one
   * worker runs in this process, the cheapest setup, where SIGHUP cannot roll and is only logged.
   */
  supervise?: boolean;
  /** Re-reads the configuration on SIGHUP (cluster mode). */
  reload?: () => ClusterSettings<C> | Promise<ClusterSettings<C>>;
  /** Reports a failure to start (default: logger.error); the CLI prints one plain line on stderr. */
  startFailed?: (message: string) => void;
  /** Called once the server listens (banner). */
  onListening?: (address: ReadyMessage['address']) => void;
  backoff?: BackoffPolicy;
  /** How workers get connections (see SupervisorOptions.scheduling); 'shared' by default. */
  scheduling?: 'shared' | 'round-robin';
  /** Where process signals come from (tests pass an emitter). */
  signals?: NodeJS.EventEmitter;
  /** The supervisor, once created (cluster mode), for callers that serve aggregated status. */
  onSupervisor?: (supervisor: Supervisor<C>) => void;
}

/** `workers`/`max_threads`: a count, or "auto" for one per core the process may use. */
export function resolveWorkerCount(value: number | 'auto'): number {
  if (value === 'auto') return Math.max(1, availableParallelism());
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`workers: ${value} must be a whole number from 1, or "auto"`);
  return value;
}

async function prepare<C>(settings: ClusterSettings<C>, logger: Logger): Promise<boolean> {
  if (settings.listen.kind !== 'unix') return true;
  try {
    await prepareUnixSocket(settings.listen.path);
    return true;
  } catch (error) {
    logger.error(error instanceof ListenTargetError ? error.message : `cannot use socket ${settings.listen.path}: ${(error as Error).message}`);
    return false;
  }
}

export async function runServer<C>(options: RunServerOptions<C>): Promise<number> {
  const { settings, logger } = options;
  const signals = options.signals ?? process;
  if (!(await prepare(settings, logger))) return 1;
  if (settings.workers > 1 || options.supervise === true) return runCluster(options, signals);

  let built: BuiltServer;
  try {
    built = await buildServer(options.build, settings.config);
  } catch (error) {
    (options.startFailed ?? ((m: string) => logger.error(m)))(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  let address: BoundAddress;
  try {
    address = await listenTarget(built.server, settings.listen);
    await built.afterListen?.();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    (options.startFailed ?? ((m: string) => logger.error(m)))(explainListenError(e, settings.listen) ?? `cannot listen: ${e.message}`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        logger.warn(`${signal} again: exiting without waiting`);
        resolve(1);
        return;
      }
      stopping = true;
      logger.info(`${signal}: finishing in-flight requests (up to ${settings.shutdownTimeoutMs / 1000}s)`);
      void built.server.close(settings.shutdownTimeoutMs).then(async () => {
        await built.close?.();
        resolve(0);
      });
    };
    signals.on('SIGINT', () => stop('SIGINT'));
    signals.on('SIGTERM', () => stop('SIGTERM'));
    // Without a primary there is nobody to hand the socket to while a new server starts.
    signals.on('SIGHUP', () => logger.warn('SIGHUP: reloading needs the supervisor (--workers N, or supervise); ignored'));
    // Announced only once the signal handlers are in place: a SIGTERM sent on seeing the banner drains.
    options.onListening?.(address);
  });
}

function runCluster<C>(options: RunServerOptions<C>, signals: NodeJS.EventEmitter): Promise<number> {
  const supervisor = new Supervisor<C>({
    workerEntry: options.workerEntry,
    settings: options.settings,
    logger: options.logger,
    ...(options.reload === undefined
      ? {}
      : {
          reload: async () => {
            const next = await options.reload!();
            const current = supervisor.settings.listen;
            // A new socket path must be free; the current one is ours and stays in use.
            const moved = next.listen.kind === 'unix' && (current.kind !== 'unix' || current.path !== next.listen.path);
            if (moved && !(await prepare(next, options.logger))) throw new Error(`cannot use socket ${(next.listen as { path: string }).path}`);
            return next;
          },
        }),
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.scheduling === undefined ? {} : { scheduling: options.scheduling }),
    ...(options.onListening === undefined ? {} : { onListening: options.onListening }),
  });
  options.onSupervisor?.(supervisor);
  signals.on('SIGINT', () => supervisor.stop('SIGINT'));
  signals.on('SIGTERM', () => supervisor.stop('SIGTERM'));
  signals.on('SIGHUP', () => void supervisor.reload());
  return supervisor.start();
}
