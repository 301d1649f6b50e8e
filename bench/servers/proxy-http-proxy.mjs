// The Node proxy people use: http-proxy on a node:http server, with a keep-alive agent to UPSTREAM.
import http from 'node:http';
import httpProxy from 'http-proxy';

// No cap on sockets in use: on Node 20 http-proxy does not abort the upstream request when a client
// leaves mid-response (wrk does at the end of each run), and with a cap the leaked sockets would
// fill it and stall every later request. 64 idle sockets kept, as the other proxies.
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
const proxy = httpProxy.createProxyServer({ target: process.env.UPSTREAM, agent, xfwd: true });
// wrk closes its connections mid-request at the end of a run: the error then comes after the head.
proxy.on('error', (_e, _req, res) => {
  if (res.headersSent === false) res.writeHead(502);
  res.end();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
