// Benchmark server for bench/access-rate.mjs: httpcraft serving a folder (DOCROOT) through the full
// site handler, with a rate-limit rule on every path that never trips (RATE=on), or none (RATE=off).
import { realpathSync } from 'node:fs';
import { createServer } from '../../dist/src/server/http-server.js';
import { createSiteHandler } from '../../dist/src/app/site.js';
import { createConsoleLogger } from '../../dist/src/log/logger.js';

const root = realpathSync(process.env.DOCROOT);
const on = process.env.RATE === 'on';
const rateLimit = {
  rules: on ? [{ path: '/**', per: 'ip', rate: '100000000/s', burst: 1_000_000_000, name: 'bench' }] : [],
  store: 'memory',
  fail: 'open',
  timeoutMs: 500,
  maxKeys: 100_000,
  share: 1,
};
const handler = createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger: createConsoleLogger('ERROR'), rateLimit });
const server = createServer({ handler, serverName: 'httpcraft', timeouts: { keepAliveTimeoutMs: 30_000 } });
const address = await server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: address.port });
process.on('SIGTERM', () => {
  void server.close(1000).then(() => process.exit(0));
});
