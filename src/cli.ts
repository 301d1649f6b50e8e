#!/usr/bin/env node
// Command line entry: argv → options → server. The only module that calls process.exit.

import { parseArgs } from 'node:util';
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConsoleLogger, LEVELS, type LogLevel } from './log/logger.ts';
import { VERSION } from './version.ts';
import { resolveWorkerCount, runServer, type ClusterSettings } from './cluster/run-workers.ts';
import { describeTarget, systemdListenFd, type ListenTarget } from './cluster/listen-target.ts';
import { buildCliServer, type CliServerConfig } from './cluster/cli-server.ts';

function fail(message: string): never {
  process.stderr.write(`httpcraft: ${message}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', short: 'H' },
    port: { type: 'string', short: 'p' },
    'document-root': { type: 'string', short: 'd' },
    directory: { type: 'string' },
    'log-level': { type: 'string' },
    workers: { type: 'string' },
    'max-threads': { type: 'string' },
    unix: { type: 'string' },
    fd: { type: 'string' },
    version: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help === true) {
  process.stdout.write(`Usage: httpcraft [options] [ROOT]\n\n  -H, --host HOST            address to bind (default 0.0.0.0)\n  -p, --port PORT            port to listen on (default 8000)\n  -d, --document-root DIR    folder to serve (default htdocs; legacy --directory)\n  --log-level LEVEL          DEBUG, INFO, WARNING or ERROR\n  --workers N|auto           worker processes (alias --max-threads; auto = one per core)\n  --unix PATH                listen on a Unix socket instead of TCP\n  --fd N                     listen on an inherited socket (systemd: LISTEN_FDS is read by itself)\n  --version                  print the version\n`);
  process.exit(0);
}
if (values.version === true) {
  process.stdout.write(`httpcraft ${VERSION}\n`);
  process.exit(0);
}

const host = values.host ?? '0.0.0.0';
const port = Number(values.port ?? 8000);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: ${values.port} is not a port (0-65535)`);
const rootArg = positionals[0] ?? values['document-root'] ?? values.directory ?? 'htdocs';
let root: string;
try {
  root = realpathSync(resolve(rootArg));
  if (!statSync(root).isDirectory()) fail(`document root ${rootArg} is not a folder`);
} catch {
  fail(`document root ${rootArg} does not exist`);
}
const level = (values['log-level'] ?? 'INFO').toUpperCase();
if (!(level in LEVELS)) fail(`--log-level: ${values['log-level']} is not one of DEBUG, INFO, WARNING, ERROR`);
const logger = createConsoleLogger(level as LogLevel);

// ---- cluster and listen options (issue 8): --workers/--max-threads, --unix, --fd, systemd ----
const workersArg = values.workers ?? values['max-threads'];
let workers = 1;
if (workersArg !== undefined) {
  const n = workersArg === 'auto' ? 'auto' : Number(workersArg);
  if (n !== 'auto' && (!Number.isInteger(n) || n < 1 || n > 1024)) fail(`--workers: ${workersArg} is not a number of workers (1-1024, or auto)`);
  workers = resolveWorkerCount(n);
}
if (values.unix !== undefined && values.fd !== undefined) fail('--unix and --fd are exclusive: give one place to listen');
let listen: ListenTarget;
const activated = systemdListenFd(process.env, process.pid);
if (values.fd !== undefined) {
  const fd = Number(values.fd);
  if (!Number.isInteger(fd) || fd < 0) fail(`--fd: ${values.fd} is not a file descriptor number`);
  listen = { kind: 'fd', fd };
} else if (values.unix !== undefined) listen = { kind: 'unix', path: resolve(values.unix) };
else if (activated !== null) listen = { kind: 'fd', fd: activated.fd };
else listen = { kind: 'tcp', host, port };
if (activated !== null && activated.count > 1) logger.warn(`systemd passed ${activated.count} sockets; httpcraft listens on the first (fd 3) only`);

// Re-resolved on SIGHUP, so a deploy that repoints a "current" symlink is picked up by the roll.
const settingsNow = (): ClusterSettings<CliServerConfig> => {
  const documentRoot = realpathSync(resolve(rootArg));
  if (!statSync(documentRoot).isDirectory()) throw new Error(`document root ${rootArg} is not a folder`);
  return { config: { documentRoot, logLevel: level as LogLevel, serverName: `httpcraft/${VERSION}`, backlog: 511 }, workers, listen, shutdownTimeoutMs: 10_000 };
};

process.exitCode = await runServer({
  settings: settingsNow(),
  build: buildCliServer,
  workerEntry: fileURLToPath(new URL('./cluster/cli-worker.js', import.meta.url)),
  logger,
  supervise: workersArg !== undefined,
  reload: settingsNow,
  onListening: (address) => {
    const where = describeTarget(listen, address);
    logger.info(`httpcraft ${VERSION} serving ${root} at ${where}${workers > 1 || workersArg !== undefined ? ` (${workers} worker${workers === 1 ? '' : 's'})` : ''}`);
  },
});
process.exit();
