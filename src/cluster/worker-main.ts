// Worker side of the cluster: wait for the primary's start message, build the server with the same
// builder the single-process mode uses, listen (node:cluster shares the primary's socket), report
// ready, and drain when told to stop. A worker never decides policy: restarts, rolls and give-up
// rules live in the primary (supervisor.ts).

import cluster from 'node:cluster';
import type { HttpServer } from '../server/http-server.ts';
import { isOurs, type PrimaryToWorker, type StartMessage, type WorkerToPrimary } from './ipc.ts';
import { explainListenError, listenTarget } from './listen-target.ts';
import { attachStatsChannel } from './worker-stats.ts';

/**
 * A built server with optional companions: `afterListen` starts what needs the listening server
 * (an HTTP→HTTPS redirect listener, certificate reloads), `close` stops them and flushes logs once
 * the server has drained.
 */
export interface BuiltServer {
  server: HttpServer;
  afterListen?: () => void | Promise<void>;
  close?: () => void | Promise<void>;
}

/** Builds the (not yet listening) server from a configuration; the same function in every mode. */
export type ServerBuilder<C> = (config: C) => HttpServer | BuiltServer | Promise<HttpServer | BuiltServer>;

export async function buildServer<C>(build: ServerBuilder<C>, config: C): Promise<BuiltServer> {
  const built = await build(config);
  return 'server' in built && !('listen' in built) ? built : { server: built as HttpServer };
}

/** How long a drained worker stays on the IPC channel before it exits (see stop()). */
const EXIT_LINGER_MS = 250;

function send(message: WorkerToPrimary): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * Runs this process as a cluster worker. Resolves with the exit status once the server has drained
 * (the worker entry passes it to process.exit): 0 after a clean stop, 1 when it could not start.
 */
export function runWorker<C>(build: ServerBuilder<C>): Promise<number> {
  if (!cluster.isWorker) throw new Error('runWorker must run in a node:cluster worker');
  return new Promise<number>((finish) => {
    let built: BuiltServer | null = null;
    let started = false;
    let stopping = false;
    let graceMs = 10_000;

    const stop = (grace: number): void => {
      if (stopping) return;
      stopping = true;
      if (built === null) {
        finish(0);
        return;
      }
      const { server, close } = built;
      const closing = server.close(grace);
      // close() stops the listener synchronously; from here the other workers take the new
      // connections (one already accepted here is answered, see Connection.shutdown).
      void send({ type: 'httpcraft:draining' });
      void closing.then(async () => {
        await close?.();
        // Under round-robin the primary may have handed us a connection just before it learnt
        // that our listener closed; we answer "not accepted" (it goes to another worker) only
        // while we are alive. Exiting at once would orphan it in the primary and hang its client.
        await new Promise((resolve) => setTimeout(resolve, EXIT_LINGER_MS));
        finish(0);
      });
    };

    const start = async (message: StartMessage<C>): Promise<void> => {
      graceMs = message.graceMs;
      try {
        // The slot (stable across restarts and rolls) names per-worker resources such as log files.
        process.env.HTTPCRAFT_WORKER_SLOT = String(message.slot);
        const b = await buildServer(build, message.config);
        built = b;
        const address = await listenTarget(b.server, message.listen);
        await b.afterListen?.();
        if (stopping) return; // told to stop while starting
        await send({ type: 'httpcraft:ready', address });
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        await send({ type: 'httpcraft:start-failed', message: explainListenError(e, message.listen) ?? e.message, code: e.code ?? null });
        finish(1);
      }
    };

    process.on('message', (message: unknown) => {
      if (!isOurs<PrimaryToWorker>(message)) return;
      if (message.type === 'httpcraft:start' && !started) {
        started = true;
        void start(message as StartMessage<C>);
      } else if (message.type === 'httpcraft:shutdown') {
        stop(message.graceMs);
      }
    });

    // Ctrl-C reaches the whole process group and systemd's default KillMode signals every process
    // of the unit: a signalled worker drains by itself, like the primary would have told it to.
    // A second signal means "now".
    const onSignal = (): void => {
      if (stopping) finish(1);
      else stop(graceMs);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Reloads are the primary's business (it rolls the workers); the default action would kill us.
    process.on('SIGHUP', () => {});

    attachStatsChannel();
    void send({ type: 'httpcraft:hello' });
  });
}
