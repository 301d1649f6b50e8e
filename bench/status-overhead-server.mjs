#!/usr/bin/env node
// A server for bench/status-overhead.mjs: the same 1 KiB response, with status recording on or off.
//   node bench/status-overhead-server.mjs on|off
// Prints {"port": N} once listening; exits on SIGTERM.

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
const last = (_req, res) => {
  res.setHeader('Content-Type', 'application/octet-stream');
  res.end(body);
};
let handler = last;
let recorder = null;
if (mode === 'on') {
  // What a site with enable_server_status pays: the path check in front of every request and the
  // recorder on the response event.
  recorder = new StatusRecorder({ version: 'bench' });
  handler = compose([statusRoutes({ recorder })], last);
}
const server = createServer({ handler });
recorder?.attach(server);
const address = await server.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(JSON.stringify({ port: address.port }) + '\n');
process.on('SIGTERM', () => {
  recorder?.close();
  void server.close(100).then(() => process.exit(0));
});
