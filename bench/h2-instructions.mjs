// Instructions per HTTP/2 request, counted by callgrind: repeatable where wall-clock figures on a
// shared 2-core machine are noise. Each server runs alone under `valgrind --tool=callgrind` and
// answers a 1 KiB body to h2load (one connection, 10 streams at a time) twice, for N1 and N2
// requests; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one request with start-up taken out (it
// still holds the JIT's work of those requests, as a real server's first minutes would).
//
//   node bench/h2-instructions.mjs [--n1=2000] [--n2=12000] [--only=ours-h2c,node-h2c,ours-h1,nginx-h2c,nginx-h1] [--semi=1] [--clients=1]
//
// ours-h2c: createServer({ http2Cleartext }) answering from memory (Response.end), our launcher's
// node flags plus --predictable (no concurrent compiler threads). node-h2c: node:http2 from memory.
// ours-h1: the same server of ours over HTTP/1.1 (h2load --h1). nginx-*: one process
// (master_process off), the file from disk with open_file_cache, access log off.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const N1 = Number(args.n1 ?? 2000);
const N2 = Number(args.n2 ?? 12000);
// --semi=MB overrides the launcher's young-generation size (GC cost depends on it); --clients=C runs
// C connections of 10 streams each (more requests in flight: more survive a scavenge).
const NODE_FLAGS = [`--max-semi-space-size=${args.semi ?? 1}`, '--predictable'];
const CLIENTS = String(args.clients ?? 1);

if (args.serve !== undefined) await serve(args.serve, Number(args.count), Number(args.port));
else await main();

async function serve(kind, count, port) {
  const body = Buffer.alloc(1024, 'x');
  let answered = 0;
  const done = () => {
    if (++answered === count) setTimeout(() => process.exit(0), 20);
  };
  if (kind === 'node') {
    const { createServer } = await import('node:http2');
    const server = createServer();
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
      stream.end(body);
      done();
    });
    server.listen(port, '127.0.0.1');
    return;
  }
  const { createServer } = await import('../dist/src/server/http-server.js');
  const handler = (_req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(body);
  };
  const server = createServer({ handler, serverName: 'httpcraft', http2Cleartext: true, timeouts: { keepAliveTimeoutMs: 120_000, headersTimeoutMs: 120_000 } });
  server.on('response', done);
  await server.listen({ host: '127.0.0.1', port });
}

function nginxConf(dir, port, http2) {
  return `master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  http2_max_requests 10000000;
  open_file_cache max=1000 inactive=60s;
  client_body_temp_path ${dir}/tb;
  proxy_temp_path ${dir}/tp;
  fastcgi_temp_path ${dir}/tf;
  uwsgi_temp_path ${dir}/tu;
  scgi_temp_path ${dir}/ts;
  types { text/plain txt; }
  server { listen 127.0.0.1:${port}${http2 ? ' http2' : ''}; root ${dir}/root; }
}
`;
}

async function waitForPort(port, child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error('server exited before listening');
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(s.destroy() ?? true));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not listen');
}

/** Total Ir of one server run answering `count` requests. */
async function countRun(workload, count, dir) {
  const port = await freePort();
  const out = join(dir, `callgrind.${workload}.${count}.out`);
  const [who, proto] = workload.split('-');
  let child;
  if (who === 'nginx') {
    const conf = join(dir, `nginx-${proto}.conf`);
    writeFileSync(conf, nginxConf(dir, port, proto === 'h2c'));
    child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, 'nginx', '-p', dir, '-c', conf], { stdio: 'ignore' });
  } else {
    child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...NODE_FLAGS, fileURLToPath(import.meta.url), `--serve=${who}`, `--count=${count}`, `--port=${port}`], { stdio: 'ignore' });
  }
  await waitForPort(port, child);
  const path = who === 'nginx' ? '/1k.txt' : '/';
  const load = spawnSync('h2load', [...(proto === 'h1' ? ['--h1'] : []), '-n', String(count), '-c', CLIENTS, '-m', '10', `http://127.0.0.1:${port}${path}`], { encoding: 'utf8' });
  if (!/(\d+) succeeded/.test(load.stdout) || Number(/(\d+) succeeded/.exec(load.stdout)[1]) !== count) throw new Error(`h2load did not complete: ${load.stdout}`);
  if (who === 'nginx') child.kill('SIGQUIT');
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve)));
  return Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(out, 'latin1'))[1]);
}

async function main() {
  if (spawnSync('valgrind', ['--version']).error !== undefined || spawnSync('h2load', ['--version']).error !== undefined) {
    console.error('needs valgrind and h2load: apt-get install -y valgrind nghttp2-client');
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'httpcraft-h2-ir-'));
  mkdirSync(join(dir, 'root'));
  writeFileSync(join(dir, 'root', '1k.txt'), Buffer.alloc(1024, 'x'));
  const haveNginx = spawnSync('nginx', ['-v']).error === undefined;
  const all = ['ours-h2c', 'node-h2c', 'ours-h1', ...(haveNginx ? ['nginx-h2c', 'nginx-h1'] : [])];
  const only = args.only === undefined ? all : args.only.split(',');
  const rows = [];
  for (const w of only) {
    const a = await countRun(w, N1, dir);
    const b = await countRun(w, N2, dir);
    rows.push({ workload: w, perRequest: Math.round((b - a) / (N2 - N1)) });
    console.log(`${w}\t${rows.at(-1).perRequest.toLocaleString('en')} instructions per request\t(Ir ${a.toLocaleString('en')} for ${N1}, ${b.toLocaleString('en')} for ${N2})`);
  }
  const ours = rows.find((r) => r.workload === 'ours-h2c');
  for (const r of rows) if (ours !== undefined && r !== ours) console.log(`ours-h2c / ${r.workload}: ${(ours.perRequest / r.perRequest).toFixed(2)}x the instructions`);
  if (!haveNginx) console.log('nginx is not installed (apt-get install -y nginx): not measured.');
}
