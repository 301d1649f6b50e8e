// Benchmark server for bench/status-overhead.mjs: the same app as servers/ours.mjs (error handler,
// router, in-memory 1 KiB body), with status recording on or off (STATUS=on|off). "on" adds what a
// site with enable_server_status pays: the status middleware's path check in front of every request
// and the recorder on the server's response event.
import { createServer, compose, errorHandler, Router, StatusRecorder, statusRoutes } from '../../dist/src/index.js';

const BODY = Buffer.alloc(1024, 'x');
const router = new Router().route('/', {
  GET: (req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(BODY);
  },
});
const on = process.env.STATUS === 'on';
const recorder = on ? new StatusRecorder({ version: 'bench' }) : null;
const middleware = recorder === null ? [errorHandler()] : [errorHandler(), statusRoutes({ recorder })];
const server = createServer({ handler: compose(middleware, router.handle), serverName: 'httpcraft' });
recorder?.attach(server);
const address = await server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: address.port });
process.on('SIGTERM', () => {
  recorder?.close();
  void server.close(1000).then(() => process.exit(0));
});
