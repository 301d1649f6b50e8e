// The cluster primary: forks the workers, replaces a crashed one (with back-off when it keeps
// crashing), rolls them one at a time on reload, drains them all on stop, and gathers their figures
// over IPC. It never serves a request itself: it opens the listening socket (so the socket outlives
// any one worker) and the workers accept from it. node:cluster closes that socket when the last
// worker using it is gone; a replacement reopens it (see docs/production.md for what that means for
// a socket inherited from systemd).
//
// Theory of the zero-downtime roll: for each slot we start the new worker, wait for it to report
// ready (listening), then tell the old one to drain. The listening socket stays open throughout,
// held by the primary. With 'shared' scheduling, connections queued in the kernel are accepted by
// whichever worker still listens; with 'round-robin', a connection the primary hands to a worker
// that has just closed is refused by it and re-dispatched to another. Either way none is lost, and
// connections the old worker had already accepted are answered before it exits.

import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log/logger.ts';
import { count } from '../log/plural.ts';
import { CrashTracker, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { isOurs, type PrimaryToWorker, type ReadyMessage, type WorkerReport, type WorkerToPrimary } from './ipc.ts';
import { StatsCollector, type StatsTarget } from './stats-collector.ts';
import { TraceRelay, type RelayPeer } from './trace-relay.ts';
import { describeTarget, type ListenTarget } from './listen-target.ts';

/** What the primary needs to run the workers; `reload` returns a fresh one on SIGHUP. */
export interface ClusterSettings<C> {
  /** Sent to every worker and given to its builder; must be plain JSON data. */
  config: C;
  workers: number;
  listen: ListenTarget;
  /** Grace for in-flight requests when a worker stops (shutdown_timeout). */
  shutdownTimeoutMs: number;
}

export interface SupervisorOptions<C> {
  /** The compiled script a worker runs; it calls runWorker() with the same builder. */
  workerEntry: string;
  settings: ClusterSettings<C>;
  logger: Logger;
  /** Re-reads the configuration (SIGHUP); throwing keeps the current workers. */
  reload?: () => ClusterSettings<C> | Promise<ClusterSettings<C>>;
  backoff?: BackoffPolicy;
  /** Give up when no worker runs and every slot failed this many starts in a row. */
  maxStartFailures?: number;
  /** How long a new worker may take to listen. */
  startTimeoutMs?: number;
  /**
   * How connections reach the workers. 'shared' (default): every worker accepts from the one
   * listening socket. 'round-robin': the primary accepts and hands each connection to a worker over
   * IPC. Both roll without loss; but under round-robin a connection handed to a worker in the
   * instant it crashes is orphaned in the primary (Node keeps the handle and never closes it), and
   * its client hangs, so 'shared' is the default. Round-robin spreads idle-time connections more
   * evenly.
   */
  scheduling?: 'shared' | 'round-robin';
  /** The first worker is listening (print the banner). */
  onListening?: (address: ReadyMessage['address']) => void;
}

interface WorkerState {
  worker: Worker;
  /** This worker as the exchange inspector's relay addresses it. */
  peer: RelayPeer;
  slot: Slot;
  generation: number;
  startedAt: number;
  ready: boolean;
  retiring: boolean;
  failure: string | null;
  waiters: Array<(outcome: 'ready' | 'failed') => void>;
  stableTimer: NodeJS.Timeout | null;
}

interface Slot {
  id: number;
  current: WorkerState | null;
  tracker: CrashTracker;
  restartTimer: NodeJS.Timeout | null;
}

export class Supervisor<C> {
  readonly #options: SupervisorOptions<C>;
  readonly #log: Logger;
  readonly #states = new Map<number, WorkerState>();
  readonly #slots: Slot[] = [];
  readonly #stats = new StatsCollector();
  readonly #trace = new TraceRelay();
  readonly #startedAt = Date.now();
  #settings: ClusterSettings<C>;
  #generation = 0;
  #everReady = false;
  #stopping = false;
  #rolling = false;
  #rollAgain = false;
  #exitCode = 0;
  readonly #parked: Slot[] = [];
  #done!: (code: number) => void;
  readonly #finished: Promise<number>;

  constructor(options: SupervisorOptions<C>) {
    this.#options = options;
    this.#log = options.logger;
    this.#settings = options.settings;
    this.#finished = new Promise((resolve) => (this.#done = resolve));
  }

  get settings(): ClusterSettings<C> {
    return this.#settings;
  }

  /** Live worker pids by slot (tests and the status page). */
  get workers(): Array<{ id: number; pid: number; ready: boolean }> {
    return [...this.#states.values()].filter((s) => !s.retiring).map((s) => ({ id: s.slot.id, pid: s.worker.process.pid ?? 0, ready: s.ready }));
  }

  /** Forks the workers; resolves with the exit status when the cluster has stopped. */
  start(): Promise<number> {
    // Set explicitly: Node's default differs by platform and NODE_CLUSTER_SCHED_POLICY.
    cluster.schedulingPolicy = this.#options.scheduling === 'round-robin' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: this.#options.workerEntry, args: [], serialization: 'json' });
    cluster.on('exit', (worker, code, signal) => this.#onExit(worker, code, signal));
    for (let id = 1; id <= this.#settings.workers; id++) this.#addSlot(id);
    this.#log.info(`cluster: primary ${process.pid} starting ${count(this.#settings.workers, 'worker')} on ${describeTarget(this.#settings.listen)}`);
    return this.#finished;
  }

  #addSlot(id: number): Slot {
    const slot: Slot = { id, current: null, tracker: new CrashTracker(this.#options.backoff ?? DEFAULT_BACKOFF), restartTimer: null };
    this.#slots.push(slot);
    slot.current = this.#fork(slot);
    return slot;
  }

  #fork(slot: Slot): WorkerState {
    const worker = cluster.fork();
    const peer: RelayPeer = { key: worker.id, slot: slot.id, send: (message) => this.#send(state, message) };
    const state: WorkerState = { worker, peer, slot, generation: this.#generation, startedAt: Date.now(), ready: false, retiring: false, failure: null, waiters: [], stableTimer: null };
    this.#states.set(worker.id, state);
    worker.on('message', (message: unknown) => this.#onMessage(state, message));
    // A worker that dies before its IPC is up emits 'error' on send; the exit handler does the rest.
    worker.on('error', () => {});
    return state;
  }

  #send(state: WorkerState, message: PrimaryToWorker): void {
    if (state.worker.isConnected()) state.worker.send(message, undefined, () => {});
  }

  #onMessage(state: WorkerState, message: unknown): void {
    if (!isOurs<WorkerToPrimary>(message)) return;
    switch (message.type) {
      case 'httpcraft:hello':
        if (this.#stopping || state.retiring) this.#send(state, { type: 'httpcraft:shutdown', graceMs: this.#settings.shutdownTimeoutMs });
        else this.#send(state, { type: 'httpcraft:start', slot: state.slot.id, config: this.#settings.config, listen: this.#settings.listen, graceMs: this.#settings.shutdownTimeoutMs });
        return;
      case 'httpcraft:ready':
        this.#onReady(state, message);
        return;
      case 'httpcraft:start-failed':
        state.failure = message.message;
        return;
      case 'httpcraft:stats-reply': {
        this.#stats.onReply(message);
        return;
      }
      case 'httpcraft:cluster-stats-request': {
        const { id, timeoutMs } = message;
        void this.collectWorkerSnapshots(timeoutMs).then((workers) => this.#send(state, { type: 'httpcraft:cluster-stats-reply', id, workers }));
        return;
      }
      case 'httpcraft:trace-watch':
        this.#trace.watch(state.peer, message.watching === true);
        return;
      case 'httpcraft:trace-record':
        this.#trace.records(state.peer, Array.isArray(message.records) ? message.records : []);
        return;
      default:
        return;
    }
  }

  #onReady(state: WorkerState, message: ReadyMessage): void {
    state.ready = true;
    this.#trace.joined(state.peer);
    this.#log.info(`cluster: worker ${state.slot.id} (pid ${state.worker.process.pid}) listening`);
    state.stableTimer = setTimeout(() => state.slot.tracker.stable(), (this.#options.backoff ?? DEFAULT_BACKOFF).stableMs);
    state.stableTimer.unref();
    for (const w of state.waiters.splice(0)) w('ready');
    if (!this.#everReady) {
      this.#everReady = true;
      this.#options.onListening?.(message.address);
      // The setup works: the first workers that failed were unlucky; start them again.
      for (const slot of this.#parked.splice(0)) this.#scheduleRestart(slot, 0);
    }
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    const state = this.#states.get(worker.id);
    if (state === undefined) return;
    this.#states.delete(worker.id);
    this.#trace.left(worker.id);
    if (state.stableTimer !== null) clearTimeout(state.stableTimer);
    for (const w of state.waiters.splice(0)) w('failed');
    const slot = state.slot;
    const who = `worker ${slot.id} (pid ${worker.process.pid})`;
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    if (this.#stopping || state.retiring) {
      this.#log.info(`cluster: ${who} stopped`);
      if (this.#stopping && this.#states.size === 0) this.#finish();
      return;
    }
    if (slot.current !== state) return; // a roll candidate that failed: the roll reports it
    slot.current = null;
    const uptimeMs = Date.now() - state.startedAt;
    if (!state.ready) {
      this.#log.error(`cluster: ${who} ${how} before it was ready${state.failure === null ? '' : `: ${state.failure}`}`);
      if (this.#shouldGiveUp(state)) return;
    } else {
      this.#log.error(`cluster: ${who} ${how} after ${Math.round(uptimeMs / 1000)} s; replacing it`);
    }
    this.#scheduleRestart(slot, uptimeMs);
  }

  #scheduleRestart(slot: Slot, uptimeMs: number): void {
    const delay = slot.tracker.crashed(uptimeMs);
    if (delay > 0) this.#log.warn(`cluster: worker ${slot.id} keeps crashing (${slot.tracker.consecutive} in a row); next start in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (!this.#stopping) slot.current = this.#fork(slot);
    }, delay);
  }

  /**
   * Give-up rule: at start-up, when every slot's first worker failed before any worker was ready
   * (a port in use, an unreadable certificate: retrying cannot help); later, when no worker is
   * running and every slot has failed `maxStartFailures` starts in a row.
   */
  #shouldGiveUp(failed: WorkerState): boolean {
    if (!this.#everReady) {
      // Until one worker has started we cannot tell a bad setup from bad luck: park the slot and
      // give up only if none of the first workers comes up.
      this.#parked.push(failed.slot);
      if (this.#states.size === 0) this.#giveUp(failed);
      return true;
    }
    const anyRunning = [...this.#states.values()].some((s) => s.ready && !s.retiring);
    if (anyRunning) return false;
    const limit = this.#options.maxStartFailures ?? 5;
    const exhausted = this.#slots.every((s) => (s === failed.slot ? s.tracker.consecutive + 1 : s.current === null ? s.tracker.consecutive : 0) >= limit);
    if (!exhausted) return false;
    this.#giveUp(failed);
    return true;
  }

  #giveUp(failed: WorkerState): void {
    this.#log.error(`cluster: no worker could start (${failed.failure ?? 'see the errors above'}); giving up`);
    this.#stopping = true;
    this.#exitCode = 1;
    for (const s of this.#slots) if (s.restartTimer !== null) clearTimeout(s.restartTimer);
    for (const s of this.#states.values()) s.worker.process.kill('SIGKILL');
    if (this.#states.size === 0) this.#finish();
  }

  #finish(): void {
    this.#done(this.#exitCode);
  }

  /** SIGTERM/SIGINT: every worker drains within shutdown_timeout; a second call forces the exit. */
  stop(signal = 'SIGTERM'): void {
    if (this.#stopping) {
      this.#log.warn(`cluster: ${signal} again: killing the workers now`);
      for (const s of this.#states.values()) s.worker.process.kill('SIGKILL');
      this.#done(1);
      return;
    }
    this.#stopping = true;
    const graceMs = this.#settings.shutdownTimeoutMs;
    this.#log.info(`cluster: ${signal}: draining ${count(this.#states.size, 'worker')} (up to ${graceMs / 1000} s)`);
    for (const s of this.#slots) if (s.restartTimer !== null) clearTimeout(s.restartTimer);
    if (this.#states.size === 0) {
      this.#finish();
      return;
    }
    for (const s of this.#states.values()) this.#send(s, { type: 'httpcraft:shutdown', graceMs });
    // Workers destroy what is left at graceMs; this is the backstop for a worker that is stuck.
    const force = setTimeout(() => {
      for (const s of this.#states.values()) {
        this.#log.warn(`cluster: worker ${s.slot.id} (pid ${s.worker.process.pid}) did not stop in time; killing it`);
        s.worker.process.kill('SIGKILL');
      }
    }, graceMs + 2000);
    force.unref();
  }

  /** SIGHUP: re-read the configuration and replace the workers one at a time. */
  async reload(): Promise<void> {
    if (this.#stopping) return;
    if (this.#rolling) {
      this.#rollAgain = true;
      return;
    }
    this.#rolling = true;
    try {
      do {
        this.#rollAgain = false;
        await this.#roll();
      } while (this.#rollAgain && !this.#stopping);
    } finally {
      this.#rolling = false;
    }
  }

  async #roll(): Promise<void> {
    let next: ClusterSettings<C>;
    try {
      next = this.#options.reload === undefined ? this.#settings : await this.#options.reload();
    } catch (error) {
      this.#log.error(`cluster: reload failed, the workers keep the current configuration: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const previous = this.#settings;
    this.#settings = next;
    const generation = ++this.#generation;
    // The roll moves on once an old worker has closed its listener; it may still be finishing
    // requests. The reload is complete when every old worker has exited.
    const retired: Promise<void>[] = [];
    this.#log.info(`cluster: reloading: rolling ${count(next.workers, 'worker')} one at a time`);
    for (const slot of [...this.#slots]) {
      if (this.#stopping) return;
      const old = slot.current;
      if (slot.id > next.workers) {
        // Fewer workers now: retire the surplus slot.
        this.#slots.splice(this.#slots.indexOf(slot), 1);
        if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
        if (old !== null) await this.#retire(old, previous.shutdownTimeoutMs, retired);
        continue;
      }
      if (old !== null && old.generation === generation) continue; // replaced after a crash meanwhile
      const candidate = this.#fork(slot);
      const outcome = await this.#whenReady(candidate);
      if (outcome === 'failed') {
        this.#states.delete(candidate.worker.id);
        candidate.worker.process.kill('SIGKILL');
        this.#log.error(`cluster: reload stopped: the new worker ${slot.id} did not start${candidate.failure === null ? '' : `: ${candidate.failure}`}; the other workers keep running`);
        this.#settings = previous;
        return;
      }
      slot.current = candidate;
      if (slot.restartTimer !== null) {
        clearTimeout(slot.restartTimer);
        slot.restartTimer = null;
      }
      if (old !== null) await this.#retire(old, previous.shutdownTimeoutMs, retired);
    }
    for (let id = this.#slots.length + 1; id <= next.workers; id++) {
      const slot = this.#addSlot(id);
      if (slot.current !== null) await this.#whenReady(slot.current);
    }
    await Promise.all(retired);
    if (!this.#stopping) this.#log.info(`cluster: reload complete (${count(this.#slots.length, 'worker')})`);
  }

  #whenReady(state: WorkerState): Promise<'ready' | 'failed'> {
    if (state.ready) return Promise.resolve('ready');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        state.failure ??= `not listening after ${this.#options.startTimeoutMs ?? 30_000} ms`;
        resolve('failed');
      }, this.#options.startTimeoutMs ?? 30_000);
      state.waiters.push((outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
    });
  }

  /**
   * Tells a worker to drain; resolves once it has closed its listener (or exited). Its exit (logged
   * by #onExit as "stopped") is added to `exits`.
   */
  #retire(state: WorkerState, graceMs: number, exits: Promise<void>[]): Promise<void> {
    state.retiring = true;
    if (state.stableTimer !== null) clearTimeout(state.stableTimer);
    exits.push(state.worker.isDead() ? Promise.resolve() : new Promise((resolve) => state.worker.once('exit', () => setImmediate(resolve))));
    return new Promise((resolve) => {
      const onMessage = (message: unknown): void => {
        if (isOurs<WorkerToPrimary>(message) && message.type === 'httpcraft:draining') done();
      };
      const done = (): void => {
        state.worker.off('message', onMessage);
        state.worker.off('exit', done);
        resolve();
      };
      state.worker.on('message', onMessage);
      state.worker.once('exit', done);
      this.#send(state, { type: 'httpcraft:shutdown', graceMs });
      const kill = setTimeout(() => state.worker.process.kill('SIGKILL'), graceMs + 2000);
      kill.unref();
      state.worker.once('exit', () => clearTimeout(kill));
    });
  }

  /**
   * Asks every running worker for its snapshot. Resolves within timeoutMs with one report per worker
   * (slot id, pid, uptime, restarts); a worker that did not answer has snapshot null and an error.
   */
  collectWorkerSnapshots(timeoutMs = 2000): Promise<WorkerReport[]> {
    const running = [...this.#states.values()].filter((s) => s.ready && !s.retiring).sort((a, b) => a.slot.id - b.slot.id);
    const targets: StatsTarget[] = running.map((state) => ({
      row: { id: state.slot.id, pid: state.worker.process.pid ?? 0, uptimeSeconds: (Date.now() - state.startedAt) / 1000, restarts: state.slot.tracker.restarts },
      send: (message) => this.#send(state, message),
    }));
    return this.#stats.collect(targets, timeoutMs);
  }

  /** Sends a message to every worker that is running or starting (one that starts later misses it). */
  broadcast(message: PrimaryToWorker): void {
    for (const state of this.#states.values()) if (!state.retiring) this.#send(state, message);
  }

  /** Seconds since the primary started. */
  get uptimeSeconds(): number {
    return (Date.now() - this.#startedAt) / 1000;
  }
}
