// Wire tests of the WebSocket server: our server on 127.0.0.1:0, a raw client writing frames by
// hand (test/support/ws-client.ts), and the exact close codes and HTTP refusals that come back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { Router } from '../../src/app/router.ts';
import { compose } from '../../src/app/pipeline.ts';
import { errorHandler } from '../../src/app/error-response.ts';
import { startServer, type StartedServer } from '../support/start-server.ts';
import { WsTestClient, clientFrame, closePayload, handshakeRequest, HANDSHAKE_ACCEPT } from '../support/ws-client.ts';
import type { WebSocket } from '../../src/websocket/websocket.ts';
import type { WebSocketRouteOptions } from '../../src/websocket/route.ts';

async function echoServer(options: WebSocketRouteOptions = {}, onOpen?: (ws: WebSocket) => void): Promise<StartedServer & { router: Router }> {
  const router = new Router()
    .websocket(
      '/ws',
      (ws) => {
        onOpen?.(ws);
        ws.on('message', (data, isBinary) => void ws.send(data, { binary: isBinary }));
      },
      options,
    )
    .route('/ws', { GET: (_req, res) => res.send(200, 'plain page\n') });
  const s = await startServer(compose([errorHandler()], router.handle));
  return Object.assign(s, { router });
}

test('a valid handshake gets 101 with Sec-WebSocket-Accept (RFC 6455 §4.2.2) and echoes', async (t) => {
  const s = await echoServer();
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  assert.equal(c.status, 101);
  assert.equal(c.headers.get('sec-websocket-accept'), HANDSHAKE_ACCEPT);
  assert.equal(c.headers.get('upgrade'), 'websocket');
  assert.match(c.headers.get('connection') ?? '', /upgrade/i);
  c.send(0x1, 'hello');
  const f = await c.frame();
  assert.deepEqual([f.opcode, f.fin, f.payload.toString()], [0x1, true, 'hello']);
  c.send(0x2, Buffer.from([0, 1, 2, 255]));
  const b = await c.frame();
  assert.deepEqual([b.opcode, [...b.payload]], [0x2, [0, 1, 2, 255]]);
});

test('frames sent in the same write as the handshake belong to the WebSocket (pipelined bytes)', async (t) => {
  const s = await echoServer();
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, Buffer.concat([Buffer.from(handshakeRequest('/ws')), clientFrame(0x1, 'early'), clientFrame(0x1, 'bird')]));
  t.after(() => c.destroy());
  assert.equal(c.status, 101);
  assert.equal((await c.frame()).payload.toString(), 'early');
  assert.equal((await c.frame()).payload.toString(), 'bird');
});

test('a request without Upgrade goes on to later routes; the socket still counts as open', async (t) => {
  const s = await echoServer();
  t.after(() => s.close());
  const res = await fetch(`${s.url}/ws`);
  assert.equal(await res.text(), 'plain page\n');
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  assert.equal(c.status, 101);
  assert.equal(s.server.stats.open >= 1, true);
  assert.equal(s.router.websocketRoute('/ws')!.clients.size, 1);
});

const BAD_HANDSHAKES: Array<[string, string, number, RegExp]> = [
  ['missing Connection: upgrade', handshakeRequest('/ws', { Connection: 'keep-alive' }), 400, /Connection/],
  ['POST (no route implements it)', handshakeRequest('/ws').replace('GET', 'POST'), 501, /Not Implemented/],
  ['no key', handshakeRequest('/ws', {}, ['Sec-WebSocket-Key']), 400, /Sec-WebSocket-Key is missing/],
  ['a key of 15 bytes', handshakeRequest('/ws', { 'Sec-WebSocket-Key': Buffer.alloc(15, 1).toString('base64') }), 400, /16 bytes/],
  ['a key that is not base64', handshakeRequest('/ws', { 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!==' }), 400, /16 bytes/],
  ['two keys', handshakeRequest('/ws').replace('\r\n\r\n', '\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n\r\n'), 400, /sent once/],
  ['a body', handshakeRequest('/ws', { 'Content-Length': '2' }) + 'hi', 400, /no body/],
  ['HTTP/1.0', handshakeRequest('/ws').replace('HTTP/1.1', 'HTTP/1.0'), 400, /HTTP\/1\.1/],
  ['a bad subprotocol list', handshakeRequest('/ws', { 'Sec-WebSocket-Protocol': 'a, a' }), 400, /Sec-WebSocket-Protocol/],
  ['a malformed extensions field', handshakeRequest('/ws', { 'Sec-WebSocket-Extensions': 'permessage-deflate; =x' }), 400, /Sec-WebSocket-Extensions/],
];

for (const [what, request, status, message] of BAD_HANDSHAKES) {
  test(`handshake with ${what} is refused with ${status} and never upgraded (RFC 6455 §4.2.1)`, async (t) => {
    const s = await echoServer();
    t.after(() => s.close());
    const c = await WsTestClient.open(s.port, request);
    t.after(() => c.destroy());
    assert.equal(c.status, status);
    await new Promise((r) => setTimeout(r, 50));
    assert.match(c.body.toString(), message);
    assert.equal(s.router.websocketRoute('/ws')!.clients.size, 0);
  });
}

test('a version other than 13 gets 426 with Sec-WebSocket-Version: 13 (RFC 6455 §4.4)', async (t) => {
  const s = await echoServer();
  t.after(() => s.close());
  for (const v of ['8', undefined]) {
    const c = await WsTestClient.open(s.port, v === undefined ? handshakeRequest('/ws', {}, ['Sec-WebSocket-Version']) : handshakeRequest('/ws', { 'Sec-WebSocket-Version': v }));
    assert.equal(c.status, 426);
    assert.equal(c.headers.get('sec-websocket-version'), '13');
    assert.match(c.headers.get('upgrade') ?? '', /websocket/);
    c.destroy();
  }
});

test('the origin hook refuses with 403; subprotocols are chosen only among those offered', async (t) => {
  const router = new Router().websocket('/ws', () => {}, { origin: (o) => o === 'https://ok.example', protocols: ['chat.v2', 'chat.v1'] });
  const s = await startServer(router.handle);
  t.after(() => s.close());
  const bad = await WsTestClient.open(s.port, handshakeRequest('/ws', { Origin: 'https://evil.example' }));
  assert.equal(bad.status, 403);
  bad.destroy();
  const ok = await WsTestClient.open(s.port, handshakeRequest('/ws', { Origin: 'https://ok.example', 'Sec-WebSocket-Protocol': 'chat.v1, chat.v2' }));
  assert.equal(ok.status, 101);
  assert.equal(ok.headers.get('sec-websocket-protocol'), 'chat.v2');
  ok.destroy();
  const none = await WsTestClient.open(s.port, handshakeRequest('/ws', { Origin: 'https://ok.example', 'Sec-WebSocket-Protocol': 'other' }));
  assert.equal(none.status, 101);
  assert.equal(none.headers.has('sec-websocket-protocol'), false);
  none.destroy();
});

const REFUSED_FRAMES: Array<[string, Buffer, number]> = [
  ['an unmasked frame', clientFrame(0x1, 'hi', { mask: false }), 1002],
  ['RSV2 set', clientFrame(0x1, 'hi', { rsv: 2 }), 1002],
  ['RSV1 set without permessage-deflate', clientFrame(0x1, 'hi', { rsv: 4 }), 1002],
  ['reserved opcode 0x3', clientFrame(0x3, 'hi'), 1002],
  ['reserved control opcode 0xB', clientFrame(0xb, 'hi'), 1002],
  ['a fragmented ping', clientFrame(0x9, 'hi', { fin: false }), 1002],
  ['a ping of 126 bytes', clientFrame(0x9, Buffer.alloc(126)), 1002],
  ['a continuation with nothing to continue', clientFrame(0x0, 'hi'), 1002],
  ['a 64-bit length with its high bit set', clientFrame(0x2, Buffer.alloc(0), { lengthForm: 64, highWord: 0x80000000, declaredLength: 0 }), 1002],
  ['invalid UTF-8 text', clientFrame(0x1, Buffer.from([0x68, 0xc3, 0x28])), 1007],
  ['a text message cut inside a character', clientFrame(0x1, Buffer.from([0xe2, 0x82])), 1007],
  ['a surrogate in text', clientFrame(0x1, Buffer.from([0xed, 0xa0, 0x80])), 1007],
  ['close code 1005', clientFrame(0x8, closePayload(1005)), 1002],
  ['close code 1006', clientFrame(0x8, closePayload(1006)), 1002],
  ['close code 1015', clientFrame(0x8, closePayload(1015)), 1002],
  ['close code 999', clientFrame(0x8, closePayload(999)), 1002],
  ['close code 2999', clientFrame(0x8, closePayload(2999)), 1002],
  ['close code 5000', clientFrame(0x8, closePayload(5000)), 1002],
  ['a close payload of one byte', clientFrame(0x8, Buffer.from([3])), 1002],
  ['a close reason that is not UTF-8', clientFrame(0x8, Buffer.concat([closePayload(1000), Buffer.from([0xff])])), 1007],
];

for (const [what, bytes, code] of REFUSED_FRAMES) {
  test(`${what} closes the connection with ${code} (RFC 6455 §5, §7.4)`, async (t) => {
    let errors = 0;
    const s = await echoServer({}, (ws) => ws.on('error', () => errors++));
    t.after(() => s.close());
    const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
    t.after(() => c.destroy());
    c.write(bytes);
    const close = await c.closeFrame();
    assert.equal(close.code, code);
    assert.ok(close.reason.length > 0, 'the close reason says what was wrong');
    await c.closed();
    assert.equal(errors, 1);
  });
}

test('a message over maxPayload is refused with 1009 from its length field, before the payload', async (t) => {
  const s = await echoServer({ maxPayload: 1000 });
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  // Only the header of a 16 MiB frame: the refusal cannot have waited for its payload.
  c.write(clientFrame(0x2, Buffer.alloc(0), { declaredLength: 16 * 1024 * 1024 }).subarray(0, 14));
  assert.equal((await c.closeFrame()).code, 1009);
  // Fragments count together: 600 + 600 > 1000.
  const d = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => d.destroy());
  d.write(Buffer.concat([clientFrame(0x2, Buffer.alloc(600), { fin: false }), clientFrame(0x0, Buffer.alloc(600))]));
  assert.equal((await d.closeFrame()).code, 1009);
});

test('fragments with control frames in between; ping gets a pong with the same payload; an unsolicited pong is ignored', async (t) => {
  const s = await echoServer();
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  c.write(Buffer.concat([clientFrame(0x1, 'frag', { fin: false }), clientFrame(0x9, 'are you there'), clientFrame(0xa, 'unasked'), clientFrame(0x0, 'ment', { fin: false }), clientFrame(0x0, 'ed')]));
  const pong = await c.frame();
  assert.deepEqual([pong.opcode, pong.payload.toString()], [0xa, 'are you there']);
  const msg = await c.frame();
  assert.deepEqual([msg.opcode, msg.payload.toString()], [0x1, 'fragmented']);
});

test('bad UTF-8 fails fast: the first fragment is refused before the message ends (RFC 6455 §8.1)', async (t) => {
  const s = await echoServer();
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  c.write(clientFrame(0x1, Buffer.from([0x61, 0xff]), { fin: false }));
  assert.equal((await c.closeFrame()).code, 1007);
});

test('close handshake: the peer\'s code is echoed, the server closes the TCP connection, and "close" reports it', async (t) => {
  let closed: [number, string] | null = null;
  const s = await echoServer({}, (ws) => ws.on('close', (code, reason) => (closed = [code, reason])));
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  c.send(0x8, closePayload(4001, 'done'));
  assert.equal((await c.closeFrame()).code, 4001);
  await c.closed();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(closed, [4001, 'done']);
  assert.equal(s.router.websocketRoute('/ws')!.clients.size, 0);
});

test('a peer that never answers our close is dropped after closeTimeout', async (t) => {
  const s = await echoServer({ closeTimeout: 200 }, (ws) => setTimeout(() => ws.close(1000, 'bye'), 10));
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  assert.equal((await c.closeFrame()).code, 1000);
  await c.closed(3000);
});

test('idle timeout closes with 1001; the heartbeat drops a peer that stays silent', async (t) => {
  const s = await echoServer({ idleTimeout: 200, heartbeatInterval: 0 });
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  const close = await c.closeFrame(3000);
  assert.deepEqual([close.code, close.reason], [1001, 'idle timeout']);

  const h = await echoServer({ heartbeatInterval: 150 });
  t.after(() => h.close());
  const d = await WsTestClient.open(h.port, handshakeRequest('/ws'));
  t.after(() => d.destroy());
  const ping = await d.frame(3000);
  assert.equal(ping.opcode, 0x9);
  // No pong, nothing at all: the next beat finds the peer silent and drops it.
  await d.closed(3000);
});

test('graceful shutdown (server.close) closes every WebSocket with 1001', async (t) => {
  const s = await echoServer();
  const a = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  const b = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  const closing = s.close(2000);
  assert.equal((await a.closeFrame()).code, 1001);
  assert.equal((await b.closeFrame()).code, 1001);
  a.send(0x8, closePayload(1001));
  b.send(0x8, closePayload(1001));
  await Promise.all([a.closed(), b.closed(), closing]);
});

test('permessage-deflate: a compressed message is inflated; an inflate bomb is cut at maxPayload with 1009', async (t) => {
  const s = await echoServer({ maxPayload: 1024 * 1024 });
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws', { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' }));
  t.after(() => c.destroy());
  assert.match(c.headers.get('sec-websocket-extensions') ?? '', /^permessage-deflate/);
  const text = 'compress me '.repeat(200);
  c.send(0x1, deflateRawSync(text, { finishFlush: 2 }).subarray(0, -4), { rsv: 4 });
  const echo = await c.frame();
  assert.equal(echo.rsv, 4, 'the echo (over the threshold) is compressed too');
  // 1 GiB of zeros deflates to about 1 MiB; 64 MiB of zeros to ~64 KiB: a small frame, far past 1 MiB inflated.
  const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { finishFlush: 2, level: 9 }).subarray(0, -4);
  assert.ok(bomb.length < 100 * 1024);
  const before = process.memoryUsage().rss;
  c.send(0x2, bomb, { rsv: 4 });
  assert.equal((await c.closeFrame()).code, 1009);
  assert.ok(process.memoryUsage().rss - before < 48 * 1024 * 1024, 'the bomb was never inflated whole');
});

test('a slow reader: sends past maxBufferedBytes close with 1008, and memory stays bounded', async (t) => {
  let server: WebSocket | null = null;
  const s = await echoServer({ maxBufferedBytes: 256 * 1024, closeTimeout: 300 }, (ws) => (server = ws));
  t.after(() => s.close());
  const c = await WsTestClient.open(s.port, handshakeRequest('/ws'));
  t.after(() => c.destroy());
  c.socket.pause(); // never read
  await new Promise((r) => setTimeout(r, 20));
  const ws = server!;
  let refused = 0;
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (let i = 0; i < 2000 && ws.readyState === 1; i++) if (!(await Promise.race([ws.send(chunk), new Promise<boolean>((r) => setImmediate(() => r(true)))]))) refused++;
  assert.ok(refused >= 1, 'a send past the limit is refused');
  assert.ok(ws.bufferedAmount < 256 * 1024 + 64 * 1024 + 4 * 1024 * 1024, `bounded (${ws.bufferedAmount})`);
  assert.equal(ws.readyState, 2);
  // The close frame sits behind unread bytes: the close timeout drops the socket.
  assert.equal(await closed, 1008);
});
