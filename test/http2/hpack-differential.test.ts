// Differential tests against nghttp2, through node:http2 as a client: a raw `net` server on
// 127.0.0.1 reads the client's frames, decodes every HEADERS block with our decoder (the dynamic table
// carried across the requests of a connection) and must find exactly the fields the client sent; it
// answers with blocks from our encoder, which the client's own HPACK decoder must read back exactly.
// Random headers from fast-check; several SETTINGS_HEADER_TABLE_SIZE values, so nghttp2 also sends
// size updates and evicts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { HpackDecoder } from '../../src/http2/hpack/decoder.ts';
import { HpackEncoder } from '../../src/http2/hpack/encoder.ts';
import { HpackError } from '../../src/http2/hpack/errors.ts';
import { FLAG, FRAME, RawFrameReader, frame, headersFrames, settings } from '../support/h2-raw-frames.ts';

const SEED = 20260716;
const SETTINGS_HEADER_TABLE_SIZE = 0x1;

interface Seen {
  /** Decoded request blocks, by stream id. */
  requests: Map<number, string[]>;
  /** The request blocks as received, in order. */
  raw: Buffer[];
  errors: string[];
}

/** Response fields the raw server sends on the next stream of a connection, by stream id. */
type Responder = (streamId: number, request: string[]) => string[];

interface RawServer {
  port: number;
  /** What the connection accepted next will advertise, and how it answers. */
  next(tableSize: number | null, respond: Responder): Seen;
  close(): Promise<void>;
}

async function rawServer(): Promise<RawServer> {
  let pending: { tableSize: number | null; respond: Responder; seen: Seen } | null = null;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const conn = pending;
    pending = null;
    if (conn === null) return void socket.destroy();
    const reader = new RawFrameReader();
    const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
    const encoder = new HpackEncoder();
    socket.write(settings(conn.tableSize === null ? [] : [[SETTINGS_HEADER_TABLE_SIZE, conn.tableSize]]));
    socket.on('data', (chunk: Buffer) => {
      let parsed;
      try {
        parsed = reader.push(chunk);
      } catch (err) {
        conn.seen.errors.push(String(err));
        return void socket.destroy();
      }
      // In wire order: a SETTINGS ACK applies to the blocks after it, not to one before it.
      for (const f of parsed) {
        if (f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0) {
          // The client's table size governs our encoder (RFC 9113 §6.5.3: on receipt).
          for (let i = 0; i + 6 <= f.payload.length; i += 6) {
            if (f.payload.readUInt16BE(i) === SETTINGS_HEADER_TABLE_SIZE) encoder.setMaxTableSize(f.payload.readUInt32BE(i + 2));
          }
          socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
        } else if (f.type === FRAME.SETTINGS) {
          if (conn.tableSize !== null) decoder.setMaxTableSize(conn.tableSize); // ours, now acknowledged
        } else if (f.block !== undefined) {
          const { streamId, block } = f.block;
          conn.seen.raw.push(block);
          const fields = decoder.decode(block);
          if (fields instanceof HpackError) {
            conn.seen.errors.push(`${fields.code} on stream ${streamId}: ${block.toString('hex')}`);
            return void socket.destroy();
          }
          conn.seen.requests.set(streamId, fields);
          socket.write(headersFrames(streamId, encoder.encode(conn.respond(streamId, fields)), true));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    next(tableSize, respond) {
      const seen: Seen = { requests: new Map(), raw: [], errors: [] };
      pending = { tableSize, respond, seen };
      return seen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function request(session: ClientHttp2Session, headers: OutgoingHttpHeaders): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers, { endStream: true });
    req.setTimeout(5000, () => req.close(constants.NGHTTP2_CANCEL));
    req.on('response', (h) => resolve(h));
    req.on('error', reject);
    req.on('close', () => reject(new Error(`stream closed without a response (${req.rstCode})`)));
    req.resume();
  });
}

function openSession(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function closeSession(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (session.destroyed) return resolve();
    session.once('close', () => resolve());
    session.close();
    setTimeout(() => session.destroy(), 2000).unref();
  });
}

/** Splits a decoded block into its pseudo-headers (as a record) and its regular fields (in order). */
function split(fields: string[]): { pseudo: Record<string, string>; regular: [string, string][] } {
  const pseudo: Record<string, string> = {};
  const regular: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i]!.startsWith(':')) pseudo[fields[i]!] = fields[i + 1]!;
    else regular.push([fields[i]!, fields[i + 1]!]);
  }
  return { pseudo, regular };
}

// Header names a browser sends (static-table names among them), and random lower-case tokens.
const nameArb = fc.oneof(
  fc.constantFrom('accept', 'accept-language', 'accept-encoding', 'user-agent', 'cookie', 'authorization', 'referer', 'if-none-match', 'cache-control', 'x-requested-with', 'content-type', 'priority', 'origin'),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split('')), minLength: 1, maxLength: 16 }).map((s) => `x-${s}`),
);
// Field values: visible ASCII, obs-text and inner spaces (node's client refuses CR, LF and NUL),
// sometimes long. node:http2 sends a string as latin1, as our decoder returns it.
const vchar = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
).map((c) => String.fromCharCode(c));
const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('*/*', 'gzip, deflate, br', 'en-US,en;q=0.9', 'no-cache', 'Mozilla/5.0 (X11; Linux x86_64)', 'u=1, i', 'session=abcdef0123456789xyz') },
  { weight: 4, arbitrary: fc.tuple(vchar, fc.string({ unit: fc.oneof(vchar, fc.constant(' ')), maxLength: 60 })).map(([a, b]) => a + b.trimEnd()) },
  { weight: 1, arbitrary: fc.string({ unit: vchar, minLength: 200, maxLength: 1500 }) },
);
const headersArb = fc.uniqueArray(fc.tuple(nameArb, valueArb), { selector: ([n]) => n, maxLength: 12 });
const pathArb = fc.constantFrom('/', '/index.html', '/style.css', '/app.js', '/img/logo.png', '/api/items?page=2');

test('our decoder reads every header block node:http2 (nghttp2) sends, and nghttp2 reads ours', { timeout: 120_000 }, async () => {
  const server = await rawServer();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(null, 4096, 256, 64, 0),
        fc.array(fc.tuple(pathArb, headersArb, headersArb), { minLength: 1, maxLength: 12 }),
        async (tableSize, requests) => {
          const responses = new Map<number, string[]>();
          const seen = server.next(tableSize, (streamId) => responses.get(streamId) ?? [':status', '500']);
          const session = await openSession(server.port);
          try {
            for (let i = 0; i < requests.length; i++) {
              const [path, headers, responseHeaders] = requests[i]!;
              const streamId = 2 * i + 1;
              const fixed = [':status', '200', 'content-type', 'text/html; charset=utf-8', 'server', 'httpcraft', 'x-seq', String(i)];
              const reply = [...fixed, ...responseHeaders.filter(([n]) => !fixed.includes(n)).flat()];
              responses.set(streamId, reply);
              const got = await request(session, { ':path': path, ...Object.fromEntries(headers) }).catch((err: Error) => {
                throw new Error(`${err.message}; server saw ${seen.errors.join('; ')}`);
              });
              assert.deepEqual(seen.errors, []);
              const { pseudo, regular } = split(seen.requests.get(streamId)!);
              assert.deepEqual(pseudo, { ':method': 'GET', ':path': path, ':scheme': 'http', ':authority': `127.0.0.1:${server.port}` });
              assert.deepEqual(regular, headers);
              // nghttp2 decoded our block to the same fields.
              const { pseudo: ourPseudo, regular: ours } = split(reply);
              assert.equal(String(got[':status']), ourPseudo[':status']);
              for (const [name, value] of ours) assert.equal(got[name], value, name);
            }
          } finally {
            await closeSession(session);
          }
        },
      ),
      { seed: SEED, numRuns: 40, includeErrorInReport: true },
    );
  } finally {
    await server.close();
  }
});

test('a header block over 16 KiB arrives in CONTINUATION frames and decodes the same, both ways', { timeout: 30_000 }, async () => {
  const server = await rawServer();
  try {
    const big = 'b'.repeat(40_000);
    const seen = server.next(null, () => [':status', '200', 'x-big', big.toUpperCase()]);
    const session = await openSession(server.port);
    try {
      const got = await request(session, { ':path': '/', 'x-big': big, 'x-after': 'after' });
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(split(seen.requests.get(1)!).regular, [['x-big', big], ['x-after', 'after']]);
      assert.equal(got['x-big'], big.toUpperCase());
      // The second time the big value is one index: the table kept it.
      const again = await request(session, { ':path': '/', 'x-big': big, 'x-after': 'after' });
      assert.equal(again['x-big'], big.toUpperCase());
      assert.deepEqual(split(seen.requests.get(3)!).regular, [['x-big', big], ['x-after', 'after']]);
    } finally {
      await closeSession(session);
    }
  } finally {
    await server.close();
  }
});

test('nghttp2 shrinks its table to our SETTINGS_HEADER_TABLE_SIZE with a size update, and indexes repeats', { timeout: 30_000 }, async () => {
  const server = await rawServer();
  try {
    const seen = server.next(256, () => [':status', '204']);
    const session = await openSession(server.port);
    try {
      const headers = { ':path': '/a', 'user-agent': 'differential/1', 'x-long': 'l'.repeat(50), 'x-other': 'caf\u00e9' };
      for (let i = 0; i < 4; i++) {
        await request(session, headers);
        const fields = seen.requests.get(2 * i + 1)!;
        assert.deepEqual(split(fields).regular, Object.entries(headers).slice(1));
      }
      assert.deepEqual(seen.errors, []);
    } finally {
      await closeSession(session);
    }
    const raw = seen.raw;
    // Some block started with a size update down to 256 (0x3f 0xe1 0x01), and later blocks were
    // shorter than the first: nghttp2 indexed (the four fields take 244 of the 256 octets), and we
    // followed its table.
    assert.ok(raw.some((b) => b.subarray(0, 3).toString('hex') === '3fe101'), raw.map((b) => b.toString('hex')).join(' '));
    assert.ok(raw[3]!.length < raw[0]!.length / 2, raw.map((b) => b.toString('hex')).join(' '));
  } finally {
    await server.close();
  }
});
