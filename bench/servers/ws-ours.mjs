// Benchmark server: httpcraft's WebSocket echo (the public API, as an app would use it).
// WS_DEFLATE=1 turns permessage-deflate on (our defaults otherwise).
import { createServer, compose, errorHandler, Router } from '../../dist/src/index.js';

const deflate = process.env.WS_DEFLATE === '1';
const router = new Router().websocket('/', (ws) => ws.on('message', (data, isBinary) => void ws.send(data, { binary: isBinary })), { perMessageDeflate: deflate && process.env.WS_TAKEOVER === '1' ? { serverNoContextTakeover: false } : deflate });
// The idle-memory case opens 10,000 sockets: the cap (10,000 by default) is raised a little above.
const server = createServer({ handler: compose([errorHandler()], router.handle), maxConnections: 12_000 });
const address = await server.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ port: address.port });
process.on('SIGTERM', () => void server.close(500).then(() => process.exit(0)));
