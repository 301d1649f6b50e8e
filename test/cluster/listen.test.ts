import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, bannerPort, siteWithFiles, startCli, tempDir, waitForCount, type RunningCli, suiteResources } from '../support/cluster-helpers.ts';
import { RawHttpClient } from '../support/cluster-load.ts';

function listening(server: Server, options: { port?: number; host?: string; path?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => resolve());
  });
}

/** Leaves a socket file nobody listens on, the way a killed server does. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok((await lstat(path)).isSocket());
}

async function canListenIpv6(): Promise<boolean> {
  const s = createServer();
  try {
    await listening(s, { host: '::1', port: 0 });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

describe('listen targets', () => {
  const { started, dirs } = suiteResources();
  const site = async (): Promise<string> => {
    const dir = await tempDir();
    dirs.push(dir.remove);
    await siteWithFiles(dir.path);
    return dir.path;
  };
  const run = (args: string[], options: Parameters<typeof startCli>[1] = {}): RunningCli => {
    const cli = startCli(args, options);
    started.push(cli);
    return cli;
  };

  for (const workers of [null, '2']) {
    test(`--unix${workers === null ? '' : ` with ${workers} workers`}: replaces a stale socket file, serves on it, removes it on exit`, async () => {
      const root = await site();
      const path = join(root, 'httpcraft.sock');
      await staleSocket(path);
      const cli = run([...(workers === null ? [] : ['--workers', workers]), '--unix', path, root]);
      await cli.waitFor(/listening on unix:/);
      if (workers !== null) await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
      for (const keepAlive of [false, true, false]) {
        const client = new RawHttpClient({ path }, keepAlive);
        const o = await client.get('/kib.txt');
        client.close();
        assert.ok(o.ok, JSON.stringify(o));
      }
      process.kill(cli.pid, 'SIGTERM');
      assert.equal(await cli.exited, 0);
      await assert.rejects(lstat(path), /ENOENT/);
    });
  }

  test('--unix refuses to delete a file that is not a socket, and a socket another server uses', async () => {
    const root = await site();
    const file = join(root, 'precious.txt');
    await writeFile(file, 'keep me');
    const cli = run(['--workers', '2', '--unix', file, root]);
    assert.equal(await cli.exited, 1);
    assert.match(cli.output(), /precious\.txt exists and is not a socket; refusing to delete it/);
    assert.equal(await readFile(file, 'utf8'), 'keep me');

    const live = createServer((s) => s.end());
    const sock = join(root, 'live.sock');
    await listening(live, { path: sock });
    try {
      const second = run(['--unix', sock, root]);
      assert.equal(await second.exited, 1);
      assert.match(second.output(), /live\.sock is in use: another server answers on it/);
      assert.ok((await lstat(sock)).isSocket());
    } finally {
      live.close();
    }
  });

  for (const mode of ['--fd 3', 'LISTEN_FDS (systemd socket activation)']) {
    test(`an inherited listening socket: ${mode}, 2 workers`, async () => {
      const root = await site();
      const socket = createServer();
      await listening(socket, { host: '127.0.0.1', port: 0 });
      const port = (socket.address() as { port: number }).port;
      const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
      const systemd = mode.startsWith('LISTEN_FDS');
      // sh sets LISTEN_PID to its own pid and exec keeps it for node, as systemd does after fork.
      const cli = systemd
        ? run(['-c', `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, process.execPath, CLI, '--workers', '2', root], { extraStdio: [fd], command: ['sh'] })
        : run(['--workers', '2', '--fd', '3', root], { extraStdio: [fd] });
      // The child holds its own copy now; ours must not accept anything.
      socket.close();
      await cli.waitFor(/listening on fd 3/);
      await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
      for (let i = 0; i < 4; i++) {
        const client = new RawHttpClient({ port }, false);
        const o = await client.get('/kib.txt');
        assert.ok(o.ok, JSON.stringify(o));
      }
      process.kill(cli.pid, 'SIGTERM');
      assert.equal(await cli.exited, 0);
    });
  }

  test('--fd that is not a socket fails with a clear error', async () => {
    const root = await site();
    const cli = run(['--fd', '0', root]);
    assert.equal(await cli.exited, 1);
    assert.match(cli.output(), /fd 0 is not an open listening socket|cannot listen/);
  });

  test('dual-stack: -H :: answers on ::1 and on 127.0.0.1', async (t) => {
    if (!(await canListenIpv6())) {
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    const root = await site();
    for (const workers of [null, '2']) {
      const cli = run([...(workers === null ? [] : ['--workers', workers]), '-H', '::', '-p', '0', root]);
      const port = await bannerPort(cli);
      if (workers !== null) await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
      for (const host of ['::1', '127.0.0.1']) {
        const client = new RawHttpClient({ port, host }, false);
        const o = await client.get('/kib.txt');
        assert.ok(o.ok, `${host}: ${JSON.stringify(o)}`);
      }
      process.kill(cli.pid, 'SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });
});
