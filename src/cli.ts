#!/usr/bin/env node
// Command line entry: argv → config → start(); the banner; graceful shutdown. The only module that
// calls process.exit. Exit status: 0 clean stop, 1 cannot start (port in use, …), 2 usage/config error.

import type { AddressInfo } from 'node:net';
import { createServer } from './server/http-server.ts';
import { createSiteHandler } from './app/site.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { RotatingFile } from './log/rotating-file.ts';
import { accessEntry } from './log/formats.ts';
import { ansi, plain, shouldColor } from './log/colors.ts';
import { parseArgv } from './config/argv.ts';
import { loadConfig, type Loaded } from './config/load.ts';
import { ConfigErrors } from './config/errors.ts';
import { helpText } from './config/help.ts';
import { printConfig, printConfigJson } from './config/print.ts';
import { serverOptions, siteOptions } from './config/to-options.ts';
import { StatusRecorder } from './status/metrics.ts';
import { TlsConfigError } from './tls/load-credentials.ts';
import { httpsBannerLines, httpsOptionsFromConfig, prepareHttps, startHttpsServices, type HttpsServices, type PreparedHttps } from './tls/https.ts';
import { UploadCounter } from './status/sources.ts';
import { bannerText, enabledFeatures } from './banner.ts';
import { VERSION } from './version.ts';

const EXIT_CANNOT_START = 1;
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

/** One line for the errors a user can cause by where they ask us to listen. */
function listenProblem(error: NodeJS.ErrnoException, host: string, port: number): string | null {
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (is another server running?); stop it, or pick another port: --port ${port === 65535 ? 8000 : port + 1} (or -p 0 for any free port)`;
    case 'EACCES':
      return `no permission to listen on port ${port}${port < 1024 ? ' (ports below 1024 need privileges)' : ''}; use a port from 1024 up, e.g. --port 8080`;
    case 'EADDRNOTAVAIL':
      return `address ${host} does not belong to this machine; use 0.0.0.0 (every interface) or 127.0.0.1 with --host`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name ${host} cannot be resolved; give an IP address with --host`;
    default:
      return null;
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
const file =
  config.log_file === null
    ? null
    : new RotatingFile({
        path: config.log_file,
        maxBytes: config.log_max_size,
        daily: config.log_rotate === 'daily',
        keep: config.log_keep,
        compress: config.log_compress,
        onError: (error) => process.stderr.write(`httpcraft: cannot write log file ${config.log_file}: ${error.message}\n`),
      });
const logger: Logger = createLogger({
  level: config.log_level,
  format: config.access_log_format,
  console: process.stdout,
  errorConsole: process.stderr,
  color: color,
  file,
});

const uploads = new UploadCounter();
const recorder = new StatusRecorder({ name: config.server_name === '' ? 'httpcraft' : config.server_name, version: config.server_version, uploads });
// HTTPS: cert/key or PFX files are validated here; with none, a development certificate is made.
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
const site = createSiteHandler(siteOptions(config, logger, { recorder, uploads }));
recorder.cache = site.cache; // the dashboard's cache hit rate
const options = serverOptions(config, site, https?.tls);
if (config.workers !== 1) logger.warn(`workers: ${config.workers} requested (${loaded.sources.workers}); this build runs a single process`);

const server = createServer(options);
recorder.attach(server, { record: config.enable_server_status });
const logHeaders = config.access_log_format !== 'common';
server.on('response', (req, res) => logger.access(accessEntry(req, res, Date.now(), logHeaders)));
server.on('error', (error, req) => logger.error(req === null ? 'server error' : `${req.method} ${req.target} failed`, error));

let services: HttpsServices | null = null;
let stopping = false;
function stop(signal: string): void {
  if (stopping) {
    // A second signal: the user wants out now. Write what is queued and go.
    logger.warn(`${signal} again: exiting without waiting`);
    logger.flushSync();
    process.exit(1);
  }
  stopping = true;
  logger.info(`${signal}: finishing in-flight requests (up to ${config.shutdown_timeout}s)`);
  void Promise.all([server.close(config.shutdown_timeout * 1000), services?.close()]).then(async () => {
    logger.info('stopped');
    await logger.close();
    process.exit(0);
  });
}
// Registered before listening: a signal that arrives while we start up still drains cleanly.
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

let address: AddressInfo;
try {
  address = (await server.listen({ host: config.host, port: config.port })) as AddressInfo;
} catch (error) {
  const line = listenProblem(error as NodeJS.ErrnoException, config.host, config.port);
  await logger.close();
  die([line ?? `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`], EXIT_CANNOT_START);
}

if (https !== null) {
  try {
    services = await startHttpsServices(https, server, {
      host: config.host,
      redirectHttpPort: config.redirect_http_port,
      logger: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
    });
  } catch (error) {
    if (error instanceof TlsConfigError) {
      await server.close(0);
      await logger.close();
      die([error.message], EXIT_CANNOT_START);
    }
    throw error;
  }
}

process.stdout.write(
  bannerText(
    {
      name: config.server_name === '' ? 'httpcraft' : config.server_name,
      version: config.server_version,
      documentRoot: config.document_root,
      host: config.host,
      port: address.port,
      secure: server.secure,
      features: enabledFeatures(config),
      logFile: config.log_file,
      extra: https === null ? [] : httpsBannerLines(https, address.port, services ?? undefined),
    },
    color ? ansi : plain,
  ),
);
logger.info(`httpcraft ${VERSION} listening on ${config.host}:${address.port}, serving ${config.document_root}`);
logger.debug(`config file: ${loaded.configFile ?? '(none)'}`);
for (const [key, source] of Object.entries(loaded.sources)) if (source !== 'default') logger.debug(`setting ${key} from ${source}`);

// SIGUSR2: reopen the log file, for an external logrotate that moved it away (nginx uses USR1,
// which Node reserves for its inspector).
process.on('SIGUSR2', () => {
  file?.reopen();
  logger.info('SIGUSR2: log file reopened');
});
process.on('uncaughtException', (error) => {
  logger.error('uncaught exception; exiting', error);
  logger.flushSync();
  process.exit(1);
});
