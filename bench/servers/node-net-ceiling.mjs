// Reference, not a server: node:net answering every request with the same prebuilt response, with no
// HTTP parsing at all (it only counts "\r\n\r\n" to know how many GETs arrived). It shows the ceiling
// that Node's socket layer alone puts on this benchmark, for reading the httpcraft/node:http ratio.
// A request that says `Connection: close` gets the same response saying so, and the socket is ended
// after it (what an HTTP server does in bench/cli.mjs's close case: accept, one response, close).
import { createServer } from 'node:net';

const BODY = 'x'.repeat(1024);
const RESPONSE = Buffer.from(`HTTP/1.1 200 OK\r\nServer: ceiling\r\nDate: ${new Date().toUTCString()}\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`, 'latin1');
const CLOSING = Buffer.from(RESPONSE.toString('latin1').replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'), 'latin1');
const END = Buffer.from('\r\n\r\n');
const CLOSE_FIELD = /\r\nconnection:[ \t]*close/i;

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let carry = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let count = 0;
    let at = 0;
    for (let i = data.indexOf(END); i !== -1; i = data.indexOf(END, at)) {
      count++;
      at = i + 4;
    }
    carry = data.subarray(at);
    if (count === 1 && CLOSE_FIELD.test(data.toString('latin1', 0, at))) socket.end(CLOSING);
    else if (count === 1) socket.write(RESPONSE);
    else if (count > 1) socket.write(Buffer.concat(Array(count).fill(RESPONSE)));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
