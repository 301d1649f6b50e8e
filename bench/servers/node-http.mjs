// Baseline: a minimal node:http server answering GET / with the same 1 KiB body.
import { createServer } from 'node:http';

const BODY = Buffer.alloc(1024, 'x');
const server = createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Content-Length', BODY.length);
  res.end(BODY);
});
// node:http's defaults, except a keep-alive timeout long enough for wrk's connections.
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
