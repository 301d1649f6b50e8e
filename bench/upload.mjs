// Upload benchmark: a 50 MiB multipart upload (one file part), sent by the same raw-socket client to
//   - ours:   httpcraft (node:net, our multipart parser, saveUpload: temp file + link into place), and
//   - busboy: busboy behind a node:http server, writing the same way (temp file, then rename).
// Each server runs in its own child process, so its peak RSS (getrusage maxrss) is its own.
// Reports MB/s (best and median of ROUNDS) and peak RSS. Run with `node bench/upload.mjs` after
// `npm run build`, or import { run } (the bench runner does).
// UPLOAD_BENCH_TRACE=1 prints each server's peak process.memoryUsage() breakdown;
// UPLOAD_BENCH_NODE_FLAGS passes extra node flags to both servers (e.g. "--max-semi-space-size=1").

import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { PRODUCT_NODE_FLAGS, median } from './lib.mjs';

const FILE_BYTES = 50 * 1024 * 1024;
const ROUNDS = 7;
const BOUNDARY = '----httpcraftBench7MA4YWxkTrZu0gW';
const SELF = fileURLToPath(import.meta.url);

// ---- servers (child processes) ----

async function serveOurs(dir) {
  const { createServer } = await import('../dist/src/server/http-server.js');
  const { createSiteHandler } = await import('../dist/src/app/site.js');
  const { createConsoleLogger } = await import('../dist/src/log/logger.js');
  const server = createServer({
    handler: createSiteHandler({
      documentRoot: dir,
      showHiddenFiles: false,
      followSymlinks: false,
      logger: createConsoleLogger('ERROR'),
      uploads: { enabled: true, uploadDir: join(dir, 'uploads'), limits: { maxUploadSize: 1024 * 1024 * 1024 } },
    }),
    limits: { maxBodyBytes: 1024 * 1024 * 1024 },
    timeouts: { requestTimeoutMs: 600_000 },
  });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return address.port;
}

async function serveBusboy(dir) {
  const { createServer } = await import('node:http');
  const { default: busboy } = await import('busboy');
  let n = 0;
  const server = createServer((req, res) => {
    const bb = busboy({ headers: req.headers, limits: { fileSize: Infinity } });
    const saved = [];
    bb.on('file', (field, stream, info) => {
      const temp = join(dir, `.~upload-${randomBytes(9).toString('base64url')}.part`);
      const final = join(dir, `${++n}-${info.filename}`);
      saved.push(
        pipeline(stream, createWriteStream(temp, { flags: 'wx' })).then(
          () => rename(temp, final).then(() => final),
          async (error) => {
            await unlink(temp).catch(() => undefined);
            throw error;
          },
        ),
      );
    });
    bb.on('close', () => {
      Promise.all(saved).then(
        (files) => res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ files })),
        () => res.writeHead(500).end(),
      );
    });
    bb.on('error', () => res.writeHead(400).end());
    req.pipe(bb);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server.address().port;
}

if (process.argv[2] === '--serve') {
  const dir = process.argv[4];
  const port = process.argv[3] === 'ours' ? await serveOurs(dir) : await serveBusboy(dir);
  if (process.env.UPLOAD_BENCH_TRACE === '1') {
    const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    setInterval(() => {
      const m = process.memoryUsage();
      for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
    }, 5).unref();
    process.on('exit', () => console.error(process.argv[3], Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, (v / 1048576).toFixed(1)]))));
  }
  process.on('message', (m) => {
    if (m === 'rss') {
      const cpu = process.cpuUsage();
      process.send({ maxRssBytes: process.resourceUsage().maxRSS * 1024, cpuMicros: cpu.user + cpu.system });
    }
    if (m === 'exit') process.exit(0);
  });
  process.send({ port });
}

// ---- client ----

function upload(port, path) {
  return new Promise((resolve, reject) => {
    const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const length = head.length + FILE_BYTES + tail.length;
    const block = randomBytes(64 * 1024);
    const socket = connect(port, '127.0.0.1');
    const start = process.hrtime.bigint();
    let response = '';
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.on('data', (d) => {
      response += d.toString('latin1');
      if (/\r\n\r\n/.test(response)) {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        socket.destroy();
        const status = Number(response.split(' ')[1]);
        if (status !== 201) reject(new Error(`upload answered ${response.slice(0, 200)}`));
        else resolve(seconds);
      }
    });
    socket.once('connect', async () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: bench\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${length}\r\nAccept: application/json\r\n\r\n`);
      socket.write(head);
      for (let sent = 0; sent < FILE_BYTES; sent += block.length) {
        const piece = FILE_BYTES - sent >= block.length ? block : block.subarray(0, FILE_BYTES - sent);
        if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r));
      }
      socket.write(tail);
    });
  });
}

function startChild(kind, dir) {
  return new Promise((resolve, reject) => {
    // Ours runs with the launcher's node flags (as `httpcraft` and `npm start` do); busboy with Node's defaults.
    const flags = [...(kind === 'ours' ? PRODUCT_NODE_FLAGS : []), ...(process.env.UPLOAD_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
    const child = fork(SELF, ['--serve', kind, dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: flags });
    child.once('message', (m) => resolve({ child, port: m.port }));
    child.once('error', reject);
  });
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}


function emptyDir(dir) {
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}

export async function run() {
  // Both servers run at once and the rounds alternate, so page-cache writeback from one server's
  // files does not land on the other's turns; each round's file is deleted before the next round.
  const base = process.env.UPLOAD_BENCH_DIR ?? tmpdir();
  const kinds = ['busboy', 'ours'];
  const servers = {};
  for (const kind of kinds) {
    const dir = mkdtempSync(join(base, `httpcraft-bench-upload-${kind}-`));
    servers[kind] = { dir, ...(await startChild(kind, dir)), rates: [] };
    servers[kind].idle = await ask(servers[kind].child, 'rss');
  }
  const results = {};
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const kind of i % 2 === 0 ? kinds : [...kinds].reverse()) {
        const s = servers[kind];
        const seconds = await upload(s.port, kind === 'ours' ? '/submit' : '/upload');
        s.rates.push(FILE_BYTES / 1024 / 1024 / seconds);
        emptyDir(s.dir);
      }
    }
    for (const kind of kinds) {
      const s = servers[kind];
      const { maxRssBytes, cpuMicros } = await ask(s.child, 'rss');
      // Server CPU per byte is steadier than wall-clock MB/s on a shared, loaded machine.
      const cpuSeconds = (cpuMicros - s.idle.cpuMicros) / 1e6;
      results[kind] = {
        bestMBps: Math.max(...s.rates),
        medianMBps: median(s.rates),
        mbPerCpuSecond: (ROUNDS * FILE_BYTES) / 1024 / 1024 / cpuSeconds,
        peakRssMB: maxRssBytes / 1024 / 1024,
        idleRssMB: s.idle.maxRssBytes / 1024 / 1024,
      };
    }
  } finally {
    for (const kind of kinds) {
      servers[kind].child.send('exit');
      rmSync(servers[kind].dir, { recursive: true, force: true });
    }
  }
  const ratio = results.ours.medianMBps / results.busboy.medianMBps;
  console.log(`upload: 50 MiB multipart, ${ROUNDS} rounds, one client over loopback`);
  for (const [kind, r] of Object.entries(results)) {
    console.log(`  ${kind.padEnd(7)} ${r.medianMBps.toFixed(0).padStart(5)} MB/s median, ${r.bestMBps.toFixed(0).padStart(5)} best, ${r.mbPerCpuSecond.toFixed(0).padStart(5)} MB per server CPU-second, peak RSS ${r.peakRssMB.toFixed(1)} MB (${r.idleRssMB.toFixed(1)} MB before the first upload)`);
  }
  const cpuRatio = results.ours.mbPerCpuSecond / results.busboy.mbPerCpuSecond;
  console.log(`  ours/busboy ${ratio.toFixed(2)}x wall-clock, ${cpuRatio.toFixed(2)}x per CPU-second (target >= 1x); our peak RSS ${results.ours.peakRssMB.toFixed(1)} MB (target < 80 MB)`);
  return { case: 'upload', ...results, ratio, cpuRatio };
}

if (process.argv[1] === SELF && process.argv[2] !== '--serve') await run();
