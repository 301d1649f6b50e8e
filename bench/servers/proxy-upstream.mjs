// The upstream of the proxy benchmark: node:http answering /1k and /100k from memory (keep-alive).
import http from 'node:http';

const BODIES = { '/1k': Buffer.alloc(1024, 'x'), '/100k': Buffer.alloc(100 * 1024, 'y') };
const server = http.createServer((req, res) => {
  const body = BODIES[req.url] ?? BODIES['/1k'];
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
