#!/usr/bin/env -S node --max-semi-space-size=1
// Command line entry: argv → config → start(); the banner; graceful shutdown. The only module that
// calls process.exit. Exit status: 0 clean stop, 1 cannot start (port in use, …), 2 usage/config error.
// The shebang caps V8's young generation at 1 MiB per semi-space (`npm start` passes the same flag,
// cluster workers inherit it): a server's garbage is short-lived, and the default 16 MiB semi-spaces
// plus the socket buffers they keep alive between collections cost 10–30 MB of resident memory under
// load for no measured speed (docs/production.md, "Memory").

import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './log/logger.ts';
import { ansi, plain, shouldColor } from './log/colors.ts';
import { parseArgv, subcommandOf } from './config/argv.ts';
import { runHashPassword } from './access/hash-password-command.ts';
import { loadConfig, type Loaded } from './config/load.ts';
import { ConfigErrors } from './config/errors.ts';
import { helpText } from './config/help.ts';
import { printConfig, printConfigJson } from './config/print.ts';
import type { Config } from './config/schema.ts';
import { TlsConfigError } from './tls/load-credentials.ts';
import { httpsBannerLines, httpsOptionsFromConfig, prepareHttps, type PreparedHttps } from './tls/https.ts';
import { resolveWorkerCount, runServer, type ClusterSettings } from './cluster/run-workers.ts';
import { describeTarget, firstFreePort, systemdListenFd, type ListenTarget } from './cluster/listen-target.ts';
import { CONFIG_FILE_ENV, buildCliServer, createConfiguredLogger } from './cluster/cli-server.ts';
import type { ReadyMessage } from './cluster/ipc.ts';
import { bannerText, enabledFeatures, reachableUrls, statusLine, writeLines } from './banner.ts';
import { siteOptions } from './config/to-options.ts';
import { openBrowser } from './open-browser.ts';
import { VERSION } from './version.ts';
import { LIVE_RELOAD_INSTANCE_ENV } from './live-reload/hub.ts';
import { watchForWorkers } from './live-reload/cluster.ts';
import { protectedPaths } from './static/protected-paths.ts';
import type { TreeWatcher } from './live-reload/watcher.ts';
import { removeDeadTemps } from './uploads/temp-journal.ts';

const EXIT_USAGE = 2;

function die(lines: readonly string[], status: number): never {
  process.stderr.write(lines.map((l) => `httpcraft: ${l}\n`).join(''));
  process.exit(status);
}

function load(argv: string[]): Loaded {
  // --help and --version work even beside a broken config file.
  const quick = parseArgv(argv);
  if (quick.errors.length === 0 && quick.action === 'help') {
    process.stdout.write(helpText(VERSION));
    process.exit(0);
  }
  if (quick.errors.length === 0 && quick.action === 'version') {
    process.stdout.write(`httpcraft ${VERSION}\n`);
    process.exit(0);
  }
  try {
    return loadConfig({ argv, env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (error instanceof ConfigErrors) die([...error.warnings.map((w) => `warning: ${w}`), ...error.errors.map((e) => e.toString()), 'run "httpcraft --help" for the options'], EXIT_USAGE);
    throw error;
  }
}

if (subcommandOf(process.argv.slice(2)) === 'hash-password') process.exit(await runHashPassword(process.argv.slice(3), process));

const loaded = load(process.argv.slice(2));
const { config } = loaded;
for (const w of loaded.warnings) process.stderr.write(`httpcraft: warning: ${w}\n`);
if (loaded.action === 'print-config') {
  process.stdout.write(loaded.printFormat === 'json' ? printConfigJson(config, loaded.sources) : printConfig(config, loaded.sources, loaded.configFile));
  process.exit(0);
}

const color = shouldColor(config.colored_logging, process.stdout);
const workers = resolveWorkerCount(config.workers);
// A supervising primary runs when workers were asked for explicitly (even one: crash restarts and
// SIGHUP rolls); by default the one server runs in this process, the cheapest setup.
const supervise = loaded.sources.workers !== 'default';
const clustered = workers > 1 || supervise;
// One writer per log file: in a cluster the primary writes log_file and each worker its own
// (server.worker-N.log); in a single process the server shares this logger, so signal and server
// lines come out in order and in the same place.
const logger: Logger = createConfiguredLogger(config);

// HTTPS: cert/key or PFX files are validated before anything listens; with none, a development
// certificate is made once here (workers then reuse it).
let https: PreparedHttps | null = null;
if (config.enable_ssl) {
  try {
    https = await prepareHttps(httpsOptionsFromConfig(config));
  } catch (error) {
    if (error instanceof TlsConfigError) die([error.message], EXIT_USAGE);
    throw error;
  }
  for (const warning of https.warnings) logger.warn(warning);
}

// Where to listen: an inherited descriptor (--fd, or systemd socket activation), a Unix socket, or host:port.
const activated = systemdListenFd(process.env, process.pid);
let listen: ListenTarget =
  config.listen_fd !== null
    ? { kind: 'fd', fd: config.listen_fd }
    : config.unix_socket !== null
      ? { kind: 'unix', path: config.unix_socket }
      : activated !== null
        ? { kind: 'fd', fd: activated.fd }
        : { kind: 'tcp', host: config.host, port: config.port };
if (config.listen_fd !== null && config.unix_socket !== null) die([`${loaded.sources.listen_fd}: --fd and --unix are exclusive: give one place to listen`], EXIT_USAGE);

// Nobody asked for the default port: when it is taken (another dev server), the next free one will
// do, and the banner says so. A port that was asked for (flag, HTTPCRAFT_PORT, PORT, config file)
// stays a start-up error when busy. Probed here, once, so that every worker gets the same port.
const PORT_TRIES = 20;
let portNote: string | undefined;
if (listen.kind === 'tcp' && loaded.sources.port === 'default') {
  const free = await firstFreePort(listen, PORT_TRIES);
  if (free === null) die([`ports ${listen.port}-${listen.port + PORT_TRIES - 1} on ${listen.host} are all in use; pick one with --port (or -p 0 for any free port)`], 1);
  if (free !== listen.port) {
    portNote = `${listen.port} is in use`;
    logger.info(`port ${listen.port} is in use; listening on ${free} instead`);
    listen = { ...listen, port: free };
    config.port = free;
  }
}

const settings = (c: Config): ClusterSettings<Config> => ({ config: c, workers: resolveWorkerCount(c.workers), listen, shutdownTimeoutMs: c.shutdown_timeout * 1000 });

function configLine(): string {
  const shown = (file: string): string => (relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file));
  if (loaded.configFile !== null) return shown(loaded.configFile);
  if (loaded.ignoredConfigFile !== null) return `none (${shown(loaded.ignoredConfigFile)} is not an httpcraft config: ignored)`;
  return 'none';
}

function printBanner(address: ReadyMessage['address']): void {
  const secure = https !== null;
  const where = describeTarget(listen, address, secure);
  const onTcp = typeof address !== 'string' && listen.kind === 'tcp';
  const hosts = typeof address === 'string' ? [] : (address.hosts ?? [address.address]);
  const port = typeof address === 'string' ? 0 : address.port;
  process.stdout.write(
    bannerText(
      {
        name: config.server_name === '' ? 'httpcraft' : config.server_name,
        version: config.server_version,
        documentRoot: config.document_root,
        host: config.host,
        port,
        secure,
        features: enabledFeatures(config, workers),
        logFile: config.log_file,
        extra: https === null || typeof address === 'string' ? [] : httpsBannerLines(https, address.port),
        ...(onTcp ? { hosts } : { listening: where }),
        ...(loaded.rootIsCwd ? { rootNote: 'the current folder: no ./htdocs here' } : {}),
        ...(portNote === undefined ? {} : { portNote }),
        config: configLine(),
        writes: writeLines(siteOptions(config, logger)),
        status: statusLine(config),
      },
      color ? ansi : plain,
    ),
  );
  logger.info(`httpcraft ${VERSION} listening on ${where}, serving ${config.document_root}${clustered ? ` (${workers} worker${workers === 1 ? '' : 's'})` : ''}`);
  if (listen.kind === 'tcp' && listen.host === '::' && hosts.length > 0 && !hosts.includes('::')) logger.info(`no IPv6 on this machine: listening on ${hosts.join(', ')} only`);
  logger.debug(`config file: ${loaded.configFile ?? '(none)'}`);
  for (const [key, source] of Object.entries(loaded.sources)) if (source !== 'default') logger.debug(`setting ${key} from ${source}`);
  if (config.open_browser) {
    const urls = reachableUrls(hosts, port, secure);
    const url = onTcp ? (urls.local[0] ?? urls.network[0]) : undefined;
    if (url === undefined) logger.warn(`--open: no URL to open (listening on ${where})`);
    else openBrowser(url, (m) => logger.warn(m));
  }
}

// SIGUSR1 (nginx's convention; SIGUSR2 too): reopen log files, for an external logrotate that moved
// them away. A primary passes it on to its workers. A listener of ours also keeps Node from opening
// its inspector on SIGUSR1, which it does for a process with none.
// A worker that dies (SIGKILL, out of memory) cannot remove the temporary files of the uploads it
// was receiving: the primary removes what the worker's list names (uploads/temp-journal.ts).
if (clustered && config.enable_file_uploads) {
  cluster.on('exit', (worker) => {
    const pid = worker.process.pid;
    if (pid === undefined) return;
    const removed = removeDeadTemps(config.state_dir, pid);
    if (removed.length > 0) logger.info(`worker ${pid} exited: removed ${removed.length} unfinished upload${removed.length === 1 ? '' : 's'} (${removed.join(', ')})`);
  });
}

for (const signal of ['SIGUSR1', 'SIGUSR2'] as const) {
  process.on(signal, () => {
    if (clustered) for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  });
}
process.on('uncaughtException', (error) => {
  logger.error('uncaught exception; exiting', error);
  logger.flushSync();
  process.exit(1);
});

// Workers inherit the environment: that is how they learn which config file never to serve.
if (loaded.configFile !== null) process.env[CONFIG_FILE_ENV] = loaded.configFile;
// Live reload: one id for this server, whichever worker a page reaches (a page reloads when it
// reconnects to a new one); in a cluster the one watcher runs here, in the primary.
process.env[LIVE_RELOAD_INSTANCE_ENV] = randomUUID();
let primaryWatcher: TreeWatcher | null = null;
const status = await runServer<Config>({
  settings: settings(config),
  // In this process (one worker) the HTTPS prepared above is used as is; workers prepare their own.
  build: (c) => buildCliServer(c, c === config ? https : null, c === config ? logger : null, loaded.configFile),
  workerEntry: fileURLToPath(new URL('./cluster/cli-worker.js', import.meta.url)),
  logger,
  supervise,
  // SIGHUP in a cluster: re-read config file and environment, then roll the workers one at a time.
  reload: () => settings(loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() }).config),
  onListening: printBanner,
  onSupervisor: (supervisor) => {
    if (!config.live_reload) return;
    const protect = protectedPaths(config.document_root, siteOptions(config, logger, {}, loaded.configFile).neverServe);
    primaryWatcher = watchForWorkers({ root: config.document_root, protect, broadcast: (m) => supervisor.broadcast(m), onWarning: (m) => logger.warn(m) });
  },
  startFailed: (message) => process.stderr.write(`httpcraft: ${message}\n`),
});
(primaryWatcher as TreeWatcher | null)?.close();
if (status !== 0) logger.flushSync();
await logger.close();
process.exit(status);
