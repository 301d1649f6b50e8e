// Differential tests of the frame layer against node:http2 (nghttp2), over loopback:
//  1. node:http2 as a CLIENT (h2c with prior knowledge) talks to a raw net server whose only HTTP/2
//     code is our FrameParser and our writers: we must parse its preface and every frame it sends,
//     and it must accept our SETTINGS, SETTINGS ACK, PING ACK, a HEADERS + CONTINUATION block and
//     DATA split by its SETTINGS_MAX_FRAME_SIZE — a 200 with the body, byte-exact.
//  2. node:http2 as a SERVER receives our client preface, SETTINGS, HEADERS and PING, and answers
//     with frames our parser (client role) reads without error.
// HPACK is not ours to test here: blocks are built by hand from RFC 7541 representations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type AddressInfo, type Socket, connect as netConnect, createServer as netCreateServer } from 'node:net';
import { once } from 'node:events';
import http2 from 'node:http2';
import { FrameParser } from '../../src/http2/frame-parser.ts';
import { CLIENT_PREFACE } from '../../src/http2/preface.ts';
import { DEFAULT_SETTINGS, type Settings, applySettings } from '../../src/http2/settings.ts';
import { dataFrame, goawayFrame, headersFrames, pingFrame, settingsAckFrame, settingsFrame } from '../../src/http2/frame-writer.ts';
import { ERROR_CODE } from '../../src/http2/errors.ts';
import { type FrameEvent, recordingSink } from '../support/frame-harness.ts';

const TIMEOUT_MS = 10_000;
// Every wait is bounded below the test timeout, so that a failure still reaches the finally blocks
// that close what the test opened (a timed-out test would leave them open and the runner waiting).
const WAIT_MS = 8_000;

function bounded<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('timed out waiting')), { once: true });
    promise.then(resolve, reject);
  });
}

/** RFC 7541 §5.1: an integer with an n-bit prefix, the prefix's other bits given in `first`. */
function hpackInt(value: number, prefixBits: number, first: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** RFC 7541 §6.2.2: literal field line without indexing, the name indexed (static table) or literal (index 0). */
function literal(nameIndex: number, name: string, value: string): Buffer {
  const parts = [hpackInt(nameIndex, 4, 0x00)];
  if (nameIndex === 0) parts.push(hpackInt(name.length, 7, 0), Buffer.from(name, 'latin1'));
  parts.push(hpackInt(value.length, 7, 0), Buffer.from(value, 'latin1'));
  return Buffer.concat(parts);
}

/** DATA frames for `body`, none longer than the peer's SETTINGS_MAX_FRAME_SIZE, the last with END_STREAM. */
function dataFrames(streamId: number, body: Buffer, maxFrameSize: number): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < body.length || frames.length === 0; at += maxFrameSize) {
    const end = Math.min(body.length, at + maxFrameSize);
    frames.push(dataFrame(streamId, body.subarray(at, end), { endStream: end === body.length }));
  }
  return Buffer.concat(frames);
}

test('node:http2 as a client: our parser reads everything it sends, and it accepts our frames (RFC 9113 §3.4, §6)', { timeout: TIMEOUT_MS }, async () => {
  const events: FrameEvent[] = [];
  const record = recordingSink(events);
  const responseBody = Buffer.alloc(50_000);
  for (let i = 0; i < responseBody.length; i++) responseBody[i] = (i * 7) & 0xff;
  const bigValue = 'v'.repeat(40_000); // a field block of three frames at the default frame size
  let peer: Settings = { ...DEFAULT_SETTINGS };
  let sockets = 0;
  const open = new Set<Socket>();

  const server = netCreateServer((socket: Socket) => {
    sockets++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let requestBytes = 0;
    const parser = new FrameParser(
      { role: 'server' },
      {
        ...record,
        onSettings: (s) => {
          record.onSettings(s);
          peer = applySettings(peer, s);
          socket.write(settingsAckFrame());
        },
        onPing: (data, ack) => {
          record.onPing(data, ack);
          if (!ack) socket.write(pingFrame(data, true));
        },
        onData: (streamId, data, endStream, flow) => {
          record.onData(streamId, data, endStream, flow);
          requestBytes += data.length;
          if (!endStream) return;
          const block = Buffer.concat([
            // The client lowered SETTINGS_HEADER_TABLE_SIZE and we acknowledged it: the next block
            // must begin with a dynamic table size update (RFC 7541 §4.2, §6.3), here to 0.
            hpackInt(0, 5, 0x20),
            Buffer.from([0x88]), // :status: 200, static index 8 (RFC 7541 Appendix A)
            literal(31, '', 'application/octet-stream'), // content-type, static index 31
            literal(0, 'x-request-bytes', String(requestBytes)),
            literal(0, 'x-big', bigValue),
          ]);
          socket.write(Buffer.concat([headersFrames(streamId, block, { maxFrameSize: peer.maxFrameSize }), dataFrames(streamId, responseBody, peer.maxFrameSize)]));
        },
      },
    );
    socket.write(settingsFrame({ maxConcurrentStreams: 100, initialWindowSize: 1 << 20 }));
    socket.on('data', (chunk: Buffer) => parser.push(chunk));
    socket.on('error', () => {});
    socket.on('end', () => socket.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const clientSettings = { headerTableSize: 1000, enablePush: false, initialWindowSize: 1 << 20, maxHeaderListSize: 200_000 };
  const client = http2.connect(`http://127.0.0.1:${port}`, { settings: clientSettings });
  const signal = AbortSignal.timeout(WAIT_MS);
  client.on('error', () => {}); // surfaces as a failed wait below
  try {
    await once(client, 'connect', { signal });
    client.setLocalWindowSize(4 << 20);
    const pingPayload = Buffer.from('pingpong');
    const pinged = new Promise<Buffer>((resolve, reject) => client.ping(pingPayload, (err, _ms, payload) => (err ? reject(err) : resolve(payload))));
    const requestBody = Buffer.alloc(40_000, 0x71);
    const req = client.request({ ':method': 'POST', ':path': '/upload', 'x-test': 'frames' });
    req.end(requestBody);
    const [headers] = (await once(req, 'response', { signal })) as [http2.IncomingHttpHeaders];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    await once(req, 'end', { signal });
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-type'], 'application/octet-stream');
    assert.equal(headers['x-request-bytes'], String(requestBody.length));
    assert.equal(headers['x-big'], bigValue);
    assert.ok(Buffer.concat(chunks).equals(responseBody), 'the body arrives byte-exact');
    assert.ok((await bounded(pinged, signal)).equals(pingPayload), 'our PING ACK echoes the payload');
    client.close();
    await once(client, 'close', { signal });
  } finally {
    client.destroy();
    for (const socket of open) socket.destroy();
    server.close();
    await once(server, 'close');
  }

  assert.equal(sockets, 1);
  assert.deepEqual(events.filter((e) => e.type === 'error'), [], 'no frame error on anything node:http2 sent');
  // Its SETTINGS as it was told to send them, decoded by us (the first frame, §3.4).
  assert.equal(events[0]?.type, 'settings');
  const first = events[0]?.type === 'settings' ? events[0].settings : {};
  for (const [key, value] of Object.entries(clientSettings)) assert.equal(first[key as keyof Settings], value, key);
  const types = new Set(events.map((e) => e.type));
  for (const t of ['settings', 'settings-ack', 'window-update', 'headers', 'data', 'ping', 'goaway']) assert.ok(types.has(t as FrameEvent['type']), `saw ${t}: ${[...types].join(', ')}`);
  const data = events.filter((e) => e.type === 'data');
  assert.equal(data.reduce((n, e) => n + e.data.length / 2, 0), 40_000);
  assert.equal(data.at(-1)?.endStream, true);
  assert.ok(data.every((e) => e.streamId === 1));
  assert.ok(events.some((e) => e.type === 'window-update' && e.streamId === 0 && e.increment >= (4 << 20) - 65_535));
  assert.ok(events.some((e) => e.type === 'ping' && e.data === Buffer.from('pingpong').toString('hex') && !e.ack));
  const goaway = events.find((e) => e.type === 'goaway');
  assert.ok(goaway?.type === 'goaway' && goaway.errorCode === ERROR_CODE.NO_ERROR);
});

test('node:http2 as a server accepts our client preface, SETTINGS, HEADERS and PING, and we parse its answer (RFC 9113 §3.4, §6)', { timeout: TIMEOUT_MS }, async () => {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': String(headers[':path']) });
    stream.end('hello from node:http2');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const events: FrameEvent[] = [];
  const record = recordingSink(events);
  const socket = netConnect(port, '127.0.0.1');
  const signal = AbortSignal.timeout(WAIT_MS);
  try {
    const done = new Promise<void>((resolve, reject) => {
      let gotPingAck = false;
      let gotBody = false;
      const maybeDone = (): void => {
        if (gotPingAck && gotBody) resolve();
      };
      const parser = new FrameParser(
        { role: 'client' },
        {
          ...record,
          onSettings: (s) => {
            record.onSettings(s);
            socket.write(settingsAckFrame());
          },
          onPing: (data, ack) => {
            record.onPing(data, ack);
            gotPingAck ||= ack && data.toString() === 'h2frames';
            maybeDone();
          },
          onData: (streamId, data, endStream, flow) => {
            record.onData(streamId, data, endStream, flow);
            gotBody ||= endStream;
            maybeDone();
          },
          onError: (e) => {
            record.onError(e);
            reject(new Error(`frame error ${e.reason}`));
          },
        },
      );
      socket.on('data', (chunk: Buffer) => parser.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => reject(new Error('closed early')));
    });
    await once(socket, 'connect', { signal });
    const block = Buffer.concat([
      Buffer.from([0x82, 0x86]), // :method: GET, :scheme: http (static indexes 2 and 6, RFC 7541 Appendix A)
      literal(4, '', '/from-our-writer'), // :path, static index 4
      literal(1, '', `127.0.0.1:${port}`), // :authority, static index 1
    ]);
    socket.write(
      Buffer.concat([
        CLIENT_PREFACE,
        settingsFrame({ enablePush: false, initialWindowSize: 1 << 20, maxFrameSize: 1 << 20 }),
        headersFrames(1, block, { maxFrameSize: 16_384, endStream: true }),
        pingFrame(Buffer.from('h2frames')),
      ]),
    );
    await bounded(done, signal);
    socket.write(goawayFrame(1, ERROR_CODE.NO_ERROR));
  } finally {
    socket.destroy();
    server.close();
    await once(server, 'close');
  }
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  assert.equal(events[0]?.type, 'settings', "the server's preface SETTINGS comes first");
  assert.ok(events.some((e) => e.type === 'settings-ack'), 'it acknowledged our SETTINGS');
  const headers = events.find((e) => e.type === 'headers');
  assert.ok(headers?.type === 'headers' && headers.streamId === 1 && headers.block.startsWith('88'), ':status 200 as static index 8');
  const body = events
    .filter((e) => e.type === 'data')
    .map((e) => Buffer.from(e.data, 'hex').toString())
    .join('');
  assert.equal(body, 'hello from node:http2');
});
