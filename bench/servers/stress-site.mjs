// Benchmark server for bench/stress.mjs: httpcraft's full site (static files, listings, uploads,
// PUT/DELETE) on DOCROOT, with the timeouts an exposed server would use, shortened so that attackers
// are cut off within a bounded run (TIMEOUTS, JSON, overrides them), and room for 10,000+ connections.
import { realpathSync } from 'node:fs';
import { createServer } from '../../dist/src/server/http-server.js';
import { createSiteHandler } from '../../dist/src/app/site.js';
import { createConsoleLogger } from '../../dist/src/log/logger.js';

const root = realpathSync(process.env.DOCROOT);
const MAX_UPLOAD = 256 * 1024 * 1024;
const handler = createSiteHandler({
  documentRoot: root,
  showHiddenFiles: false,
  followSymlinks: false,
  directoryListing: true,
  logger: createConsoleLogger('ERROR'),
  uploads: { enabled: true, enableDelete: true, overwrite: true, limits: { maxUploadSize: MAX_UPLOAD } },
});
const server = createServer({
  handler,
  serverName: 'httpcraft',
  maxConnections: 30_000,
  backlog: 4096,
  limits: { maxBodyBytes: MAX_UPLOAD },
  timeouts: { headersTimeoutMs: 5_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 300_000, writeStallTimeoutMs: 5_000, ...JSON.parse(process.env.TIMEOUTS ?? '{}') },
});
const address = await server.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ port: address.port });
process.on('SIGTERM', () => void server.close(1000).then(() => process.exit(0)));
