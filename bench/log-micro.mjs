#!/usr/bin/env node
// CPU cost of one access log line through the whole logging path (entry, format, queue, batched
// file write with rotation), in µs per line. On a machine too busy for wrk to be steady, this is
// the figure to compare against the server's CPU time per request.
// Usage: npm run build && node bench/log-micro.mjs [lines]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../dist/src/log/logger.js';
import { RotatingFile } from '../dist/src/log/rotating-file.js';
import { accessEntry } from '../dist/src/log/formats.js';

const LINES = Number(process.argv[2] ?? 300_000);
const BURST = 500; // lines per event-loop turn, like a busy server
const headers = new Map([['referer', 'http://example.com/start.html'], ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0']]);
const req = { remoteAddress: '127.0.0.1', method: 'GET', target: '/static/app.js?v=3', httpVersion: '1.1', startTime: Date.now(), header: (n) => headers.get(n), local: () => undefined };
const res = { status: 200, bodyBytes: 1024 };

for (const format of ['common', 'combined', 'json']) {
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-logmicro-'));
  const file = new RotatingFile({ path: join(dir, 'access.log'), maxBytes: 10 * 1024 * 1024, daily: false, keep: 3, compress: false });
  const logger = createLogger({ format, console: null, file });
  const start = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LINES; i += BURST) {
    for (let j = 0; j < BURST; j++) logger.access(accessEntry(req, res, Date.now(), format !== 'common'));
    await new Promise((r) => setImmediate(r));
  }
  await logger.close();
  const cpu = process.cpuUsage(start);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${format.padEnd(8)} ${((cpu.user + cpu.system) / LINES).toFixed(2)} µs CPU per line, ${LINES} lines in ${wall.toFixed(0)} ms wall (rotations: ${file.rotations})`);
  rmSync(dir, { recursive: true, force: true });
}
