// Client for bench/tls-handshake.mjs: opens new TLS connections to 127.0.0.1:PORT as fast as the
// server takes them, CONCURRENCY at a time, for SECONDS; each sends one GET PATH with
// `Connection: close`, reads the response to the server's close, and is done. MODE=full offers no
// session (a full handshake each time); MODE=resume offers the latest session the server gave
// (a TLS 1.3 ticket, or a TLS 1.2 ticket/session id) and counts how many were really resumed.
// Prints one JSON line: {connections, resumed, errors, seconds}.
import { connect } from 'node:tls';

const port = Number(process.env.PORT);
const path = process.env.PATH_TO_GET ?? '/1k.txt';
const mode = process.env.MODE ?? 'full';
const seconds = Number(process.env.SECONDS ?? 5);
const concurrency = Number(process.env.CONCURRENCY ?? 8);
const maxVersion = process.env.TLS_MAX ?? 'TLSv1.3';
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'latin1');

let session;
let done = 0;
let resumed = 0;
let errors = 0;
const started = performance.now();
const until = started + seconds * 1000;

function one() {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, noDelay: true, maxVersion, ALPNProtocols: ['http/1.1'], ...(mode === 'resume' && session ? { session } : {}) });
    let ok = false;
    socket.on('session', (s) => {
      if (mode === 'resume') session = s;
    });
    socket.on('secureConnect', () => {
      if (socket.isSessionReused()) resumed++;
      socket.write(request);
    });
    socket.on('data', (chunk) => {
      if (!ok && chunk.toString('latin1', 0, 12) === 'HTTP/1.1 200') ok = true;
    });
    socket.on('end', () => socket.end());
    socket.on('error', () => {});
    socket.on('close', () => {
      if (ok) done++;
      else errors++;
      resolve();
    });
  });
}

async function loop() {
  while (performance.now() < until) await one();
}

await Promise.all(Array.from({ length: concurrency }, loop));
console.log(JSON.stringify({ connections: done, resumed, errors, seconds: (performance.now() - started) / 1000 }));
