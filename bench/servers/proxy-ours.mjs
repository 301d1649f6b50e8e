// httpcraft as a reverse proxy for the benchmark: the site handler (security headers and all, as
// the CLI builds it) with one proxy route "/" to UPSTREAM, access log off.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, createSiteHandler, createConsoleLogger } from '../../dist/src/index.js';
import { parseProxyRoutes } from '../../dist/src/proxy/route-config.js';

// The same pool as nginx's below: 64 idle connections, no limit on requests per connection.
const parsed = parseProxyRoutes([{ path: '/', to: [process.env.UPSTREAM], keepalive: 64, keepalive_requests: 0 }]);
if (!parsed.ok) throw new Error(parsed.problem);
const handler = createSiteHandler({ documentRoot: mkdtempSync(join(tmpdir(), 'httpcraft-bench-proxy-')), showHiddenFiles: false, followSymlinks: false, logger: createConsoleLogger('WARNING'), proxy: parsed.value });
const server = createServer({ handler, serverName: 'httpcraft' });
const address = await server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: address.port });
process.on('SIGTERM', () => void server.close(1000).then(() => process.exit(0)));
