// The engine's protocol switch (RFC 9110 §7.8, 101 Switching Protocols), with a made-up protocol:
// what the new protocol is handed (the socket and the bytes after the request), what is refused
// (HTTP/1.0, an unread body, a protocol not offered, a second switch), and that the server keeps
// counting the connection and reaches it on shutdown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startServer } from '../support/start-server.ts';
import { RawClient } from '../support/raw-client.ts';
import type { Request } from '../../src/server/request.ts';
import type { Response } from '../../src/server/response.ts';

/** "shout": echoes every byte upper-cased; the handler switches when the request offers it. */
function shout(onShutdown?: () => void, onError?: (e: unknown) => void) {
  return (req: Request, res: Response): void => {
    if (req.header('upgrade') === undefined) {
      res.send(200, 'plain\n');
      return;
    }
    try {
      res.switchProtocols({ Upgrade: 'shout' }, (socket: Socket, head: Buffer) => {
        socket.write(`[head:${head.toString()}]`);
        socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
        socket.on('end', () => socket.end());
        return { shutdown: () => { onShutdown?.(); socket.end('[bye]'); } };
      });
    } catch (error) {
      onError?.(error);
      res.send(400, `${(error as Error).message}\n`);
    }
  };
}

async function readUntil(c: RawClient, text: string): Promise<string> {
  let got = '';
  const done = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(got)}`)), 3000);
    c.socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes(text)) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  await done;
  return got;
}

test('101 goes out with Upgrade and Connection: Upgrade; pipelined bytes after the request go to the new protocol', async (t) => {
  const s = await startServer(shout());
  t.after(() => s.close());
  const c = await RawClient.connect(s.port);
  t.after(() => c.destroy());
  const reading = readUntil(c, 'LATER');
  await c.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: upgrade\r\n\r\nearly bytes');
  await new Promise((r) => setTimeout(r, 50));
  await c.write('later');
  const got = await reading;
  assert.match(got, /^HTTP\/1\.1 200 OK\r\n[\s\S]*plain\n/);
  const switched = got.slice(got.indexOf('HTTP/1.1 101'));
  assert.match(switched, /^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n\[head:early bytes\]LATER$/);
  // The switched connection is still counted (cap and status page).
  assert.equal(s.server.stats.open, 1);
});

test('graceful shutdown reaches a switched connection through its shutdown hook', async (t) => {
  let told = 0;
  const s = await startServer(shout(() => told++));
  const c = await RawClient.connect(s.port);
  t.after(() => c.destroy());
  const reading = readUntil(c, '[bye]');
  await c.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: upgrade\r\n\r\n');
  await new Promise((r) => setTimeout(r, 50));
  await s.close(1000);
  await reading;
  assert.equal(told, 1);
});

test('a switch is refused for HTTP/1.0, an unread body, a protocol not offered, or twice', async (t) => {
  const errors: string[] = [];
  const s = await startServer((req, res) => {
    try {
      const fields = { Upgrade: req.header('x-answer') ?? 'shout' };
      res.switchProtocols(fields, (socket) => void socket.end());
      if (req.header('x-twice') !== undefined) res.switchProtocols(fields, () => {});
    } catch (error) {
      errors.push((error as Error).message);
      if (!res.headersSent) res.send(400, 'refused\n');
    }
  });
  t.after(() => s.close());
  const cases = [
    'GET / HTTP/1.0\r\nUpgrade: shout\r\nConnection: upgrade\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: upgrade\r\nContent-Length: 5\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nX-Answer: other\r\nConnection: upgrade\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n\r\n',
  ];
  for (const req of cases) {
    const c = await RawClient.connect(s.port);
    await c.write(req);
    const res = await c.response();
    assert.equal(res.status, 400, req);
    c.destroy();
  }
  const twice = await RawClient.connect(s.port);
  await twice.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nX-Twice: 1\r\nConnection: upgrade\r\n\r\n');
  await twice.closed();
  twice.destroy();
  assert.match(errors[0]!, /HTTP\/1\.1/);
  assert.match(errors[1]!, /body/);
  assert.match(errors[2]!, /does not offer other/);
  assert.match(errors[3]!, /does not offer shout/);
  assert.match(errors[4]!, /Cannot change headers|already switched/);
});
