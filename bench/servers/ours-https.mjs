// Benchmark server: httpcraft over HTTPS (HTTP/2 and HTTP/1.1 by ALPN), certificate from CERT_FILE /
// KEY_FILE; with PLAIN=1 plain HTTP with h2c instead (prior knowledge beside HTTP/1.1). BODY_MODE=file
// serves DOC_ROOT through the site handler (static files, error handling: what users run);
// BODY_MODE=memory answers GET /1k.txt with an in-memory 1 KiB body, isolating the engine + TLS cost.
import { createServer, prepareHttps, compose, errorHandler, Router } from '../../dist/src/index.js';
import { createSiteHandler } from '../../dist/src/app/site.js';
import { createConsoleLogger } from '../../dist/src/log/logger.js';

const plain = process.env.PLAIN === '1';
const prepared = plain ? null : await prepareHttps({ certFile: process.env.CERT_FILE, keyFile: process.env.KEY_FILE, pfxFile: null, password: null });
const logger = createConsoleLogger('ERROR', process.stderr);
const BODY = Buffer.alloc(1024, 'x');
const BODY_100K = Buffer.alloc(100 * 1024, 'x');
const handler =
  process.env.BODY_MODE === 'memory'
    ? compose([errorHandler()], new Router().route('/1k.txt', { GET: (req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.end(BODY);
      } }).route('/100k.txt', { GET: (req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.end(BODY_100K);
      } }).handle)
    : createSiteHandler({ documentRoot: process.env.DOC_ROOT, showHiddenFiles: false, followSymlinks: false, logger });
// Keep-alive timeout long enough for wrk's connections, as for the other servers.
const server = createServer({ handler, serverName: 'httpcraft', ...(prepared === null ? { http2Cleartext: true } : { tls: prepared.tls }), timeouts: { keepAliveTimeoutMs: 30_000 } });
const address = await server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: address.port });
process.on('SIGTERM', () => void server.close(1000).then(() => process.exit(0)));
