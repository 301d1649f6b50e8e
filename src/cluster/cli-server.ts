// The server the command line runs, built from plain options so that the single-process mode and
// every cluster worker build exactly the same thing. Until the configuration issue lands this takes
// the CLI's few options; the config-driven CLI replaces the body with serverOptions(config, …).

import { createServer, type HttpServer } from '../server/http-server.ts';
import { createSiteHandler } from '../app/site.ts';
import { createConsoleLogger, type LogLevel } from '../log/logger.ts';
import { onStatsRequest } from './worker-stats.ts';

/** Plain JSON: it travels from the primary to each worker. */
export interface CliServerConfig {
  documentRoot: string;
  logLevel: LogLevel;
  serverName: string;
  /** listen() backlog (connection_queue). */
  backlog: number;
}

/** The figures each process reports over IPC until the status issue's recorder replaces them. */
export interface BasicCounts {
  pid: number;
  requests: number;
  bytesSent: number;
  connections: { open: number; total: number; refused: number };
}

export function buildCliServer(config: CliServerConfig): HttpServer {
  const logger = createConsoleLogger(config.logLevel);
  const server = createServer({
    handler: createSiteHandler({ documentRoot: config.documentRoot, showHiddenFiles: false, followSymlinks: false, logger }),
    serverName: config.serverName,
    backlog: config.backlog,
  });
  let requests = 0;
  let bytesSent = 0;
  server.on('error', (error) => logger.error('server error', error));
  server.on('response', (req, res) => {
    requests++;
    bytesSent += res.bodyBytes;
    if (logger.level === 'DEBUG' || logger.level === 'INFO') logger.info(`${req.remoteAddress} "${req.method} ${req.target} HTTP/${req.httpVersion}" ${res.status} ${res.bodyBytes}`);
  });
  onStatsRequest((): BasicCounts => ({ pid: process.pid, requests, bytesSent, connections: server.stats }));
  return server;
}
