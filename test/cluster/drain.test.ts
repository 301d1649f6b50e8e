import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { bannerPort, processAlive, siteWithFiles, startCli, tempDir, waitForCount, suiteResources } from '../support/cluster-helpers.ts';
import { RawHttpClient } from '../support/cluster-load.ts';

const BIG = 32 * 1024 * 1024;

/** GET /big.bin and read only the first bytes, so the response stays in flight (backpressure). */
async function stalledDownload(port: number): Promise<{ socket: Socket; received: () => number; finished: Promise<number> }> {
  const socket = connect({ port, host: '127.0.0.1' });
  let received = 0;
  const finished = new Promise<number>((resolve) => socket.on('close', () => resolve(received)));
  await new Promise<void>((resolve) => {
    socket.once('connect', () => {
      socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      socket.once('data', (chunk: Buffer) => {
        received += chunk.length;
        socket.pause();
        resolve();
      });
    });
  });
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  return { socket, received: () => received, finished };
}

describe('graceful drain on SIGTERM', () => {
  const { started, dirs } = suiteResources();

  for (const workers of ['2', null]) {
    test(`${workers === null ? 'single process' : `${workers} workers`}: in-flight responses complete, new connections are refused once the listener closes, exit 0`, async (t) => {
      const dir = await tempDir();
      dirs.push(dir.remove);
      await siteWithFiles(dir.path, BIG);
      const cli = startCli([...(workers === null ? [] : ['--workers', workers]), '-H', '127.0.0.1', '-p', '0', dir.path]);
      started.push(cli);
      const port = await bannerPort(cli);
      if (workers !== null) await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
      const download = await stalledDownload(port);

      process.kill(cli.pid, 'SIGTERM');
      // Probe with new connections until they are refused: before that each is answered in full.
      const probes: string[] = [];
      for (let i = 0; i < 500 && (probes.length < 3 || !probes.slice(-3).every((p) => p === 'refused')); i++) {
        const o = await new RawHttpClient({ port }, false).get('/kib.txt');
        probes.push(o.ok ? 'ok' : o.reason === 'connect: ECONNREFUSED' ? 'refused' : o.reason);
        await new Promise((r) => setTimeout(r, 5));
      }
      const sequence = probes.join(',');
      t.diagnostic(`probes after SIGTERM: ${sequence}`);
      // ok…ok then refused…refused; at most one probe caught in the instant the socket closes.
      assert.match(sequence, /^(ok,)*([^,]+,)?refused,refused,refused$/, sequence);
      assert.equal(probes.filter((p) => p !== 'ok' && p !== 'refused').length <= 1, true, sequence);
      assert.ok(processAlive(cli.pid), 'still running while a response is in flight');

      download.socket.resume();
      const total = await download.finished;
      assert.ok(total > BIG, `received ${total} of ${BIG} body bytes plus the head`);
      const head = total - BIG;
      assert.ok(head > 50 && head < 1000, `head of ${head} bytes`);
      assert.equal(await cli.exited, 0);
    });
  }

  test('a second SIGTERM forces the exit', async () => {
    const dir = await tempDir();
    dirs.push(dir.remove);
    await siteWithFiles(dir.path, BIG);
    const cli = startCli(['--workers', '2', '-H', '127.0.0.1', '-p', '0', dir.path]);
    started.push(cli);
    const port = await bannerPort(cli);
    await waitForCount(cli, /cluster: worker \d \(pid \d+\) listening/g, 2);
    const download = await stalledDownload(port);
    process.kill(cli.pid, 'SIGTERM');
    await cli.waitFor(/SIGTERM: draining/);
    process.kill(cli.pid, 'SIGTERM');
    assert.equal(await cli.exited, 1);
    assert.match(cli.output(), /SIGTERM again: killing the workers now/);
    download.socket.resume();
    assert.ok((await download.finished) < BIG, 'the stalled response was cut');
  });
});
