// The server the command line runs, built from the resolved configuration, so that the
// single-process mode and every cluster worker build exactly the same thing: logger, status
// recorder, site handler, HTTPS, and the engine. The primary of a cluster never calls this.

import cluster from 'node:cluster';
import { createServer } from '../server/http-server.ts';
import { createSiteHandler } from '../app/site.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { RotatingFile } from '../log/rotating-file.ts';
import { accessLogFile, logFileFor } from '../log/log-paths.ts';
import { accessEntry } from '../log/formats.ts';
import { shouldColor } from '../log/colors.ts';
import type { Config } from '../config/schema.ts';
import { serverOptions, siteOptions } from '../config/to-options.ts';
import { StatusRecorder } from '../status/metrics.ts';
import { UploadCounter } from '../status/sources.ts';
import { mergeSnapshots, type StatusSnapshot } from '../status/snapshot.ts';
import { prepareHttps, httpsOptionsFromConfig, startHttpsServices, type HttpsServices, type PreparedHttps } from '../tls/https.ts';
import { clusterSnapshot, onStatsRequest } from './worker-stats.ts';
import type { BuiltServer } from './worker-main.ts';
import { receiveFromPrimary } from '../live-reload/cluster.ts';
import { loadApp } from '../app/app-loader.ts';
import { enableTempJournal, removeDeadTemps } from '../uploads/temp-journal.ts';
import { TraceHub } from '../trace/trace-hub.ts';
import { inspectorSource } from './worker-trace.ts';
import { formatExchange, formatFrame } from '../trace/console-trace.ts';
import { parseTraceFilter } from '../trace/trace-filter.ts';
import { ansi, plain } from '../log/colors.ts';

/** How often redirected console output is written (ms): see createLogger's consoleBatchMs. */
const CONSOLE_BATCH_MS = 50;

export { logFileFor };

/**
 * The logger a process uses: server events to the console (colored on a TTY) or to log_file; access
 * lines as access_log says (stdout, off, or a file, the same one when it names log_file). Each is a
 * rotating file of this process (per worker in a cluster, see logFileFor).
 */
export function createConfiguredLogger(config: Config, slot?: string): Logger {
  const rotating = (path: string): RotatingFile =>
    new RotatingFile({
      path: logFileFor(path, slot),
      maxBytes: config.log_max_size,
      daily: config.log_rotate === 'daily',
      keep: config.log_keep,
      compress: config.log_compress,
      onError: (error) => process.stderr.write(`httpcraft: cannot write log file ${logFileFor(path, slot)}: ${error.message}\n`),
    });
  const file = config.log_file === null ? null : rotating(config.log_file);
  const accessPath = accessLogFile(config.access_log);
  const access = accessPath === null ? (config.access_log === 'off' ? 'off' : 'console') : accessPath === config.log_file ? 'events' : rotating(accessPath);
  const logger = createLogger({
    level: config.log_level,
    format: config.access_log_format,
    console: process.stdout,
    errorConsole: process.stderr,
    color: shouldColor(config.colored_logging, process.stdout, process.env),
    file,
    access,
    // Redirected output is batched (see ConsoleBuffer); a terminal gets each turn's lines at once.
    consoleBatchMs: process.stdout.isTTY === true ? 0 : CONSOLE_BATCH_MS,
  });
  const files = [file, typeof access === 'object' ? access : null].filter((f): f is RotatingFile => f !== null);
  // SIGUSR1 (as nginx; SIGUSR2 too): reopen the files after an external logrotate moved them away.
  // Lines written before the signal land in the moved file, those after in the new one, none lost.
  // Installed even with no file: a process without a SIGUSR1 listener would open Node's inspector.
  for (const signal of ['SIGUSR1', 'SIGUSR2'] as const) {
    process.on(signal, () => {
      if (files.length === 0) return logger.debug(`${signal}: no log file to reopen`);
      for (const f of files) f.reopen();
      logger.info(`${signal}: ${files.length === 1 ? 'log file' : 'log files'} reopened`);
    });
  }
  return logger;
}

/** --trace: every exchange (or those trace_filter selects) printed on stdout, colored on a terminal. */
function traceToConsole(hub: TraceHub, config: Config): void {
  const filter = config.trace_filter === null ? null : parseTraceFilter(config.trace_filter);
  if (typeof filter === 'string') throw new Error(`trace_filter: ${filter}`); // refused when the config was loaded
  const paint = shouldColor(config.colored_logging, process.stdout, process.env) ? ansi : plain;
  // A WebSocket's frames are printed when the exchange that opened it (its 101) was.
  const switched = new Set<number>();
  hub.subscribe((record) => {
    if (filter !== null && !filter.matches(record)) return;
    if (record.status === 101) switched.add(record.connection);
    process.stdout.write(formatExchange(record, paint));
  });
  hub.subscribeFrames((record) => {
    if (!switched.has(record.connection)) return;
    process.stdout.write(formatFrame(record, paint));
    if (record.opcode === 'CLOSE' && record.dir === 'out') switched.delete(record.connection);
  });
}

/**
 * The config file the primary loaded, for its workers (a worker gets the resolved configuration,
 * not the command line): the static server must never serve it.
 */
export const CONFIG_FILE_ENV = 'HTTPCRAFT_WORKER_CONFIG_FILE';

/**
 * `prepared`: HTTPS already prepared by the caller for this same configuration (the single-process
 * CLI validates certificates before listening); workers prepare their own. `shared`: the caller's
 * logger, which it closes itself (the single-process CLI: one logger, so its signal lines and the
 * server's stay in order and go to the same place); workers make their own. `configFile`: the config
 * file that was loaded (never served); workers read it from CONFIG_FILE_ENV.
 */
export async function buildCliServer(config: Config, prepared: PreparedHttps | null = null, shared: Logger | null = null, configFile: string | null = process.env[CONFIG_FILE_ENV] ?? null): Promise<BuiltServer> {
  const slot = cluster.isWorker ? process.env.HTTPCRAFT_WORKER_SLOT : undefined;
  const logger = shared ?? createConfiguredLogger(config, slot);
  const uploads = new UploadCounter();
  const recorder = new StatusRecorder({ name: config.server_name === '' ? 'httpcraft' : config.server_name, version: config.server_version, uploads });
  // In a cluster the status page shows every worker: the primary gathers and merges their figures.
  const snapshot = cluster.isWorker ? () => clusterSnapshot<StatusSnapshot>((snaps) => mergeSnapshots(snaps)) : undefined;
  if (cluster.isWorker) onStatsRequest(() => recorder.snapshot());

  if (config.enable_file_uploads) {
    // Unfinished uploads of processes that were killed (temp-journal.ts), then our own list.
    const removed = removeDeadTemps(config.state_dir);
    if (removed.length > 0) logger.info(`removed ${removed.length} unfinished upload${removed.length === 1 ? '' : 's'} of a process that was killed: ${removed.join(', ')}`);
    enableTempJournal(config.state_dir);
  }
  const https = !config.enable_ssl ? null : (prepared ?? (await prepareHttps(httpsOptionsFromConfig(config))));
  const site = siteOptions(config, logger, { recorder, uploads }, configFile);
  if (site.status !== undefined && snapshot !== undefined) site.status.snapshot = snapshot;
  // --app: loaded by every process that serves (each worker its own copy), before listening.
  const app = config.app === null ? null : await loadApp(config.app, { logger, documentRoot: config.document_root });
  if (app !== null) site.app = app.middleware;
  // Who watches the exchanges: --trace below, inspector pages (status routes). Nobody, nothing is recorded.
  const traceHub = new TraceHub();
  if (slot !== undefined) traceHub.worker = Number(slot);
  if (config.trace) traceToConsole(traceHub, config);
  if (site.status !== undefined) site.status.trace = inspectorSource(traceHub); // the inspector page (docs/inspector.md)
  const handler = createSiteHandler(site);
  recorder.cache = handler.cache; // the dashboard's cache hit rate
  recorder.upstreams = handler.proxy; // per-backend figures (status page, /metrics)
  // Live reload: a worker hears of changes from the primary's one watcher; a single process watches.
  // The first walk of the folders is done before listening, so an edit right after start is seen.
  const live = handler.liveReload;
  let stopLiveReload: (() => void) | null = null;
  if (live !== null && cluster.isWorker) stopLiveReload = receiveFromPrimary(live);
  else if (live !== null) {
    const watcher = live.watch({ onWarning: (m) => logger.warn(m) });
    await watcher.ready;
    stopLiveReload = () => watcher.close();
  }
  // SIGHUP in a single process re-reads auth_file (a cluster's primary rolls the workers instead).
  const reloadUsers = handler.reloadUsers;
  if (!cluster.isWorker && reloadUsers !== null && config.auth_file !== null) {
    process.on('SIGHUP', () => {
      try {
        reloadUsers();
        logger.info(`SIGHUP: ${config.auth_file} re-read`);
      } catch (error) {
        logger.error(`SIGHUP: ${config.auth_file} not re-read, the users stay as they were: ${(error as Error).message}`);
      }
    });
  }
  const server = createServer({ ...serverOptions(config, handler, https?.tls), trace: traceHub });
  recorder.attach(server, { record: config.enable_server_status });
  const logHeaders = config.access_log_format !== 'common';
  // server.now(): the clock requests are stamped with (monotonic, read once per loop turn), so the
  // duration is not skewed by wall-clock adjustments and costs no clock read of its own.
  if (config.access_log !== 'off') server.on('response', (req, res) => logger.access(accessEntry(req, res, server.now(), logHeaders)));
  server.on('error', (error, req) => logger.error(req === null ? 'server error' : `${req.method} ${req.target} failed`, error));
  server.on('warning', (message) => logger.warn(message));

  let services: HttpsServices | null = null;
  return {
    server,
    afterListen: async () => {
      if (https === null) return;
      services = await startHttpsServices(https, server, {
        host: config.host,
        redirectHttpPort: config.redirect_http_port,
        // In a cluster the primary answers SIGHUP by rolling workers, which reloads certificates too.
        ...(cluster.isWorker ? { reloadSignal: null } : {}),
        logger: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
      });
    },
    close: async () => {
      stopLiveReload?.();
      await services?.close();
      await handler.close();
      await app?.close();
      // A worker's stop is the primary's to announce ("cluster: worker N (pid …) stopped"), once.
      if (!cluster.isWorker) logger.info('stopped');
      if (shared === null) await logger.close();
    },
  };
}
