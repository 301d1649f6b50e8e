#!/usr/bin/env node
// A server for bench/status-overhead.mjs: the same 1 KiB response, with status recording on or off.
//   node bench/status-overhead-server.mjs on|off
// Prints {"port": N} once listening. A line "stats" on stdin answers with the process's CPU time and
// the requests served so far (CPU per request is steadier than req/s on a busy machine). Exits on
// SIGTERM.

import { createServer } from '../dist/src/server/http-server.js';
import { compose } from '../dist/src/app/pipeline.js';
import { StatusRecorder } from '../dist/src/status/metrics.js';
import { statusRoutes } from '../dist/src/status/status-routes.js';

const mode = process.argv[2];
if (mode !== 'on' && mode !== 'off') {
  process.stderr.write('usage: status-overhead-server.mjs on|off\n');
  process.exit(2);
}
const body = Buffer.alloc(1024, 'x');
let served = 0;
const last = (_req, res) => {
  served++;
  res.setHeader('Content-Type', 'application/octet-stream');
  res.end(body);
};
// Both modes run a middleware chain, as the site does (its error handler is always first). "on" adds
// what a site with enable_server_status pays: the status middleware's path check in front of every
// request and the recorder on the server's response event.
const passThrough = (_req, _res, next) => next();
let recorder = null;
let handler = compose([passThrough], last);
if (mode === 'on') {
  recorder = new StatusRecorder({ version: 'bench' });
  handler = compose([passThrough, statusRoutes({ recorder })], last);
}
const server = createServer({ handler });
recorder?.attach(server);
const address = await server.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(JSON.stringify({ port: address.port }) + '\n');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  let nl;
  while ((nl = input.indexOf('\n')) !== -1) {
    const line = input.slice(0, nl);
    input = input.slice(nl + 1);
    if (line === 'stats') {
      const cpu = process.cpuUsage();
      process.stdout.write(JSON.stringify({ cpuMicros: cpu.user + cpu.system, served }) + '\n');
    }
  }
});
process.on('SIGTERM', () => {
  recorder?.close();
  void server.close(100).then(() => process.exit(0));
});
