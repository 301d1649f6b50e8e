// Baseline for the http2 case: node:http2's createSecureServer (or createServer for h2c with
// PLAIN=1) answering every request from memory with BODY_BYTES bytes, the fastest node:http2 can be.
import { createSecureServer, createServer } from 'node:http2';
import { readFileSync } from 'node:fs';

const body = Buffer.alloc(Number(process.env.BODY_BYTES ?? 1024), 'x');
const onStream = (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
  stream.end(body);
};
const server = process.env.PLAIN === '1' ? createServer() : createSecureServer({ key: readFileSync(process.env.KEY_FILE), cert: readFileSync(process.env.CERT_FILE) });
server.on('stream', onStream);
server.on('sessionError', () => {});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
setTimeout(() => {}, 1 << 30);
