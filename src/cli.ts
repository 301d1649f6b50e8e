#!/usr/bin/env -S node --max-semi-space-size=1
// Command line entry: argv → config → start(); the banner; graceful shutdown. The only module that
// calls process.exit. Exit status: 0 clean stop, 1 cannot start (port in use, …), 2 usage/config error.
// The shebang caps V8's young generation at 1 MiB per semi-space (`npm start` passes the same flag,
// cluster workers inherit it): a server's garbage is short-lived, and the default 16 MiB semi-spaces
// plus the socket buffers they keep alive between collections cost 10–30 MB of resident memory under
// load for no measured speed (docs/production.md, "Memory").

import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from './log/logger.ts';
import { ansi, plain, shouldColor } from './log/colors.ts';
import { parseArgv } from './config/argv.ts';
import { loadConfig, type Loaded } from './config/load.ts';
import { ConfigErrors } from './config/errors.ts';
import { helpText } from './config/help.ts';
import { printConfig, printConfigJson } from './config/print.ts';
import type { Config } from './config/schema.ts';
import { TlsConfigError } from './tls/load-credentials.ts';
import { httpsBannerLines, httpsOptionsFromConfig, prepareHttps, type PreparedHttps } from './tls/https.ts';
import { resolveWorkerCount, runServer, type ClusterSettings } from './cluster/run-workers.ts';
import { describeTarget, systemdListenFd, type ListenTarget } from './cluster/listen-target.ts';
import { buildCliServer, createConfiguredLogger } from './cluster/cli-server.ts';
import type { ReadyMessage } from './cluster/ipc.ts';
import { bannerText, enabledFeatures } from './banner.ts';
import { VERSION } from './version.ts';

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
const listen: ListenTarget =
  config.listen_fd !== null
    ? { kind: 'fd', fd: config.listen_fd }
    : config.unix_socket !== null
      ? { kind: 'unix', path: config.unix_socket }
      : activated !== null
        ? { kind: 'fd', fd: activated.fd }
        : { kind: 'tcp', host: config.host, port: config.port };
if (config.listen_fd !== null && config.unix_socket !== null) die([`${loaded.sources.listen_fd}: --fd and --unix are exclusive: give one place to listen`], EXIT_USAGE);

const settings = (c: Config): ClusterSettings<Config> => ({ config: c, workers: resolveWorkerCount(c.workers), listen, shutdownTimeoutMs: c.shutdown_timeout * 1000 });

function printBanner(address: ReadyMessage['address']): void {
  const secure = https !== null;
  const where = describeTarget(listen, address, secure);
  const onTcp = typeof address !== 'string' && listen.kind === 'tcp';
  process.stdout.write(
    bannerText(
      {
        name: config.server_name === '' ? 'httpcraft' : config.server_name,
        version: config.server_version,
        documentRoot: config.document_root,
        host: config.host,
        port: typeof address === 'string' ? 0 : address.port,
        secure,
        features: enabledFeatures(config, workers),
        logFile: config.log_file,
        extra: https === null || typeof address === 'string' ? [] : httpsBannerLines(https, address.port),
        ...(onTcp ? {} : { listening: where }),
      },
      color ? ansi : plain,
    ),
  );
  logger.info(`httpcraft ${VERSION} listening on ${where}, serving ${config.document_root}${clustered ? ` (${workers} worker${workers === 1 ? '' : 's'})` : ''}`);
  logger.debug(`config file: ${loaded.configFile ?? '(none)'}`);
  for (const [key, source] of Object.entries(loaded.sources)) if (source !== 'default') logger.debug(`setting ${key} from ${source}`);
}

// SIGUSR2: reopen log files, for an external logrotate that moved them away (nginx uses USR1,
// which Node reserves for its inspector). A primary passes it on to its workers.
process.on('SIGUSR2', () => {
  if (clustered) for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGUSR2');
});
process.on('uncaughtException', (error) => {
  logger.error('uncaught exception; exiting', error);
  logger.flushSync();
  process.exit(1);
});

const status = await runServer<Config>({
  settings: settings(config),
  // In this process (one worker) the HTTPS prepared above is used as is; workers prepare their own.
  build: (c) => buildCliServer(c, c === config ? https : null, c === config ? logger : null),
  workerEntry: fileURLToPath(new URL('./cluster/cli-worker.js', import.meta.url)),
  logger,
  supervise,
  // SIGHUP in a cluster: re-read config file and environment, then roll the workers one at a time.
  reload: () => settings(loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() }).config),
  onListening: printBanner,
  startFailed: (message) => process.stderr.write(`httpcraft: ${message}\n`),
});
if (status !== 0) logger.flushSync();
await logger.close();
process.exit(status);
