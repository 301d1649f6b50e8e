// Benchmark server: httpcraft answering GET / with an in-memory 1 KiB body through the public API
// (router + error handler included, as a real app would have).
import { createServer, compose, errorHandler, Router } from '../../dist/src/index.js';

const BODY = Buffer.alloc(1024, 'x');
const router = new Router().route('/', {
  GET: (req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(BODY);
  },
});
const server = createServer({ handler: compose([errorHandler()], router.handle), serverName: 'httpcraft' });
const address = await server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: address.port });
process.on('SIGTERM', () => void server.close(1000).then(() => process.exit(0)));
