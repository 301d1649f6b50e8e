// Shared benchmark plumbing: start a server script as a child process, read its peak RSS, run wrk and
// parse its figures. Everything talks to 127.0.0.1 only and stops what it starts.
import { fork, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The node flags httpcraft's launcher runs with (the shebang of src/cli.ts; `npm start` passes the
 * same, a test keeps them equal). Our benchmark servers start with them, so they measure what users
 * run; the baselines (node:http, busboy) run with Node's defaults, as their users run them. */
export const PRODUCT_NODE_FLAGS = (() => {
  const shebang = readFileSync(new URL('../src/cli.ts', import.meta.url), 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(shebang);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
})();

// On a 2-core machine an unpinned server and wrk fight for both cores and wrk saturates first, which
// hides the server's own cost. We pin the server to CPU 0 and wrk to CPU 1 (when taskset exists).
const HAVE_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const PINNING = HAVE_TASKSET ? 'server on CPU 0, wrk on CPU 1 (taskset)' : 'unpinned (taskset missing)';

export function haveWrk() {
  return spawnSync('wrk', ['--version']).error === undefined;
}

/** Stops a child process: `signal`, then SIGKILL after graceMs; resolves once it has exited. */
export function stopProcess(child, signal = 'SIGTERM', graceMs = 5000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

/** Forks a server script; resolves with {port, pid, stop()} once it reports its port over IPC.
 * nodeFlags go to node itself (PRODUCT_NODE_FLAGS for our servers). */
export function startServer(script, { env = {}, args = [], cpu = '0', nodeFlags = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      ...(HAVE_TASKSET && cpu !== null ? { execPath: 'taskset', execArgv: ['-c', cpu, process.execPath, ...nodeFlags] } : { execArgv: nodeFlags }),
    });
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
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

/** Peak resident set size of a process in MiB (VmHWM), or NaN when unavailable. */
export function peakRssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc (NaN if unavailable). */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function toMs(value, unit) {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** Runs wrk and returns {rps, p99Ms, errors, raw}; pin: false runs it unpinned (all cores shared). */
export function runWrk(url, { connections = 50, pin = HAVE_TASKSET, threads = pin ? 1 : 2, duration = 10, script, scriptArgs = [], timeoutSeconds } = {}) {
  return new Promise((resolve, reject) => {
    const args = ['-t', String(threads), '-c', String(connections), '-d', `${duration}s`, '--latency'];
    if (timeoutSeconds !== undefined) args.push('--timeout', `${timeoutSeconds}s`);
    if (script) args.push('-s', script);
    args.push(url);
    if (scriptArgs.length) args.push('--', ...scriptArgs);
    const child = pin ? spawn('taskset', ['-c', '1', 'wrk', ...args]) : spawn('wrk', args);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
      const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)/.exec(out);
      const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const errors = Number(errs?.[1] ?? 0) + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
      resolve({ rps, total, p99Ms: p99 ? toMs(p99[1], p99[2]) : NaN, errors, raw: out });
    });
  });
}

/** One measured wrk run against url, served by process pid: wrk's figures (runWrk), plus the server's
 * CPU time (all its threads, from /proc) per request in µs. */
export async function measure(pid, url, wrkOptions = {}) {
  const before = cpuMs(pid);
  const w = await runWrk(url, wrkOptions);
  return { ...w, cpuUsPerReq: ((cpuMs(pid) - before) * 1000) / w.total };
}

export function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** Prints a table of rows (objects with the same keys). */
export function table(rows) {
  const keys = Object.keys(rows[0] ?? {});
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (vals) => vals.map((v, i) => String(v).padEnd(widths[i])).join('  ');
  console.log(line(keys));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(keys.map((k) => r[k])));
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A port free on 127.0.0.1 right now (for servers that take a port rather than report one). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once a GET of `path` on 127.0.0.1:port answers 200 (or rejects after 15 s). */
export async function answering(port, path) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = netConnect({ port, host: '127.0.0.1' }, () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('close', () => resolve(out.startsWith('HTTP/1.1 200')));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
