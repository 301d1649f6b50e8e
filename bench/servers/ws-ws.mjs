// Benchmark baseline: the `ws` library's echo server (its own HTTP server from node:http), with
// its defaults. WS_DEFLATE=1 turns permessage-deflate on (ws's defaults: threshold 1024, context
// takeover both ways, 10 concurrent zlib jobs).
import { WebSocketServer } from 'ws';

const deflate = process.env.WS_DEFLATE === '1';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate, maxPayload: 16 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => process.send?.({ port: wss.address().port }));
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  wss.close(() => process.exit(0));
});
