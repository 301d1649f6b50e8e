// connect_timeout against a backend whose connect never completes. Node's net.Server accepts by
// itself, so the black hole is a python3 socket: listen(0) and never accept(); one client connect
// from the same process fills the accept queue, after which Linux drops further SYNs
// (tcp_abort_on_overflow 0, the default), so a connect hangs instead of being refused. python3 is
// on every machine this project runs on (.library/env/machines/node.md); without it the tests skip,
// saying why.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { httpUpstream, proxySite } from '../support/proxy-helpers.ts';

// Prints the port, then waits on stdin: the process ends when the test process goes, even killed.
const BLACK_HOLE = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(2):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setblocking(False)
    c.connect_ex(('127.0.0.1', port))
    held.append(c)
print(port, flush=True)
sys.stdin.read()
`;

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'the black hole relies on Linux dropping SYNs to a full accept queue';
  if (spawnSync('python3', ['--version']).error !== undefined) return 'python3 is not installed (it makes the black-hole backend)';
  try {
    if (readFileSync('/proc/sys/net/ipv4/tcp_abort_on_overflow', 'utf8').trim() !== '0') return 'tcp_abort_on_overflow is on: a full accept queue answers RST, so a connect is refused instead of hanging';
  } catch {
    // No such file: keep the default behaviour in mind and try.
  }
  return null;
}

const skip = skipReason();
if (skip !== null) console.log(`# connect_timeout tests skipped: ${skip}`);

describe('connect_timeout', { skip: skip ?? false }, () => {
  let hole: ChildProcessWithoutNullStreams | null = null;
  let url = '';

  before(async () => {
    const child = spawn('python3', ['-c', BLACK_HOLE], { stdio: 'pipe' });
    hole = child;
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`python3 exited (${code}) before printing a port`)));
    });
    url = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    const child = hole;
    if (child === null || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  });

  test('the black hole: a plain net.connect to it neither connects nor is refused', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port) });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (e) => resolve(`error ${e.message}`));
      setTimeout(() => resolve('pending'), 700);
    });
    socket.destroy();
    assert.equal(outcome, 'pending');
  });

  test('connect_timeout 0.5: 504 within about half a second, the log line naming the backend', async (t) => {
    const site = await proxySite([{ path: '/api/', to: [url], connect_timeout: 0.5, timeout: 30, retries: 0 }]);
    t.after(() => site.close());
    const start = Date.now();
    const r = await fetch(`${site.url}/api/x`);
    const took = Date.now() - start;
    assert.equal(r.status, 504, 'a backend that cannot be reached in time is a gateway timeout (RFC 9110 §15.6.5), as in nginx');
    await r.text();
    assert.ok(took >= 450 && took < 2000, `took ${took} ms`);
    const line = site.logger.lines.find((l) => l.includes(url));
    assert.ok(line !== undefined && /connect timed out/.test(line) && line.includes('GET /api/x'), site.logger.lines.join('\n'));
  });

  test('round robin over the black hole and a live backend: every GET gets 200 (retried on the live one)', async (t) => {
    const live = await httpUpstream();
    // max_fails 0 keeps the black hole in the rotation, so every other GET meets it first.
    const site = await proxySite([{ path: '/api/', to: [url, live.url], strategy: 'round_robin', connect_timeout: 0.5, max_fails: 0 }]);
    t.after(async () => (await site.close(), await live.close()));
    const took: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = Date.now();
      const r = await fetch(`${site.url}/api/${i}`);
      assert.equal(r.status, 200, `GET /api/${i}`);
      await r.text();
      took.push(Date.now() - start);
    }
    assert.equal(live.seen.length, 4);
    // Two of the four met the black hole first: their answer waited for connect_timeout, no longer.
    assert.equal(took.filter((ms) => ms >= 450).length, 2, `took ${took.join(', ')} ms`);
    assert.ok(took.every((ms) => ms < 2000), `took ${took.join(', ')} ms`);
    assert.equal(site.logger.lines.filter((l) => l.includes(url) && /connect timed out \(retrying on another backend\)/.test(l)).length, 2, site.logger.lines.join('\n'));
  });

  test('a POST is not retried: 504 from the black hole, the live backend never sees it', async (t) => {
    const live = await httpUpstream();
    const site = await proxySite([{ path: '/api/', to: [url, live.url], strategy: 'round_robin', connect_timeout: 0.5, max_fails: 0 }]);
    t.after(async () => (await site.close(), await live.close()));
    const r = await fetch(`${site.url}/api/post`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 504);
    await r.text();
    assert.equal(live.seen.length, 0);
  });
});
