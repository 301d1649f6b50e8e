// Benchmark server: httpcraft serving a folder (DOCROOT) through the full site handler: security
// headers, file cache, listings; the configuration a user gets by default plus directory_listing.
import { realpathSync } from 'node:fs';
import { createServer } from '../../dist/src/server/http-server.js';
import { createSiteHandler } from '../../dist/src/app/site.js';
import { createConsoleLogger } from '../../dist/src/log/logger.js';

const root = realpathSync(process.env.DOCROOT);
const handler = createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, directoryListing: true, logger: createConsoleLogger('ERROR') });
const server = createServer({ handler, serverName: 'httpcraft', timeouts: { keepAliveTimeoutMs: 30_000 } });
const address = await server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: address.port });
process.on('SIGTERM', () => {
  process.send?.({ cache: handler.cacheStats() });
  void server.close(1000).then(() => process.exit(0));
});
