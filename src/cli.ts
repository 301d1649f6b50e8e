#!/usr/bin/env node
// Command line entry: argv → options → server. The only module that calls process.exit.

import { parseArgs } from 'node:util';
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from './server/http-server.ts';
import { createSiteHandler } from './app/site.ts';
import { createConsoleLogger, LEVELS, type LogLevel } from './log/logger.ts';
import { VERSION } from './version.ts';

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
    version: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help === true) {
  process.stdout.write(`Usage: httpcraft [options] [ROOT]\n\n  -H, --host HOST            address to bind (default 0.0.0.0)\n  -p, --port PORT            port to listen on (default 8000)\n  -d, --document-root DIR    folder to serve (default htdocs; legacy --directory)\n  --log-level LEVEL          DEBUG, INFO, WARNING or ERROR\n  --version                  print the version\n`);
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

const server = createServer({
  handler: createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger }),
  serverName: `httpcraft/${VERSION}`,
});
server.on('error', (error) => logger.error('server error', error));
server.on('response', (req, res) => {
  logger.info(`${req.remoteAddress} "${req.method} ${req.target} HTTP/${req.httpVersion}" ${res.status} ${res.bodyBytes}`);
});

let boundPort = port;
try {
  const address = await server.listen({ host, port });
  // With -p 0 the system picks a free port: show the real one.
  if (typeof address === 'object') boundPort = address.port;
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail(`port ${port} is already in use; stop the other server or pick another with --port`);
  if (code === 'EACCES') fail(`no permission to listen on port ${port}; use a port above 1023`);
  throw error;
}
const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
logger.info(`httpcraft ${VERSION} serving ${root} at http://${shown}:${boundPort}/`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) {
    logger.warn(`${signal} again: exiting now`);
    process.exit(1);
  }
  stopping = true;
  // Close the listener first, so that once this line is out no new connection is accepted.
  const closed = server.close(10_000);
  logger.info(`${signal}: finishing in-flight requests`);
  void closed.then(() => {
    logger.info('stopped');
    process.exit(0);
  });
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
