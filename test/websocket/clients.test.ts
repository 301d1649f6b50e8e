// Real clients against our server: the `ws` library (echo of text, binary, large, compressed and
// fragmented messages; close codes; ping/pong), a differential test (the same raw client bytes sent
// to our server and to a `ws` server give the same outcome), and headless Chromium's WebSocket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createNodeServer, type Server as NodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import WS, { WebSocketServer } from 'ws';
import { Router } from '../../src/app/router.ts';
import { startServer, type StartedServer } from '../support/start-server.ts';
import { WsTestClient, clientFrame, closePayload, handshakeRequest } from '../support/ws-client.ts';

async function ours(): Promise<StartedServer> {
  const router = new Router()
    .websocket('/', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (!isBinary && data.toString().startsWith('close:')) ws.close(Number(data.toString().slice(6)), 'as asked');
        else void ws.send(data, { binary: isBinary });
      });
    })
    .route('/', { GET: (_req, res) => res.send(200, '<!doctype html><title>ws</title>', 'text/html; charset=utf-8') });
  return startServer(router.handle);
}

function open(url: string, options: WS.ClientOptions = {}): Promise<WS> {
  return new Promise((resolve, reject) => {
    const c = new WS(url, options);
    c.once('open', () => resolve(c));
    c.once('error', reject);
  });
}

function next(c: WS): Promise<[Buffer, boolean]> {
  return new Promise((resolve) => c.once('message', (d: Buffer, b: boolean) => resolve([d, b])));
}

for (const perMessageDeflate of [false, true]) {
  test(`ws as a client: text, binary, 1 MiB and fragmented messages echo; pings are answered (deflate ${perMessageDeflate})`, async (t) => {
    const s = await ours();
    t.after(() => s.close());
    const c = await open(`ws://127.0.0.1:${s.port}/`, { perMessageDeflate });
    t.after(() => c.terminate());
    assert.equal(c.extensions.length > 0, perMessageDeflate);
    c.send('héllo');
    assert.deepEqual((await next(c)).map(String), ['héllo', 'false']);
    c.send(Buffer.from([0, 255, 1]));
    const [bin, isBinary] = await next(c);
    assert.deepEqual([[...bin], isBinary], [[0, 255, 1], true]);
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    c.send(big);
    assert.ok((await next(c))[0].equals(big));
    c.send('frag', { fin: false });
    c.send('mented', { fin: true });
    assert.equal(String((await next(c))[0]), 'fragmented');
    const pong = new Promise<Buffer>((r) => c.once('pong', r));
    c.ping('beat');
    assert.equal(String(await pong), 'beat');
    const closed = new Promise<[number, string]>((r) => c.once('close', (code, reason) => r([code, String(reason)])));
    c.send('close:4321');
    assert.deepEqual(await closed, [4321, 'as asked']);
  });
}

test('differential: the same raw frames give the same outcome from our server and from ws', async (t) => {
  const s = await ours();
  t.after(() => s.close());
  const node: NodeServer = createNodeServer();
  const wss = new WebSocketServer({ server: node, maxPayload: 16 * 1024 * 1024 });
  wss.on('connection', (ws) => {
    ws.on('error', () => {}); // ws reports the peer's protocol errors here; the close code is what we compare
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  t.after(() => {
    wss.close();
    node.close();
    node.closeAllConnections();
  });
  const wsPort = (node.address() as AddressInfo).port;
  const inputs: Array<[string, Buffer]> = [
    ['text', clientFrame(0x1, 'abc')],
    ['binary', clientFrame(0x2, Buffer.from([1, 2]))],
    ['fragments with a ping between', Buffer.concat([clientFrame(0x1, 'a', { fin: false }), clientFrame(0x9, 'x'), clientFrame(0x0, 'b')])],
    ['unmasked', clientFrame(0x1, 'abc', { mask: false })],
    ['RSV3', clientFrame(0x1, 'abc', { rsv: 1 })],
    ['reserved opcode', clientFrame(0x5, 'abc')],
    ['fragmented close', clientFrame(0x8, closePayload(1000), { fin: false })],
    ['long ping', clientFrame(0x9, Buffer.alloc(126))],
    ['bad UTF-8', clientFrame(0x1, Buffer.from([0xfe]))],
    ['surrogate', clientFrame(0x1, Buffer.from([0xed, 0xbf, 0xbf]))],
    ['close 1005', clientFrame(0x8, closePayload(1005))],
    ['close 1015', clientFrame(0x8, closePayload(1015))],
    ['close 2999', clientFrame(0x8, closePayload(2999))],
    ['close 1-byte', clientFrame(0x8, Buffer.from([1]))],
    ['close 4000', clientFrame(0x8, closePayload(4000, 'x'))],
    ['close empty', clientFrame(0x8)],
    ['bad close reason', clientFrame(0x8, Buffer.concat([closePayload(1000), Buffer.from([0xc0])]))],
    ['continuation first', clientFrame(0x0, 'x')],
    ['interleaved messages', Buffer.concat([clientFrame(0x1, 'a', { fin: false }), clientFrame(0x1, 'b')])],
    ['64-bit MSB', clientFrame(0x2, Buffer.alloc(0), { lengthForm: 64, highWord: 0x80000000, declaredLength: 0 })],
    ['over maxPayload', clientFrame(0x2, Buffer.alloc(0), { declaredLength: 17 * 1024 * 1024 }).subarray(0, 10)],
  ];
  const outcome = async (port: number, bytes: Buffer): Promise<string> => {
    const c = await WsTestClient.open(port, handshakeRequest('/'));
    try {
      c.write(bytes);
      c.write(clientFrame(0x1, 'sentinel'));
      const seen: string[] = [];
      for (;;) {
        const f = await c.frame(3000).catch(() => null);
        if (f === null) return [...seen, 'closed'].join(' ');
        if (f.opcode === 0x8) return [...seen, `close ${f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005}`].join(' ');
        seen.push(`${f.opcode}:${f.payload.toString('hex')}`);
        if (f.opcode === 0x1 && f.payload.toString() === 'sentinel') return seen.join(' ');
      }
    } finally {
      c.destroy();
    }
  };
  // Deliberate differences, each with its rule: ws answers a 64-bit length with the MSB set as too
  // big (1009); RFC 6455 §5.2 says that bit MUST be 0, which makes it a protocol error (1002).
  const DIFFERENT: Record<string, [ours: string, theirs: string]> = { '64-bit MSB': ['close 1002', 'close 1009'] };
  for (const [what, bytes] of inputs) {
    const got = [await outcome(s.port, Buffer.from(bytes)), await outcome(wsPort, Buffer.from(bytes))];
    if (DIFFERENT[what] !== undefined) assert.deepEqual(got, DIFFERENT[what], what);
    else assert.equal(got[0], got[1], what);
  }
});

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

test('headless Chromium: a real WebSocket echoes text and binary (permessage-deflate) and sees our close code', { skip, timeout: 120_000 }, async (t) => {
  const s = await ours();
  t.after(() => s.close());
  const profile = await mkdtemp(join(tmpdir(), 'httpcraft-chromium-'));
  t.after(() => rm(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${s.url}/`);
    const result = await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const messages: unknown[] = [];
      const got = (): Promise<unknown> => new Promise((r) => ws.addEventListener('message', (e) => r(e.data), { once: true }));
      await new Promise((r) => ws.addEventListener('open', r, { once: true }));
      ws.send('hello from chromium');
      messages.push(await got());
      ws.send(new Uint8Array([1, 2, 3, 250]));
      messages.push([...new Uint8Array((await got()) as ArrayBuffer)]);
      const long = 'z'.repeat(100_000);
      ws.send(long);
      messages.push(((await got()) as string) === long);
      const closed = new Promise<[number, string, boolean]>((r) => ws.addEventListener('close', (e) => r([e.code, e.reason, e.wasClean]), { once: true }));
      ws.send('close:4100');
      return { messages, extensions: ws.extensions, close: await closed };
    }, `ws://127.0.0.1:${s.port}/`);
    assert.deepEqual(result.messages, ['hello from chromium', [1, 2, 3, 250], true]);
    assert.match(result.extensions, /permessage-deflate/);
    assert.deepEqual(result.close, [4100, 'as asked', true]);
  } finally {
    await context.close();
  }
});
