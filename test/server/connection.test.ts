// Connection behaviour over real sockets: persistence, pipelining, unread bodies, Expect, backpressure
// in both directions, timeouts, the connection cap, failures isolated to one connection, handler
// errors, and graceful close.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo, Socket } from 'node:net';
import { RawClient, rawRequest } from '../support/raw-client.ts';
import { startServer, type StartedServer } from '../support/start-server.ts';
import type { Handler } from '../../src/server/connection.ts';
import { createServer } from '../../src/server/http-server.ts';

const MiB = 1024 * 1024;

function get(path: string, extra = '', method = 'GET', version = '1.1'): string {
  return `${method} ${path} HTTP/${version}\r\nHost: test\r\n${extra}\r\n`;
}

/** Runs fn with a started server and always stops it. */
async function withServer(handler: Handler, options: Parameters<typeof startServer>[1], fn: (s: StartedServer) => Promise<void>): Promise<void> {
  const s = await startServer(handler, options);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** Polls until value() has not changed for `stableFor` consecutive polls (a stalled transfer). */
async function untilStable(value: () => number, stableFor = 5, everyMs = 100, maxMs = 20_000): Promise<number> {
  let last = value();
  let same = 0;
  const end = Date.now() + maxMs;
  while (same < stableFor && Date.now() < end) {
    await delay(everyMs);
    const v = value();
    same = v === last ? same + 1 : 0;
    last = v;
  }
  return last;
}

/** Polls a condition (for server-side state that has no event). */
async function until(cond: () => boolean, what: string, maxMs = 10_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

let s0: StartedServer | undefined;
const hello: Handler = (req, res) => res.send(200, `hello ${req.path}`);

describe('persistence (RFC 9112 §9.3)', () => {
  test('HTTP/1.1 is persistent by default', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await rawRequest(s.port, get('/a'));
      assert.equal((await c.response()).text, 'hello /a');
      await c.write(get('/b'));
      const r = await c.response();
      assert.equal(r.text, 'hello /b');
      assert.equal(r.headerCount('connection'), 0);
      assert.equal(s.sockets.length, 1, 'one connection served both');
      c.destroy();
    });
  });

  test('Connection: close is honoured: the response says close and the socket closes', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await rawRequest(s.port, get('/a', 'Connection: close\r\n'));
      const r = await c.response();
      assert.equal(r.header('connection'), 'close');
      assert.equal((await c.closed()).length, 0);
    });
  });

  test('an HTTP/1.0 request without keep-alive is answered and closed', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await rawRequest(s.port, 'GET /a HTTP/1.0\r\n\r\n');
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.header('connection'), 'close');
      assert.equal(r.text, 'hello /a');
      await c.closed();
    });
  });

  test('an HTTP/1.0 request with Connection: keep-alive stays open and is told so', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await rawRequest(s.port, 'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const r = await c.response();
      assert.equal(r.header('connection'), 'keep-alive');
      assert.equal(r.header('content-length'), '8');
      await c.write('GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      assert.equal((await c.response()).text, 'hello /b');
      c.destroy();
    });
  });

  test('a client that half-closes after its request still gets the answer, then the close', async () => {
    await withServer(
      async (req, res) => {
        await delay(20);
        res.send(200, `late ${req.path}`);
      },
      {},
      async (s) => {
        const c = await rawRequest(s.port, get('/a'));
        c.end();
        assert.equal((await c.response()).text, 'late /a');
        await c.closed();
      },
    );
  });
  for (const when of ['at once', 'after the half-close'] as const) {
    test(`a client that half-closes mid-body gets the answer given ${when}, then the close, not a wait for the request timeout (found by fuzzing)`, async () => {
      await withServer(
        async (_req, res) => {
          if (when !== 'at once') await delay(30);
          res.send(405, 'no');
        },
        { timeouts: { requestTimeoutMs: 120_000 } },
        async (s) => {
          const c = await rawRequest(s.port, 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc');
          c.end(); // 7 body bytes never come
          assert.equal((await c.response()).status, 405);
          const closed = await Promise.race([c.closed().then(() => true), delay(10_000).then(() => false)]);
          assert.ok(closed, 'the connection stayed open waiting for a body the client can no longer send');
        },
      );
    });
  }
});

describe('pipelining (RFC 9112 §9.3.2)', () => {
  test('20 requests in one write are answered in order, whatever each handler takes', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const handler: Handler = async (req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await delay(Math.floor(Math.random() * 15));
      inFlight--;
      if (req.method === 'POST') res.send(200, `posted ${(await req.text()).length} to ${req.path}`);
      else res.send(200, `answer ${req.path}`);
    };
    await withServer(handler, {}, async (s) => {
      let bytes = '';
      const expected: string[] = [];
      for (let i = 0; i < 20; i++) {
        if (i % 5 === 3) {
          bytes += `POST /${i} HTTP/1.1\r\nHost: t\r\nContent-Length: ${i}\r\n\r\n${'p'.repeat(i)}`;
          expected.push(`posted ${i} to /${i}`);
        } else if (i % 7 === 6) {
          bytes += get(`/${i}`, '', 'HEAD');
          expected.push('');
        } else {
          bytes += get(`/${i}`);
          expected.push(`answer /${i}`);
        }
      }
      const c = await rawRequest(s.port, bytes);
      const got: string[] = [];
      for (let i = 0; i < 20; i++) got.push((await c.response({ method: i % 7 === 6 && i % 5 !== 3 ? 'HEAD' : 'GET' })).text);
      assert.deepEqual(got, expected);
      assert.equal(maxInFlight, 1, 'one request at a time per connection');
      await c.write(get('/after'));
      assert.equal((await c.response()).text, 'answer /after');
      c.destroy();
    });
  });

  test('a client that pipelines without reading does not make the server buffer every response', async () => {
    const N = 400;
    const SIZE = 64 * 1024;
    let handled = 0;
    let maxWritable = 0;
    await withServer(
      (_req, res) => {
        handled++;
        maxWritable = Math.max(maxWritable, s0?.sockets[0]?.writableLength ?? 0);
        res.send(200, Buffer.alloc(SIZE, 'r'));
      },
      {},
      async (s) => {
        s0 = s;
        const c = await RawClient.connect(s.port);
        c.socket.pause();
        await c.write(get('/r').repeat(N));
        c.end(); // and a half-close: every request sent must still be answered
        const stalled = await untilStable(() => handled);
        assert.ok(stalled < N / 2, `the server stopped answering while the client did not read (${stalled} of ${N})`);
        assert.ok(maxWritable < 4 * MiB, `socket.writableLength stayed small (max ${maxWritable})`);
        c.socket.resume();
        let total = 0;
        for (let i = 0; i < N; i++) total += (await c.response({ bodySink: () => {} })).bodyLength;
        assert.equal(total, N * SIZE);
        assert.equal(handled, N);
        await c.closed();
      },
    );
  });

  test('2000 pipelined requests in one write are all answered, in order', async () => {
    await withServer(hello, {}, async (s) => {
      let bytes = '';
      for (let i = 0; i < 2000; i++) bytes += get(`/${i}`);
      const c = await rawRequest(s.port, bytes);
      for (let i = 0; i < 2000; i++) assert.equal((await c.response()).text, `hello /${i}`);
      c.destroy();
    });
  });

  test('responses to requests that arrived in one read leave in one or two socket writes, not one each', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await rawRequest(s.port, get('/warm-up'));
      assert.equal((await c.response()).text, 'hello /warm-up');
      // Count the server socket's writes to the kernel: Writable calls _write for one chunk and
      // _writev for a corked batch.
      const socket = s.sockets[0]! as Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
      const writes: number[] = [];
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...a) => {
        writes.push(1);
        write(...a);
      };
      socket._writev = (...a) => {
        writes.push((a[0] as unknown[]).length);
        writev(...a);
      };
      let bytes = '';
      for (let i = 0; i < 16; i++) bytes += get(`/${i}`);
      await c.write(bytes);
      const texts = (await c.responses(16)).map((r) => r.text);
      assert.deepEqual(texts, Array.from({ length: 16 }, (_, i) => `hello /${i}`));
      assert.ok(writes.length <= 2, `16 responses took ${writes.length} writes (${writes.join(', ')} chunks)`);
      c.destroy();
    });
  });

  test('synchronous handlers answering inside the parse keep the connection going', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await rawRequest(s.port, get('/1') + get('/2') + get('/3'));
      assert.deepEqual((await c.responses(3)).map((r) => r.text), ['hello /1', 'hello /2', 'hello /3']);
      await c.write(get('/4'));
      assert.equal((await c.response()).text, 'hello /4');
      c.destroy();
    });
  });
});

describe('unread request bodies', () => {
  const ignoresBody: Handler = (req, res) => res.send(200, `ignored ${req.path}`);

  test('a small unread body is drained and the next pipelined request is answered correctly', async () => {
    await withServer(ignoresBody, {}, async (s) => {
      const body = 'x'.repeat(10_000) + 'GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n';
      const c = await rawRequest(s.port, `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n\r\n${body}` + get('/next'));
      const first = await c.response();
      assert.equal(first.text, 'ignored /a');
      assert.equal(first.headerCount('connection'), 0, 'kept alive');
      const second = await c.response();
      assert.equal(second.text, 'ignored /next', 'body bytes were not taken for a request');
      c.destroy();
    });
  });

  test('a small body arriving after the response is drained too', async () => {
    await withServer(ignoresBody, {}, async (s) => {
      const c = await rawRequest(s.port, 'POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n');
      assert.equal((await c.response()).text, 'ignored /a');
      await c.write('y'.repeat(5000) + get('/next'));
      assert.equal((await c.response()).text, 'ignored /next');
      c.destroy();
    });
  });

  test('a large unread body closes the connection instead of reading it all', async () => {
    await withServer(ignoresBody, { limits: { maxBodyBytes: 64 * MiB } }, async (s) => {
      const c = await rawRequest(s.port, `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: ${32 * MiB}\r\n\r\n`);
      void c.write(Buffer.alloc(MiB)).catch(() => {});
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.header('connection'), 'close');
      await c.closed();
      assert.ok(s.sockets[0]!.bytesRead < 16 * MiB, 'the server did not read the whole body');
    });
  });

  test('a large body read only in part: the response arrives intact, then a graceful close (no reset)', async () => {
    const TOTAL = 16 * MiB;
    const handler: Handler = async (req, res) => {
      for await (const chunk of req.body as AsyncIterable<Buffer>) {
        res.send(200, `first chunk ${chunk.length > 0}`);
        return;
      }
    };
    await withServer(handler, { limits: { maxBodyBytes: 64 * MiB } }, async (s) => {
      const c = await rawRequest(s.port, `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: ${TOTAL}\r\n\r\n`);
      const sent = c.write(Buffer.alloc(TOTAL, 'q')).then(
        () => 'sent',
        (error: Error) => error.message,
      );
      const r = await c.response();
      assert.equal(r.text, 'first chunk true');
      await c.closed(20_000);
      assert.equal(c.error, null, 'the connection ended with a FIN, not a reset');
      assert.equal(await sent, 'sent');
      await s.close();
    });
  });

  test('a small body read only in part is drained and the connection kept', async () => {
    const handler: Handler = async (req, res) => {
      if (req.method === 'GET') return res.send(200, 'next');
      for await (const chunk of req.body as AsyncIterable<Buffer>) {
        res.send(200, `first ${chunk.length > 0}`);
        return;
      }
    };
    await withServer(handler, {}, async (s) => {
      const c = await rawRequest(s.port, 'POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n' + 'q'.repeat(1000));
      assert.equal((await c.response()).text, 'first true');
      await c.write('q'.repeat(99_000) + get('/next'));
      assert.equal((await c.response()).text, 'next');
      c.destroy();
    });
  });

  test('an unread chunked body closes the connection', async () => {
    await withServer(ignoresBody, {}, async (s) => {
      const c = await rawRequest(s.port, 'POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      const r = await c.response();
      assert.equal(r.header('connection'), 'close');
      await c.closed();
    });
  });
});

describe('Expect: 100-continue (RFC 9110 §10.1.1)', () => {
  const echo: Handler = async (req, res) => res.send(200, `got ${(await req.text()).length}`);

  test('100 Continue is sent when the handler reads the body, then the final response', async () => {
    await withServer(echo, {}, async (s) => {
      const c = await rawRequest(s.port, 'POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
      const interim = await c.response();
      assert.equal(interim.head, 'HTTP/1.1 100 Continue');
      assert.equal(interim.headers.length, 0);
      await c.write('hello');
      const r = await c.response();
      assert.equal(r.text, 'got 5');
      assert.equal(r.headerCount('connection'), 0, 'kept alive');
      await c.write(get('/x', 'Content-Length: 0\r\n', 'POST'));
      assert.equal((await c.response()).text, 'got 0');
      c.destroy();
    });
  });

  test('a final response without reading the body sends no 100 and closes', async () => {
    await withServer((_req, res) => res.send(403, 'no uploads'), {}, async (s) => {
      const c = await rawRequest(s.port, 'POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
      const r = await c.response();
      assert.equal(r.status, 403);
      assert.equal(r.header('connection'), 'close');
      await c.closed();
    });
  });

  test('any other expectation gets 417 and the handler is not run', async () => {
    let ran = false;
    await withServer(
      (_req, res) => {
        ran = true;
        res.send(200, 'ran');
      },
      {},
      async (s) => {
        const c = await rawRequest(s.port, get('/', 'Expect: teapot\r\n'));
        const r = await c.response();
        assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 417 Expectation Failed');
        assert.equal(ran, false);
        c.destroy();
      },
    );
  });

  test('an HTTP/1.0 request with 100-continue gets no 100 (the expectation is ignored)', async () => {
    let reading!: () => void;
    const startedReading = new Promise<void>((resolve) => (reading = resolve));
    await withServer(
      async (req, res) => {
        const body = req.body;
        reading();
        const parts: Buffer[] = [];
        for await (const chunk of body) parts.push(chunk as Buffer);
        res.send(200, `got ${Buffer.concat(parts).length}`);
      },
      {},
      async (s) => {
        const c = await rawRequest(s.port, 'POST /up HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
        await startedReading;
        await c.write('hello');
        const r = await c.response();
        assert.equal(r.status, 200, 'the first thing on the wire is the final response');
        assert.equal(r.text, 'got 5');
      },
    );
  });
});

describe('backpressure', () => {
  test('a client that does not read never makes the server buffer a 64 MB body; it then gets every byte', async () => {
    const TOTAL = 64 * MiB;
    const BLOCK = 64 * 1024;
    let produced = 0;
    let maxWritable = 0;
    let serverSocket: Socket | undefined;
    const handler: Handler = async (_req, res) => {
      res.setHeader('Content-Type', 'application/octet-stream');
      const source = new Readable({
        highWaterMark: BLOCK,
        read() {
          maxWritable = Math.max(maxWritable, serverSocket?.writableLength ?? 0);
          if (produced >= TOTAL) {
            this.push(null);
            return;
          }
          const block = Buffer.alloc(BLOCK, (produced / BLOCK) % 251);
          produced += BLOCK;
          this.push(block);
        },
      });
      await res.stream(source); // unknown length: chunked
    };
    await withServer(handler, {}, async (s) => {
      const c = await RawClient.connect(s.port);
      await until(() => s.sockets.length === 1, 'the connection');
      serverSocket = s.sockets[0]!;
      c.socket.pause();
      await c.write(get('/big'));
      const stalledAt = await untilStable(() => produced);
      assert.ok(stalledAt < TOTAL / 2, `the server stopped producing while the client was paused (produced ${stalledAt})`);
      assert.ok(maxWritable < 4 * MiB, `socket.writableLength stayed small (max ${maxWritable})`);
      assert.ok(serverSocket.writableLength < 4 * MiB);

      let offset = 0;
      let bad = -1;
      c.socket.resume();
      const r = await c.response({
        timeoutMs: 120_000,
        bodySink: (part) => {
          for (let i = 0; i < part.length && bad === -1; i += 997) {
            if (part[i] !== Math.floor((offset + i) / BLOCK) % 251) bad = offset + i;
          }
          offset += part.length;
        },
      });
      assert.equal(r.status, 200);
      assert.equal(r.chunked, true);
      assert.equal(r.bodyLength, TOTAL);
      assert.equal(bad, -1, `byte at ${bad} is wrong`);
      assert.ok(maxWritable < 4 * MiB, `socket.writableLength stayed small (max ${maxWritable})`);
      c.destroy();
    });
  });

  test('a handler that reads the body slowly pauses the socket; every byte still arrives', async () => {
    const TOTAL = 32 * MiB;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const handler: Handler = async (req, res) => {
      const hash = createHash('sha256');
      let n = 0;
      let first = true;
      for await (const chunk of req.body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        n += chunk.length;
        if (first) {
          first = false;
          await released;
        }
      }
      res.send(200, `${n} ${hash.digest('hex')}`);
    };
    await withServer(handler, { limits: { maxBodyBytes: 64 * MiB } }, async (s) => {
      const body = Buffer.alloc(TOTAL);
      for (let i = 0; i < body.length; i += 4096) body[i] = (i / 4096) % 256;
      const c = await rawRequest(s.port, `POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: ${TOTAL}\r\n\r\n`);
      c.socket.write(body);
      await until(() => s.sockets.length === 1, 'the connection');
      const sock = s.sockets[0]!;
      const readAt = await untilStable(() => sock.bytesRead);
      assert.ok(readAt < TOTAL / 2, `the server stopped reading (read ${readAt} of ${TOTAL})`);
      assert.ok(sock.isPaused(), 'the server socket is paused');
      assert.ok(c.socket.writableLength > 0, 'the client is held back');
      release();
      const r = await c.response({ timeoutMs: 60_000 });
      assert.equal(r.text, `${TOTAL} ${createHash('sha256').update(body).digest('hex')}`);
      c.destroy();
    });
  });

  test('a response larger than the socket buffers is not cut short when its connection closes (linger)', async () => {
    const SIZE = 32 * MiB;
    await withServer((_req, res) => res.end(Buffer.alloc(SIZE, 'z')), {}, async (s) => {
      const c = await RawClient.connect(s.port);
      c.socket.pause();
      await c.write(get('/big', 'Connection: close\r\n'));
      // Longer than the 2 s linger after the last response on a closing connection.
      await delay(3000);
      c.socket.resume();
      const r = await c.response({ bodySink: () => {}, timeoutMs: 60_000 });
      assert.equal(r.bodyLength, SIZE);
      await c.closed();
    });
  });

  test('after a Connection: close request with nothing unread, the server closes without lingering for the client', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await RawClient.connect(s.port);
      c.socket.allowHalfOpen = true; // our side stays open: only the server's own close can end the connection
      await c.write(get('/last', 'Connection: close\r\n'));
      const r = await c.response();
      assert.equal(r.text, 'hello /last');
      assert.equal(r.header('connection'), 'close');
      await c.closed();
      // A lingering close would wait for our FIN, or for its 2 s deadline (RFC 9112 §9.6): there is
      // nothing left for it to read and drop here, so the connection is gone well before that.
      await until(() => s.server.stats.open === 0, 'the server to close its side', 1500);
      c.destroy();
    });
  });

  test('bytes sent after a Connection: close request are read and dropped (lingering close), not answered with a reset', async () => {
    await withServer(hello, {}, async (s) => {
      const c = await RawClient.connect(s.port);
      c.socket.allowHalfOpen = true;
      await c.write(get('/last', 'Connection: close\r\n') + get('/ignored'));
      const r = await c.response();
      assert.equal(r.text, 'hello /last');
      const rest = await c.closed();
      assert.equal(rest.length, 0, 'the pipelined request after the close is not answered');
      assert.equal(c.error, null, 'no reset');
      await delay(300);
      assert.equal(s.server.stats.open, 1, 'the server lingers while the client may still be sending');
      c.socket.end();
      await until(() => s.server.stats.open === 0, 'the server to close once the client has');
    });
  });

  test('a keep-alive connection whose last response drained slowly is still closed when idle', async () => {
    const SIZE = 32 * MiB;
    await withServer((_req, res) => res.end(Buffer.alloc(SIZE, 'z')), { timeouts: { keepAliveTimeoutMs: 300 } }, async (s) => {
      const c = await RawClient.connect(s.port);
      c.socket.pause();
      await c.write(get('/big'));
      await delay(1000); // past the idle timeout while the response is still being written
      c.socket.resume();
      const r = await c.response({ bodySink: () => {}, timeoutMs: 60_000 });
      assert.equal(r.bodyLength, SIZE);
      assert.equal(await c.closesWithin(5000), true, 'the idle timeout applies once the response has drained');
    });
  });
});

describe('timeouts', () => {
  const timeouts = { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 400, writeStallTimeoutMs: 800 };

  test('slowloris: a head trickled byte by byte gets 408 and a close once the header timeout passes', async () => {
    await withServer(hello, { timeouts }, async (s) => {
      const c = await rawRequest(s.port, 'GET / HTTP/1.1\r\n');
      let sent = 0;
      const trickle = (async () => {
        while (!c.ended && sent < 400) {
          await delay(25);
          if (!c.ended) c.socket.write(`X-${sent++}: 1\r\n`);
        }
      })();
      const r = await c.response();
      assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 408 Request Timeout');
      assert.equal(r.header('connection'), 'close');
      await c.closed();
      await trickle;
      assert.ok(sent < 400, 'the timeout counts from the first byte, not the latest one');
    });
  });

  test('the header timeout also guards the next request on a kept-alive connection', async () => {
    await withServer(hello, { timeouts }, async (s) => {
      const c = await rawRequest(s.port, get('/first'));
      assert.equal((await c.response()).text, 'hello /first');
      await c.write('GET /second HTTP/1.1\r\n');
      let sent = 0;
      const trickle = (async () => {
        while (!c.ended && sent < 400) {
          await delay(25);
          if (!c.ended) c.socket.write(`X-${sent++}: 1\r\n`);
        }
      })();
      const r = await c.response();
      assert.equal(r.status, 408);
      await c.closed();
      await trickle;
      assert.ok(sent < 400);
    });
  });

  test('a partial head pipelined behind a request is under the header timeout, not the idle one', async () => {
    // Idle closes quickly here; a started head must still get its full header time, then a 408.
    const t = { headersTimeoutMs: 1200, requestTimeoutMs: 2000, keepAliveTimeoutMs: 150, writeStallTimeoutMs: 2000 };
    await withServer(hello, { timeouts: t }, async (s) => {
      const c = await rawRequest(s.port, get('/first') + 'GET /second HTTP/1.1\r\nHost: x\r\n');
      assert.equal((await c.response()).text, 'hello /first');
      const answeredAt = Date.now();
      const r = await c.response();
      assert.equal(r.status, 408, 'answered 408, not closed silently as an idle connection');
      assert.ok(Date.now() - answeredAt >= 600, `kept past the idle timeout while the head was pending (${Date.now() - answeredAt} ms)`);
      await c.closed();
    });
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    await withServer(hello, { timeouts }, async (s) => {
      const c = await rawRequest(s.port, get('/'));
      await c.response();
      const rest = await c.closed(10_000);
      assert.equal(rest.length, 0, 'closed without a response');
    });
  });

  test('a connection that never sends a byte is closed after the keep-alive timeout', async () => {
    await withServer(hello, { timeouts }, async (s) => {
      const c = await RawClient.connect(s.port);
      assert.equal((await c.closed(10_000)).length, 0);
    });
  });

  test('a request body that stops arriving gets 408 after request_timeout', async () => {
    const errors: unknown[] = [];
    await withServer(
      async (req, res) => {
        try {
          res.send(200, await req.text());
        } catch (error) {
          errors.push(error);
          throw error;
        }
      },
      { timeouts },
      async (s) => {
        const c = await rawRequest(s.port, 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789');
        const r = await c.response();
        assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 408 Request Timeout');
        assert.equal(r.header('connection'), 'close');
        await c.closed();
        assert.equal(errors.length, 1, 'the handler saw its body read fail');
      },
    );
  });

  test('a client that stops reading a response is dropped after the write-stall timeout', async () => {
    await withServer(
      async (_req, res) => {
        await res.stream(Readable.from((function* () {
          for (;;) yield Buffer.alloc(64 * 1024, 'w');
        })()));
      },
      { timeouts },
      async (s) => {
        const c = await RawClient.connect(s.port);
        c.socket.pause();
        await c.write(get('/forever'));
        await until(() => s.sockets.length === 1, 'the connection');
        await once(s.sockets[0]!, 'close');
        c.destroy();
      },
    );
  });
});

describe('connection cap, isolation and handler failures', () => {
  test('beyond maxConnections a new connection gets 503 with Retry-After and is closed', async () => {
    await withServer(hello, { maxConnections: 2 }, async (s) => {
      const a = await rawRequest(s.port, get('/a'));
      const b = await rawRequest(s.port, get('/b'));
      await a.response();
      await b.response();
      const extra = await rawRequest(s.port, get('/c'));
      const r = await extra.response();
      assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 503 Service Unavailable');
      assert.equal(r.header('retry-after'), '1');
      assert.equal(r.header('connection'), 'close');
      await extra.closed();
      assert.equal(s.server.stats.refused, 1);
      // The earlier connections are unaffected, and a freed slot is usable again.
      await a.write(get('/a2'));
      assert.equal((await a.response()).text, 'hello /a2');
      b.destroy();
      await until(() => s.server.stats.open === 1, 'the server to notice the close');
      const later = await rawRequest(s.port, get('/d'));
      assert.equal((await later.response()).text, 'hello /d');
      a.destroy();
      later.destroy();
    });
  });

  test('a client that resets mid-response disturbs neither a parallel connection nor the process', async () => {
    let sourceClosed!: () => void;
    const closedSource = new Promise<void>((resolve) => (sourceClosed = resolve));
    const handler: Handler = async (req, res) => {
      if (req.path === '/endless') {
        const source = Readable.from((async function* () {
          for (;;) {
            yield Buffer.alloc(16 * 1024, 'e');
            await delay(1);
          }
        })());
        source.on('close', () => sourceClosed());
        await res.stream(source);
        return;
      }
      res.send(200, 'fine');
    };
    await withServer(handler, {}, async (s) => {
      const other = await rawRequest(s.port, get('/ok'));
      assert.equal((await other.response()).text, 'fine');
      const victim = await rawRequest(s.port, get('/endless'));
      await victim.received(100_000);
      victim.socket.resetAndDestroy();
      await closedSource;
      await other.write(get('/ok'));
      assert.equal((await other.response()).text, 'fine');
      const fresh = await rawRequest(s.port, get('/ok'));
      assert.equal((await fresh.response()).text, 'fine');
      other.destroy();
      fresh.destroy();
    });
  });

  test('a listener error (EMFILE on accept, say) without an error listener does not crash the process', async () => {
    const server = createServer({ handler: hello });
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const error = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
      assert.doesNotThrow(() => server.netServer.emit('error', error));
      const port = (server.address() as AddressInfo).port;
      const c = await rawRequest(port, get('/still'));
      assert.equal((await c.response()).text, 'hello /still');
      c.destroy();
    } finally {
      await server.close(200);
    }
  });

  test('a handler that throws or rejects gets a 500 and the server keeps serving', async () => {
    const handler: Handler = (req, res) => {
      if (req.path === '/throw') throw new Error('sync bug');
      if (req.path === '/reject') return Promise.reject(new Error('async bug'));
      if (req.path === '/forgot') return Promise.resolve();
      res.send(200, 'fine');
      return undefined;
    };
    await withServer(handler, {}, async (s) => {
      for (const path of ['/throw', '/reject', '/forgot']) {
        const c = await rawRequest(s.port, get(path));
        const r = await c.response();
        assert.equal(r.status, 500, path);
        assert.doesNotMatch(r.text, /bug/, 'no internals in the body');
        c.destroy();
      }
      assert.equal(s.errors.length, 3, 'each failure was reported');
      const c = await rawRequest(s.port, get('/ok'));
      assert.equal((await c.response()).text, 'fine');
      c.destroy();
    });
  });

  test('a handler error after the head was sent closes the connection (the body is visibly cut)', async () => {
    await withServer(
      async (_req, res) => {
        res.write('partial ');
        await delay(5);
        throw new Error('late bug');
      },
      {},
      async (s) => {
        const c = await rawRequest(s.port, get('/'));
        await assert.rejects(c.response(), /closed in the middle of a chunked body/);
        assert.equal(s.errors.length, 1);
      },
    );
  });
});

describe('graceful close', () => {
  test('in-flight requests finish with Connection: close, idle ones are closed, new ones refused', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const slowStarted = new Promise<void>((resolve) => (started = resolve));
    const handler: Handler = async (req, res) => {
      if (req.path === '/slow') {
        started();
        await released;
      }
      res.send(200, `done ${req.path}`);
    };
    const s = await startServer(handler);
    try {
      const idle = await rawRequest(s.port, get('/fast'));
      await idle.response();
      const busy = await rawRequest(s.port, get('/slow'));
      await slowStarted;
      const closing = s.server.close(10_000);
      await idle.closed();
      await assert.rejects(RawClient.connect(s.port), /ECONNREFUSED/);
      release();
      const r = await busy.response();
      assert.equal(r.text, 'done /slow');
      assert.equal(r.header('connection'), 'close');
      await busy.closed();
      await closing;
    } finally {
      await s.close();
    }
  });
});
