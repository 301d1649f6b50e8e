// Stress and attack bench (`npm run bench -- --only=stress`), loopback only, bounded:
//   1. hold:     10,000 concurrent keep-alive connections, each answered twice; server RSS per connection.
//   2. attack:   wrk's req/s on a small file alone, then while 1,000 slowloris connections (a header
//                byte every 2 s) and 200 slow readers (a 16 MiB file, never read) attack: the normal
//                client must keep >= 0.8x, and the attackers must be cut off by the timeouts
//                (headers 5 s, write stall 5 s in this server: bench/servers/stress-site.mjs).
//   3. uploads:  50 concurrent 100 MB uploads; server RSS sampled every 250 ms must stay flat.
// `--soak MINUTES` runs the soak instead: mixed traffic (files, ranges, listings, uploads + DELETE,
// 404s and 400s) for MINUTES, printing the server's RSS and open file descriptors every minute.
// STRESS_PHASES=hold,attack,uploads picks phases (all by default); STRESS_HOLD, STRESS_SLOWLORIS,
// STRESS_SLOW_READERS, STRESS_UPLOADS, STRESS_UPLOAD_BYTES scale them down for a quick check.
// Every process is started with the fd limit raised to the hard limit (`ulimit -n` in a bash wrapper).
// The connection holders and attackers run in child processes of their own (--role=...), so that
// their CPU and fds are not the bench runner's.
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { PINNING, PRODUCT_NODE_FLAGS, fmt, runWrk, stopProcess, table } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const SERVER = fileURLToPath(new URL('./servers/stress-site.mjs', import.meta.url));
const HOLD = Number(process.env.STRESS_HOLD ?? 10_000);
const SLOWLORIS = Number(process.env.STRESS_SLOWLORIS ?? 1_000);
const SLOW_READERS = Number(process.env.STRESS_SLOW_READERS ?? 200);
const UPLOADS = Number(process.env.STRESS_UPLOADS ?? 50);
const UPLOAD_BYTES = Number(process.env.STRESS_UPLOAD_BYTES ?? 100_000_000);
const BIG_FILE_BYTES = 16 * 1024 * 1024;
const MiB = 1024 * 1024;

// ---- processes with a raised fd limit ----

/** Forks a module under bash with `ulimit -n` raised to the hard limit, pinned to a CPU when taskset works. */
function forkRaised(module, args, { cpu, env = {}, nodeFlags = [] }) {
  const pin = cpu === null ? '' : `command -v taskset >/dev/null && taskset -c ${cpu} true 2>/dev/null && exec taskset -c ${cpu} "$0" "$@"; `;
  return fork(module, args, {
    execPath: 'bash',
    execArgv: ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; ${pin}exec "$0" "$@"`, process.execPath, ...nodeFlags],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function startStressServer(docroot, env = {}) {
  return new Promise((resolve, reject) => {
    const child = forkRaised(SERVER, [], { cpu: '0', env: { DOCROOT: docroot, ...env }, nodeFlags: PRODUCT_NODE_FLAGS });
    const timer = setTimeout(() => reject(new Error('stress server did not start')), 10_000);
    child.once('exit', (code) => reject(new Error(`stress server exited early (${code})`)));
    child.once('message', (msg) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        port: msg.port,
        pid: child.pid,
        stop: () => stopProcess(child),
      });
    });
  });
}

/** Runs this file in a role (holder, attackers, uploader, soak-client); resolves with its last message. */
function runRole(role, port, extra = {}, onMessage = () => {}, cpu = '1') {
  return new Promise((resolve, reject) => {
    const child = forkRaised(SELF, [`--role=${role}`], { cpu, env: { STRESS_PORT: String(port), STRESS_EXTRA: JSON.stringify(extra) } });
    let last = null;
    child.on('message', (m) => {
      last = m;
      onMessage(m, child);
    });
    child.once('exit', (code) => (code === 0 ? resolve(last) : reject(new Error(`${role} exited with ${code}`))));
  });
}

/** A process's resident set (VmRSS) in MiB, and its open file descriptors. */
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}
function fdLimit(pid) {
  const m = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return m ? `${m[1]}/${m[2]}` : 'n/a';
}

function makeDocroot() {
  const root = mkdtempSync(join(tmpdir(), 'httpcraft-stress-'));
  writeFileSync(join(root, 'small.txt'), 'x'.repeat(1024));
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(BIG_FILE_BYTES, 7));
  mkdirSync(join(root, 'dir'));
  for (let i = 0; i < 50; i++) writeFileSync(join(root, 'dir', `file-${i}.txt`), `file ${i}\n`.repeat(i + 1));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>stress</title><p>hello</p>\n'.repeat(20));
  return root;
}

// ---- client roles (child processes) ----

const GET_SMALL = Buffer.from('GET /small.txt HTTP/1.1\r\nHost: stress\r\n\r\n');

/** Resolves when one whole response (Content-Length framed) has arrived on the socket. */
function oneResponse(socket) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c) => {
      buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(Number(head.split(' ')[1]));
    };
    const onClose = () => reject(new Error('closed'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

async function roleHolder(port) {
  const sockets = [];
  let ok = 0;
  let failed = 0;
  const open = async () => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    sockets.push(s);
    await new Promise((r, j) => s.once('connect', r).once('error', j));
    s.write(GET_SMALL);
    if ((await oneResponse(s)) === 200) ok++;
  };
  // Open in waves of 500, so the listen backlog is never the limit being measured.
  for (let i = 0; i < HOLD; i += 500) {
    const wave = [];
    for (let j = i; j < Math.min(HOLD, i + 500); j++) wave.push(open().catch(() => failed++));
    await Promise.all(wave);
  }
  process.send({ phase: 'held', ok, failed });
  // Wait for the parent to measure, then ask every connection once more: they must all still be open.
  await new Promise((r) => process.once('message', r));
  let again = 0;
  await Promise.all(
    sockets.map(async (s) => {
      if (s.destroyed) return;
      s.write(GET_SMALL);
      if ((await oneResponse(s).catch(() => 0)) === 200) again++;
    }),
  );
  for (const s of sockets) s.destroy();
  process.send({ phase: 'done', ok, failed, again });
}

async function roleAttackers(port, { seconds }) {
  const started = Date.now();
  const cut = { slowloris: [], answered408: [] };
  const timers = [];
  let slowlorisOpen = 0;
  for (let i = 0; i < SLOWLORIS; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.once('connect', () => {
      slowlorisOpen++;
      s.write('GET /small.txt HTTP/1.1\r\nHost: stress\r\n');
      // One more header byte every 2 s: each byte resets an idle timer, never a header deadline.
      const t = setInterval(() => s.writable && s.write('X'), 2000);
      timers.push(t);
      s.once('data', (c) => c.toString('latin1').startsWith('HTTP/1.1 408') && cut.answered408.push(Date.now() - started));
      s.once('close', () => {
        clearInterval(t);
        cut.slowloris.push(Date.now() - started);
      });
    });
    if (i % 100 === 99) await delay(10);
  }
  const readers = [];
  for (let i = 0; i < SLOW_READERS; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    const r = { s, bytes: 0, closed: false };
    readers.push(r);
    s.on('error', () => undefined);
    s.once('connect', () => {
      s.write('GET /big.bin HTTP/1.1\r\nHost: stress\r\n\r\n');
      s.pause(); // never read: the server's writes stall once the socket buffers are full
    });
    s.on('data', (c) => (r.bytes += c.length));
    s.once('close', () => (r.closed = true));
  }
  await delay(seconds * 1000);
  // A paused reader cannot see the server's close (the FIN waits behind the unread bytes), so read
  // now: a reader the server cut gets what was already in flight, then the close, short of the file.
  for (const r of readers) r.s.resume();
  await delay(5000);
  const slowReadersCut = readers.filter((r) => r.closed && r.bytes < BIG_FILE_BYTES).length;
  const slowReadersWhole = readers.filter((r) => r.bytes >= BIG_FILE_BYTES).length;
  for (const r of readers) r.s.destroy();
  process.send({ slowlorisOpened: slowlorisOpen, slowlorisCut: cut.slowloris.length, slowReadersCut, slowReadersWhole, slowlorisCutMs: cut.slowloris, answered408Ms: cut.answered408 });
  for (const t of timers) clearInterval(t);
  process.exit(0);
}

/** Writes a multipart upload of `bytes` from one reused 64 KiB buffer, honouring backpressure. */
async function upload(port, name, bytes) {
  const boundary = '----stressBoundary9f8e7d';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const length = Buffer.byteLength(head) + bytes + tail.length;
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  const response = oneResponse(s).catch(() => 0);
  s.write(`POST /submit HTTP/1.1\r\nHost: stress\r\nOrigin: http://stress\r\nAccept: application/json\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\n\r\n${head}`);
  const block = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < bytes; ) {
    const n = Math.min(block.length, bytes - sent);
    sent += n;
    if (!s.write(n === block.length ? block : block.subarray(0, n))) await new Promise((r) => s.once('drain', r));
  }
  s.write(tail);
  const status = await response;
  s.destroy();
  return status;
}

async function roleUploader(port) {
  const started = Date.now();
  const statuses = await Promise.all(Array.from({ length: UPLOADS }, (_, i) => upload(port, `big-${i}.bin`, UPLOAD_BYTES)));
  process.send({ statuses, seconds: (Date.now() - started) / 1000 });
}

/** Mixed traffic for the soak: each worker loops over a random request kind on a keep-alive socket. */
async function roleSoakClient(port, { minutes, workers, pauseMs }) {
  const end = Date.now() + minutes * 60_000;
  const counts = {};
  const kinds = [
    ['file', 'GET /small.txt HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['index', 'GET / HTTP/1.1\r\nHost: s\r\nAccept-Encoding: gzip\r\n\r\n'],
    ['range', 'GET /big.bin HTTP/1.1\r\nHost: s\r\nRange: bytes=1000-65535,-4096\r\n\r\n'],
    ['listing', 'GET /dir/ HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['listing-json', 'GET /dir/?format=json HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['conditional', 'GET /small.txt HTTP/1.1\r\nHost: s\r\nIf-None-Match: *\r\n\r\n'],
    ['404', 'GET /nope/nothing.txt HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['traversal', 'GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: s\r\n\r\n'],
  ];
  const worker = async (w) => {
    let s = null;
    for (let i = 0; Date.now() < end; i++) {
      if (s === null || s.destroyed) {
        s = connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r).once('error', r));
      }
      const pick = (i * 7 + w) % 10;
      let kind;
      let status;
      if (pick >= kinds.length) {
        // An upload and its DELETE (on fresh connections), or a malformed request (400, then close).
        if (pick === 8) {
          kind = 'upload';
          status = await upload(port, `soak-${w}.bin`, 256 * 1024);
          const d = connect(port, '127.0.0.1');
          d.on('error', () => undefined);
          await new Promise((r) => d.once('connect', r).once('error', r));
          const del = oneResponse(d).catch(() => 0);
          d.write(`DELETE /uploads/soak-${w}.bin HTTP/1.1\r\nHost: s\r\nOrigin: http://s\r\nConnection: close\r\n\r\n`);
          counts[`delete ${await del}`] = (counts[`delete ${await del}`] ?? 0) + 1;
          d.destroy();
        } else {
          kind = 'bad';
          const b = connect(port, '127.0.0.1');
          b.on('error', () => undefined);
          await new Promise((r) => b.once('connect', r).once('error', r));
          const res = oneResponse(b).catch(() => 0);
          b.write('GET / HTTP/1.1\r\nHost: s\r\nBad Header: x\r\n\r\n');
          status = await res;
          b.destroy();
        }
      } else {
        const [k, req] = kinds[pick];
        kind = k;
        const res = oneResponse(s).catch(() => 0);
        s.write(req);
        status = await res;
      }
      counts[`${kind} ${status}`] = (counts[`${kind} ${status}`] ?? 0) + 1;
      // Paced: a soak looks for growth over time, not for the most requests a shared machine can take.
      await delay(pauseMs);
    }
    s?.destroy();
  };
  const report = setInterval(() => process.send({ counts }), 10_000);
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  clearInterval(report);
  process.send({ counts, done: true });
}

// ---- the bench (parent) ----

async function phaseHold(server) {
  await delay(500);
  const rssBefore = rssMiB(server.pid);
  const fdsBefore = fdCount(server.pid);
  let held = null;
  const done = await runRole('holder', server.port, {}, (m, child) => {
    if (m.phase !== 'held') return;
    held = { ...m, rss: rssMiB(server.pid), fds: fdCount(server.pid) };
    child.send('again');
  });
  const perConnKiB = ((held.rss - rssBefore) * 1024) / held.ok;
  console.log(`\nhold: ${held.ok} of ${HOLD} keep-alive connections answered and held (${held.failed} failed); ${done.again} answered again while all were open`);
  table([
    { moment: 'before', 'server RSS MiB': fmt(rssBefore, 1), 'server fds': fdsBefore },
    { moment: `${held.ok} held`, 'server RSS MiB': fmt(held.rss, 1), 'server fds': held.fds },
  ]);
  console.log(`RSS per held connection: ${fmt(perConnKiB, 1)} KiB (server fd limit ${fdLimit(server.pid)})`);
  return { held: held.ok, again: done.again, perConnKiB };
}

async function phaseAttack(server, duration) {
  const seconds = Math.max(10, duration);
  const url = `http://127.0.0.1:${server.port}/small.txt`;
  await runWrk(url, { connections: 50, duration: 2 }); // warm-up
  const alone = await runWrk(url, { connections: 50, duration: seconds });
  // Attackers get a head start of 1 s, and stay 8 s past wrk so every timeout has fired.
  // Unpinned: on CPU 1 beside wrk the attackers would be starved and notice their cut-offs late.
  const fdsBefore = fdCount(server.pid);
  const fdCurve = [];
  const sampler = setInterval(() => fdCurve.push(fdCount(server.pid)), 1000);
  const attack = runRole('attackers', server.port, { seconds: seconds + 9 }, () => {}, null);
  await delay(1000);
  const attacked = await runWrk(url, { connections: 50, duration: seconds });
  const a = await attack;
  clearInterval(sampler);
  const after = await runWrk(url, { connections: 50, duration: Math.min(5, seconds) });
  const ratio = attacked.rps / alone.rps;
  const maxMs = (xs) => (xs.length ? Math.max(...xs) : NaN);
  const minMs = (xs) => (xs.length ? Math.min(...xs) : NaN);
  console.log(`\nattack: ${SLOWLORIS} slowloris + ${SLOW_READERS} slow readers against wrk -c 50 on a 1 KiB file (${PINNING})`);
  table([
    { run: 'wrk alone', 'req/s': fmt(alone.rps), errors: alone.errors },
    { run: 'wrk under attack', 'req/s': fmt(attacked.rps), errors: attacked.errors },
    { run: 'wrk after', 'req/s': fmt(after.rps), errors: after.errors },
  ]);
  console.log(`under attack / alone: ${fmt(ratio, 2)}x (goal >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  console.log(`slowloris answered 408: ${a.answered408Ms.length} of ${a.slowlorisOpened}, ${fmt(minMs(a.answered408Ms) / 1000, 1)}–${fmt(maxMs(a.answered408Ms) / 1000, 1)} s after they began (headers_timeout 5 s, checked every 1 s); closed by the server: ${a.slowlorisCut}, ${fmt(minMs(a.slowlorisCutMs) / 1000, 1)}–${fmt(maxMs(a.slowlorisCutMs) / 1000, 1)} s (after the lingering close)`);
  console.log(`slow readers cut off by the server: ${a.slowReadersCut} of ${SLOW_READERS} (${a.slowReadersWhole} got the whole file; write stall 5 s)`);
  console.log(`server fds: ${fdsBefore} before, each second during the attack: ${fdCurve.join(' ')}`);
  return { alone: alone.rps, attacked: attacked.rps, ratio, slowlorisCut: a.slowlorisCut, slowlorisOpened: a.slowlorisOpened, slowReadersCut: a.slowReadersCut, fdCurve };
}

async function phaseUploads(server, docroot) {
  await delay(500);
  const base = rssMiB(server.pid);
  const samples = [];
  const sampler = setInterval(() => samples.push(rssMiB(server.pid)), 250);
  const r = await runRole('uploader', server.port);
  clearInterval(sampler);
  const peak = Math.max(...samples);
  const ok = r.statuses.filter((s) => s === 200 || s === 201).length;
  const dir = join(docroot, 'uploads');
  const files = readdirSync(dir);
  const complete = files.filter((f) => statSync(join(dir, f)).size === UPLOAD_BYTES).length;
  const q = (p) => [...samples].sort((x, y) => x - y)[Math.floor((samples.length - 1) * p)];
  console.log(`\nuploads: ${UPLOADS} concurrent uploads of ${fmt(UPLOAD_BYTES / 1e6)} MB: ${ok} answered 2xx, ${complete} complete files, ${files.length - complete} other entries, in ${fmt(r.seconds, 1)} s (${fmt((UPLOADS * UPLOAD_BYTES) / 1e6 / r.seconds)} MB/s)`);
  console.log(`server RSS: ${fmt(base, 1)} MiB before, median ${fmt(q(0.5), 1)}, p90 ${fmt(q(0.9), 1)}, peak ${fmt(peak, 1)} MiB during (${samples.length} samples): peak - before = ${fmt(peak - base, 1)} MiB for ${fmt((UPLOADS * UPLOAD_BYTES) / MiB)} MiB received`);
  rmSync(dir, { recursive: true, force: true });
  return { ok, complete, base, peak };
}

async function soak(minutes) {
  const docroot = makeDocroot();
  const server = await startStressServer(docroot, { TIMEOUTS: JSON.stringify({ keepAliveTimeoutMs: 5_000 }) });
  try {
    console.log(`soak: ${minutes} min of mixed traffic (files, index, ranges, listings, conditionals, uploads + DELETE, 404, traversal, 400) from 16 clients, each pausing 20 ms between requests`);
    const rows = [];
    const started = Date.now();
    let counts = {};
    const sample = () => {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const row = { minute: fmt((Date.now() - started) / 60_000, 1), requests: total, 'RSS MiB': fmt(rssMiB(server.pid), 1), fds: fdCount(server.pid) };
      rows.push(row);
      console.log(`  minute ${row.minute}: ${row.requests} requests, RSS ${row['RSS MiB']} MiB, ${row.fds} fds`);
    };
    sample();
    const ticker = setInterval(sample, 60_000);
    await runRole('soak-client', server.port, { minutes, workers: 16, pauseMs: 20 }, (m) => (counts = m.counts));
    clearInterval(ticker);
    await delay(6000); // idle connections time out (keep_alive 5 s): fds back to the listener's
    sample();
    table(rows);
    console.log('responses by kind and status:', JSON.stringify(counts));
    const server5xx = Object.entries(counts).filter(([k]) => / 5\d\d$| 0$/.test(k));
    console.log(server5xx.length === 0 ? 'no 5xx and no unanswered request' : `PROBLEM: ${JSON.stringify(server5xx)}`);
  } finally {
    await server.stop();
    rmSync(docroot, { recursive: true, force: true });
  }
}

export async function run({ duration = 10, soak: soakMinutes } = {}) {
  if (soakMinutes !== undefined) return soak(Number(soakMinutes));
  console.log(`\n## stress (bench/stress.mjs; loopback; ${PINNING})`);
  const docroot = makeDocroot();
  const server = await startStressServer(docroot);
  try {
    // STRESS_PHASES=attack (say) runs some phases only; all three by default.
    const phases = new Set((process.env.STRESS_PHASES ?? 'hold,attack,uploads').split(','));
    if (phases.has('hold')) await phaseHold(server);
    if (phases.has('attack')) await phaseAttack(server, Number(duration));
    if (phases.has('uploads')) await phaseUploads(server, docroot);
  } finally {
    await server.stop();
    rmSync(docroot, { recursive: true, force: true });
  }
}

// ---- entry ----

const role = process.argv.find((a) => a.startsWith('--role='))?.slice(7);
if (role !== undefined) {
  const port = Number(process.env.STRESS_PORT);
  const extra = JSON.parse(process.env.STRESS_EXTRA ?? '{}');
  const roles = { holder: roleHolder, attackers: roleAttackers, uploader: roleUploader, 'soak-client': roleSoakClient };
  await roles[role](port, extra);
  process.exit(0);
} else if (process.argv[1] === SELF) {
  const soakArg = process.argv.indexOf('--soak');
  await run({ duration: Number(process.env.BENCH_DURATION ?? 10), ...(soakArg === -1 ? {} : { soak: process.argv[soakArg + 1] }) });
}
