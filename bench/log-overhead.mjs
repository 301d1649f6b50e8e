#!/usr/bin/env node
// Measures what access logging costs on the hot path: the same static site served with no access
// log, with the access log to a rotating file, and to the console (stdout to /dev/null), each
// under wrk. Usage: npm run build && node bench/log-overhead.mjs [seconds] [connections]
// Prints requests/second per mode and the slowdown against "none".
import { fork, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mode = process.env.LOG_BENCH_MODE;
if (mode !== undefined) {
  // Child: one server.
  const { createServer } = await import('../dist/src/server/http-server.js');
  const { createSiteHandler } = await import('../dist/src/app/site.js');
  const { createLogger } = await import('../dist/src/log/logger.js');
  const { RotatingFile } = await import('../dist/src/log/rotating-file.js');
  const { accessEntry } = await import('../dist/src/log/formats.js');
  const file = mode === 'file' ? new RotatingFile({ path: process.env.LOG_BENCH_FILE, maxBytes: 10 * 1024 * 1024, daily: false, keep: 2, compress: false }) : null;
  const logger = createLogger({ level: 'INFO', format: process.env.LOG_BENCH_FORMAT ?? 'combined', console: process.stdout, file });
  const server = createServer({ handler: createSiteHandler({ documentRoot: process.env.LOG_BENCH_ROOT, showHiddenFiles: false, followSymlinks: false, logger }) });
  if (mode !== 'none') server.on('response', (req, res) => logger.access(accessEntry(req, res)));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  process.send({ port: address.port });
  // CPU time per request is steadier than requests/second on a shared machine: the parent asks for
  // it around the measured run.
  let requests = 0;
  server.on('response', () => requests++);
  process.on('message', (m) => {
    if (m === 'mark') process.send({ cpu: process.cpuUsage(), requests });
  });
  process.on('SIGTERM', () => void server.close(1000).then(() => logger.close()).then(() => process.exit(0)));
} else {
  const seconds = process.argv[2] ?? '10';
  const connections = process.argv[3] ?? '50';
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-logbench-'));
  writeFileSync(join(dir, 'index.html'), 'x'.repeat(1024));
  const results = {};
  const cpu = {};
  try {
    for (const m of ['none', 'file', 'console', 'none', 'file', 'console', 'none', 'file', 'console']) {
      const devnull = openSync('/dev/null', 'w');
      const child = fork(new URL(import.meta.url).pathname, [], {
        env: { ...process.env, LOG_BENCH_MODE: m, LOG_BENCH_ROOT: dir, LOG_BENCH_FILE: join(dir, 'logs', 'access.log') },
        stdio: ['ignore', devnull, 'inherit', 'ipc'],
      });
      const { port } = await new Promise((r) => child.once('message', r));
      execFileSync('wrk', ['-t1', '-c', connections, '-d', '2s', `http://127.0.0.1:${port}/`]); // warm-up
      const mark = () => new Promise((r) => { child.once('message', r); child.send('mark'); });
      const before = await mark();
      const out = execFileSync('wrk', ['-t1', '-c', connections, '-d', `${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
      const after = await mark();
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
      const cpuUs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / (after.requests - before.requests);
      (results[m] ??= []).push(rps);
      (cpu[m] ??= []).push(cpuUs);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const best = (m) => Math.max(...results[m]);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const m of Object.keys(results)) {
    const slow = ((1 - best(m) / best('none')) * 100).toFixed(1);
    const extra = ((median(cpu[m]) / median(cpu.none) - 1) * 100).toFixed(1);
    console.log(`${m.padEnd(8)} ${results[m].map((r) => r.toFixed(0)).join(' / ')} req/s (best ${best(m).toFixed(0)}, ${slow}% below none); server CPU ${cpu[m].map((c) => c.toFixed(1)).join(' / ')} µs/request (median ${extra}% above none)`);
  }
}
