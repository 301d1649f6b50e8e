// Benchmark server for bench/access.mjs: httpcraft serving DOCROOT through the full site handler,
// with SITE_OPTIONS (JSON) merged into its options: {} for none, {"access": {...}} for sign-in, and
// whatever a variant of the case adds (rate limits).
import { realpathSync } from 'node:fs';
import { createServer } from '../../dist/src/server/http-server.js';
import { createSiteHandler } from '../../dist/src/app/site.js';
import { createConsoleLogger } from '../../dist/src/log/logger.js';

const root = realpathSync(process.env.DOCROOT);
const extra = JSON.parse(process.env.SITE_OPTIONS ?? '{}');
const handler = createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger: createConsoleLogger('ERROR'), ...extra });
const server = createServer({ handler, serverName: 'httpcraft', timeouts: { keepAliveTimeoutMs: 30_000 } });
const address = await server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: address.port });
process.on('SIGTERM', () => void server.close(1000).then(() => process.exit(0)));
