// A response the client did not stay for still leaves its access line: status 499 (nginx's "client
// closed request") and the body bytes that actually left, not the whole file; a response we cut
// ourselves (forced shutdown) keeps its own status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir } from '../support/config-helpers.ts';
import { startServer } from '../support/start-server.ts';
import type { Request } from '../../src/server/request.ts';
import type { Response } from '../../src/server/response.ts';

const BIG = 64 * 1024 * 1024; // far beyond what loopback socket buffers hold

/** Sends `head`, reads until at least `bytes` arrived, then closes the connection. */
async function readPartThenLeave(port: number, head: string, bytes: number): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(head);
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got >= bytes) resolve();
    });
  });
  socket.destroy();
  return got;
}

test('a download the client stops early is logged as 499 with the bytes sent', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'big.bin'), Buffer.alloc(BIG, 'b'));
  await writeFile(join(dir, 'www', 'small.txt'), 'small');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:([1-9]\d*)\//);
  const got = await readPartThenLeave(Number(port), 'GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n', 1024 * 1024);
  const [line, sent] = await run.waitFor(/^.*"GET \/big\.bin HTTP\/1\.1" 499 (\d+)$/m);
  assert.ok(Number(sent) > 0 && Number(sent) < BIG, line);
  t.diagnostic(`client read ${got} bytes; logged: ${line}`);
  assert.ok(Number(sent) >= got - 1024, `${sent} bytes logged, the client read ${got} (head included)`);
  assert.match(run.stdout(), /"GET \/small\.txt HTTP\/1\.1" 200 5$/m, 'the earlier request on the connection is logged as usual');
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
  assert.doesNotMatch(run.stdout(), /ERROR|WARNING/);
  assert.equal(run.stderr(), '');
  assert.equal(run.stdout().match(/"GET \/big\.bin /g)?.length, 1, 'one line for the request');
});

test('a client that resets the connection before the answer: 499 with no body bytes, recorded once', async (t) => {
  const pending: { answer?: () => void } = {};
  const server = await startServer((_req, res) => {
    pending.answer = () => res.send(200, 'late');
  });
  t.after(() => server.close());
  const seen: Array<[number, number]> = [];
  server.server.on('response', (_req: Request, res: Response) => seen.push([res.status, res.bodyBytes]));
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
  while (pending.answer === undefined) await new Promise((r) => setTimeout(r, 5));
  // A reset: a plain FIN could be a half-close from a client still waiting for its answer.
  socket.resetAndDestroy();
  while (server.server.stats.open > 0) await new Promise((r) => setTimeout(r, 5));
  pending.answer(); // the handler answers after all: nothing more is recorded, nothing is thrown
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, [[499, 0]]);
  assert.deepEqual(server.errors, []);
});

test('a response we cut at the shutdown deadline keeps its status and the bytes sent', async (t) => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('partial'); // and never ends
  });
  const seen: Array<[number, number]> = [];
  server.server.on('response', (_req: Request, res: Response) => seen.push([res.status, res.bodyBytes]));
  const socket = connect(server.port, '127.0.0.1');
  t.after(() => socket.destroy());
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write('GET /stream HTTP/1.1\r\nHost: t\r\n\r\n');
  await once(socket, 'data');
  await server.close(100);
  while (server.server.stats.open > 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(seen, [[200, 7]]);
});
