// Out of file descriptors, for real: the CLI runs under `ulimit -n 256` (start-up itself, loading
// modules in parallel, needs more than 64). Connections past the descriptor budget get 503 and a
// log line (libuv would otherwise refuse them silently once accept() meets EMFILE), and are accepted
// again once some close; a file that cannot be opened (EMFILE) is 503 with Retry-After, not a 404 or
// a 500; nothing crashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { CLI, startCli, tempDir } from '../support/cluster-helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Connects and asks for `path`; resolves with the status, or 0 when the server closed without one. */
function ask(socket: Socket, path: string): Promise<number> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(Number(buf.split(' ')[1]));
    };
    const onClose = (): void => resolve(0);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
  });
}

async function open(port: number): Promise<Socket | null> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  const ok = await new Promise<boolean>((r) => s.once('connect', () => r(true)).once('error', () => r(false)));
  return ok ? s : null;
}

async function startLimited(): Promise<{ run: ReturnType<typeof startCli>; port: number; dir: { path: string; remove: () => Promise<void> } }> {
  const dir = await tempDir('httpcraft-emfile-');
  await mkdir(join(dir.path, 'www'));
  await writeFile(join(dir.path, 'www', 'index.html'), 'hello');
  await writeFile(join(dir.path, 'www', 'big.bin'), Buffer.alloc(16 * 1024 * 1024, 1));
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--no-config', '--no-enable-cache', '--keep-alive-timeout', '120', '--access-log', 'off', join(dir.path, 'www')], {
    command: ['bash', '-c', 'ulimit -n 256 && exec "$0" "$@"', process.execPath, CLI],
  });
  const port = Number((await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  return { run, port, dir };
}

test('connections up to the descriptor limit: past its budget new ones get 503 (not a silent close), a line says why, and they are accepted again once some close', async () => {
  const { run, port, dir } = await startLimited();
  const held: Socket[] = [];
  try {
    let refusedAt = -1;
    for (let i = 0; i < 400 && refusedAt === -1; i++) {
      const s = await open(port);
      assert.ok(s !== null, `connection ${i} was not even accepted`);
      const status = await ask(s, '/index.html');
      if (status === 200) held.push(s);
      else {
        assert.equal(status, 503, `connection ${i}: status ${status}`);
        refusedAt = i;
        s.destroy();
      }
    }
    // 256 - max(32, 256/8) = 224 connections; a few descriptors are the server's own.
    assert.equal(refusedAt, 224, `refused at ${refusedAt}`);
    await run.waitFor(/accept: 224 open connections reach what the file descriptor limit allows \(ulimit -n 256, 32 kept for files and logs\)/);
    for (let i = 0; i < 5; i++) {
      const s = await open(port);
      assert.equal(s === null ? -1 : await ask(s, '/index.html'), 503);
      s?.destroy();
    }
    assert.equal(run.output().match(/accept: \d+ open connections reach/g)?.length, 1, 'one line per 10 s, not one per refusal');
    for (const s of held.splice(0, 10)) s.destroy();
    await sleep(200);
    const again = await open(port);
    assert.equal(again === null ? -1 : await ask(again, '/index.html'), 200, 'accepted again once descriptors are free');
    again?.destroy();
    assert.doesNotMatch(run.output(), /ERROR|uncaught/);
  } finally {
    for (const s of held) s.destroy();
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
    run.killGroup();
    await dir.remove();
  }
});

test('EMFILE on open (every descriptor held by files being streamed to clients that do not read): 503 + Retry-After, a line says why, no crash', async () => {
  const { run, port, dir } = await startLimited();
  const held: Socket[] = [];
  try {
    // An idle keep-alive connection, to ask on once every descriptor is taken.
    const spare = await open(port);
    assert.ok(spare !== null && (await ask(spare, '/index.html')) === 200);
    held.push(spare);
    let head = '';
    for (let i = 0; i < 220 && head === ''; i++) {
      const s = await open(port);
      assert.ok(s !== null);
      held.push(s);
      // Read the head only, then stop reading: the server's write stalls and it keeps the file open.
      const first = await new Promise<string>((resolve) => {
        let buf = '';
        const onData = (c: Buffer): void => {
          buf += c.toString('latin1');
          if (buf.includes('\r\n\r\n')) {
            s.off('data', onData);
            s.pause();
            resolve(buf.slice(0, buf.indexOf('\r\n\r\n')));
          }
        };
        s.on('data', onData);
        s.once('close', () => resolve('closed'));
        s.write('GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n');
      });
      if (!first.startsWith('HTTP/1.1 200')) head = first;
    }
    // Each connection takes two descriptors (its socket, then the file). When the last free one
    // went to a socket, opening its file failed: 503. When none was left for the socket, libuv
    // refused the connection itself (a bare close): then the spare connection's next file is 503.
    if (head === 'closed') {
      head = await new Promise<string>((resolve) => {
        let buf = '';
        spare.on('data', (c: Buffer) => {
          buf += c.toString('latin1');
          if (buf.includes('\r\n\r\n')) resolve(buf);
        });
        spare.write('GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n');
      });
    }
    assert.match(head, /^HTTP\/1\.1 503 /, head);
    assert.match(head, /\r\nRetry-After: 1/i);
    await run.waitFor(/GET \/(big\.bin|index\.html): EMFILE, out of file descriptors .*answered 503/);
    for (const s of held.splice(0)) s.destroy();
    await sleep(300);
    const again = await open(port);
    assert.equal(again === null ? -1 : await ask(again, '/index.html'), 200);
    again?.destroy();
    assert.doesNotMatch(run.output(), /ERROR|uncaught/);
  } finally {
    for (const s of held) s.destroy();
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
    run.killGroup();
    await dir.remove();
  }
});
