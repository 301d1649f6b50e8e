#!/usr/bin/env node
// A WebSocket echo server on every path: text comes back as text, binary as binary, with
// permessage-deflate on. It is the server conformance suites (the Autobahn testsuite, say) expect.
//
//   npm run build && node examples/websocket-echo.mjs --port 9001 [--host 127.0.0.1] [--tls]
//
// --tls serves wss:// with a development certificate (generated once, kept in the system's temp
// folder). SIGTERM or SIGINT closes every client with 1001 (going away), then exits.
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, prepareHttps, Router } from '../dist/src/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', short: 'p', default: '9001' },
    host: { type: 'string', short: 'H', default: '127.0.0.1' },
    tls: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: node examples/websocket-echo.mjs --port N [--host H] [--tls]');
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a TCP port (0-65535), not ${JSON.stringify(values.port)}`);
  process.exit(2);
}

const router = new Router()
  .websocket(
    () => true,
    (ws) => {
      ws.on('message', (data, isBinary) => void ws.send(data, { binary: isBinary }));
      ws.on('error', () => {}); // a client's protocol error already closed it with the right code
    },
    { perMessageDeflate: true },
  )
  .route(() => true, { GET: (_req, res) => res.send(200, 'WebSocket echo server: connect with ws:// (or wss://) to any path.\n') });

const tls = values.tls
  ? (await prepareHttps({ certFile: null, keyFile: null, pfxFile: null, password: null, stateDir: join(tmpdir(), 'httpcraft-websocket-echo') })).tls
  : undefined;
const server = createServer({ handler: router.handle, ...(tls ? { tls } : {}) });
server.on('error', (error) => console.error(error));
await server.listen({ host: values.host, port });
const address = server.address();
const shown = values.host.includes(':') ? `[${values.host}]` : values.host;
console.log(`WebSocket echo on ${values.tls ? 'wss' : 'ws'}://${shown}:${typeof address === 'object' && address !== null ? address.port : port}/ (permessage-deflate on)`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  // close() sends 1001 to every WebSocket, waits for their closing handshakes (5 s at most each),
  // and drops whatever is left after 6 s.
  await server.close(6000);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
