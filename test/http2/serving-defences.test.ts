// The defences of the HTTP/2 session, through the real server on a socket (h2c): raw frames in, raw
// frames out. A hostile connection is answered with RST_STREAM or GOAWAY and closed, and never
// disturbs the server or another connection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';
import { ERROR_CODE } from '../../src/http2/errors.ts';
import { REQUEST, TestClient } from '../support/session-harness.ts';
import { closeSession, h2connect, h2get } from '../support/h2-client.ts';

interface Frame {
  type: number;
  flags: number;
  id: number;
  payload: Buffer;
}

/** A raw h2c connection that collects the server's frames until it closes. */
class RawH2 {
  readonly socket: Socket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<void>;
  #buf = Buffer.alloc(0);

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      while (this.#buf.length >= 9) {
        const len = this.#buf.readUIntBE(0, 3);
        if (this.#buf.length < 9 + len) break;
        this.frames.push({ type: this.#buf[3]!, flags: this.#buf[4]!, id: this.#buf.readUInt32BE(5) & 0x7fffffff, payload: this.#buf.subarray(9, 9 + len) });
        this.#buf = this.#buf.subarray(9 + len);
      }
    });
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => resolve());
      this.socket.on('error', () => resolve());
    });
  }

  send(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  goaway(): { lastId: number; code: number } | null {
    const g = this.frames.find((f) => f.type === 0x7);
    return g === undefined ? null : { lastId: g.payload.readUInt32BE(0) & 0x7fffffff, code: g.payload.readUInt32BE(4) };
  }

  resets(): Array<{ id: number; code: number }> {
    return this.frames.filter((f) => f.type === 0x3).map((f) => ({ id: f.id, code: f.payload.readUInt32BE(0) }));
  }
}

async function h2cServer(t: { after(fn: () => unknown): void }): Promise<{ server: HttpServer; port: number; errors: unknown[] }> {
  const server = createServer({ handler: (req, res) => res.send(200, `ok ${req.path}`), http2Cleartext: true });
  const errors: unknown[] = [];
  server.on('error', (e) => errors.push(e));
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  t.after(() => server.close(200));
  return { server, port, errors };
}

/** The server still answers a well-behaved client. */
async function stillServes(port: number): Promise<void> {
  const session = await h2connect(`http://127.0.0.1:${port}`);
  try {
    assert.equal((await h2get(session, '/alive')).body.toString(), 'ok /alive');
  } finally {
    await closeSession(session);
  }
}

test('rapid reset (CVE-2023-44487): streams opened and reset at once end in GOAWAY ENHANCE_YOUR_CALM', async (t) => {
  const { port, errors } = await h2cServer(t);
  const c = new TestClient();
  const raw = new RawH2(port);
  const parts = [c.preface()];
  for (let id = 1; id < 2 * 3000; id += 2) parts.push(c.headers(id, REQUEST('/x'), true), c.rst(id, ERROR_CODE.CANCEL));
  raw.send(Buffer.concat(parts));
  await raw.closed;
  assert.equal(raw.goaway()?.code, ERROR_CODE.ENHANCE_YOUR_CALM);
  assert.deepEqual(errors, []);
  await stillServes(port);
});

test('CONTINUATION flood (CVE-2024-27316): a field block that never ends is cut with ENHANCE_YOUR_CALM', async (t) => {
  const { port } = await h2cServer(t);
  const raw = new RawH2(port);
  const c = new TestClient();
  const header = (type: number, flags: number, id: number, payload: Buffer): Buffer => {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3);
    h[3] = type;
    h[4] = flags;
    h.writeUInt32BE(id, 5);
    return Buffer.concat([h, payload]);
  };
  const parts = [c.preface(), header(0x1, 0, 1, Buffer.from([0x82]))]; // HEADERS without END_HEADERS
  for (let i = 0; i < 100; i++) parts.push(header(0x9, 0, 1, Buffer.alloc(1000, 0x40)));
  raw.send(Buffer.concat(parts));
  await raw.closed;
  assert.equal(raw.goaway()?.code, ERROR_CODE.ENHANCE_YOUR_CALM);
  await stillServes(port);
});

test('a malformed request gets RST_STREAM PROTOCOL_ERROR, the connection goes on; streams past the limit are refused', async (t) => {
  const server = createServer({ handler: (req, res) => (req.path === '/hold' ? undefined : res.send(200, 'ok')), http2Cleartext: true, http2Limits: { maxConcurrentStreams: 3 } });
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  t.after(() => server.close(200));
  const c = new TestClient();
  const raw = new RawH2(port);
  t.after(() => raw.socket.destroy());
  // Stream 1: an upper-case field name (§8.2.1); 3 answered (it counts until its END_STREAM is out,
  // after this read); 5 and 7 held open; 9 is the fourth: over the limit.
  raw.send(Buffer.concat([c.preface(), c.settingsAck(), c.rawHeaders(1, [...REQUEST('/'), 'X-Upper', 'v']), c.headers(3, REQUEST('/fine')), c.headers(5, REQUEST('/hold')), c.headers(7, REQUEST('/hold')), c.headers(9, REQUEST('/hold'))]));
  for (let i = 0; i < 100 && raw.resets().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(raw.resets(), [
    { id: 1, code: ERROR_CODE.PROTOCOL_ERROR },
    { id: 9, code: ERROR_CODE.REFUSED_STREAM },
  ]);
  const answered = raw.frames.filter((f) => f.type === 0x1).map((f) => f.id);
  assert.deepEqual(answered, [3]);
  assert.equal(raw.goaway(), null);
  assert.equal(server.stats.http2.streams, 2);
});

test('a bad preface on the h2c port: neither HTTP/2 nor HTTP/1.1, the connection is refused and closed', async (t) => {
  const { port } = await h2cServer(t);
  const raw = new RawH2(port);
  raw.send(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n'));
  await raw.closed;
  await stillServes(port);
});

test('headers_timeout carries over: a connection that sends the preface and no request is closed with GOAWAY', async (t) => {
  const server = createServer({ handler: (req, res) => res.send(200, `ok ${req.path}`), http2Cleartext: true, timeouts: { headersTimeoutMs: 300 } });
  const { port } = (await server.listen({ port: 0, host: '127.0.0.1' })) as AddressInfo;
  t.after(() => server.close(200));
  const raw = new RawH2(port);
  const started = Date.now();
  raw.send(new TestClient().preface());
  await raw.closed;
  const took = Date.now() - started;
  assert.equal(raw.goaway()?.code, ERROR_CODE.NO_ERROR);
  assert.ok(took >= 250 && took < 3000, `closed after ${took} ms`);
  await stillServes(port);
});
