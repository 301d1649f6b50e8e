// What a draining server does with each kind of open connection: the behaviour a rolling restart
// relies on (src/server/connection.ts shutdown()).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { createServer } from '../../src/server/http-server.ts';

function open(port: number): Promise<{ socket: Socket; data: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('connect', () => resolve({ socket, data: () => data, closed }));
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('connections while the server drains', () => {
  test('accepted but silent: its first request is still answered, with Connection: close', async () => {
    const server = createServer({ handler: (req, res) => res.send(200, `hi ${req.path}`) });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const fresh = await open(port);
    await until(() => server.stats.open === 1, 'the server to accept');
    const closing = server.close(5000);
    fresh.socket.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
    await fresh.closed;
    assert.match(fresh.data(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(fresh.data(), /\r\nConnection: close\r\n/i);
    assert.ok(fresh.data().endsWith('hi /late'));
    await closing;
  });

  test('idle after a response: closed at once', async () => {
    const server = createServer({ handler: (req, res) => res.send(200, 'ok') });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const used = await open(port);
    used.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => used.data().endsWith('ok'), 'the first response');
    const closing = server.close(5000);
    await used.closed;
    await closing;
  });

  test('a request whose body is still arriving gets all of it, then Connection: close', async () => {
    let started!: () => void;
    const headReceived = new Promise<void>((r) => (started = r));
    const server = createServer({
      handler: async (req, res) => {
        started();
        const body = await req.text();
        res.send(200, `got ${body.length}`);
      },
    });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const upload = await open(port);
    upload.socket.write('POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345');
    await headReceived;
    const closing = server.close(5000);
    await new Promise((r) => setTimeout(r, 50));
    upload.socket.write('67890');
    await upload.closed;
    assert.match(upload.data(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(upload.data(), /\r\nConnection: close\r\n/i);
    assert.ok(upload.data().endsWith('got 10'), upload.data());
    await closing;
  });
});
