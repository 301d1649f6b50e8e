// The WebSocket benchmark's load generator, the same for every server: a small raw client (no
// library, so that the client is not what is measured). Each connection keeps one message in flight
// and sends the next when the whole echo has come back: messages per second are round trips.
// Frames are built once, masked with a fixed non-zero key as a browser's would be (RFC 6455 §5.3), and
// for permessage-deflate compressed once under client_no_context_takeover, so every message is the
// same valid compressed frame. Echoes are counted by their frame headers, never inflated.
//
// Messages from the parent (IPC): {mode:'echo', port, connections, size, seconds, deflate} →
// {messages, seconds}; {mode:'idle', port, connections} → {opened} and stays open until 'close'.
import { connect } from 'node:net';
import { deflateRawSync, constants } from 'node:zlib';

function payloadOf(size) {
  // Text-like bytes (words from a small vocabulary, seeded): compressible the way real messages are.
  const words = ['alpha', 'beta', 'gamma', 'delta', 'echo', 'value', 'id', 'name', '{', '}', '":', '1234', 'true', 'null'];
  let seed = 7;
  let s = '';
  while (s.length < size) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    s += words[seed % words.length] + (seed & 1 ? ' ' : ',');
  }
  return Buffer.from(s.slice(0, size));
}

function frameOf(payload, rsv1) {
  const n = payload.length;
  const head = n < 126 ? [0x81 | (rsv1 ? 0x40 : 0), 0x80 | n] : n < 65536 ? [0x81 | (rsv1 ? 0x40 : 0), 0x80 | 126, n >> 8, n & 0xff] : [0x81 | (rsv1 ? 0x40 : 0), 0x80 | 127, 0, 0, 0, 0, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  // A fixed non-zero key, as real clients use random ones (a zero key would let servers skip unmasking).
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

function handshake(deflate) {
  return (
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
    (deflate ? 'Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits\r\n' : '') +
    '\r\n'
  );
}

/** Opens one WebSocket; calls onFrame() per complete server frame. Resolves once switched. */
function open(port, deflate, onFrame) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    let inHead = true;
    let head = '';
    // Frame reader state: a header split over reads (its first bytes), then payload bytes to skip.
    let partial = null;
    let left = 0;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      let pos = 0;
      if (inHead) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
        inHead = false;
        pos = chunk.length - (head.length - end - 4);
        resolve(socket);
      }
      while (pos < chunk.length) {
        if (left > 0) {
          const take = Math.min(left, chunk.length - pos);
          left -= take;
          pos += take;
          if (left === 0) onFrame();
          continue;
        }
        const had = partial === null ? 0 : partial.length;
        const buf = partial === null ? chunk : Buffer.concat([partial, chunk.subarray(pos, pos + 14)]);
        const at = partial === null ? pos : 0;
        const avail = buf.length - at;
        const size = avail < 2 ? 2 : (buf[at + 1] & 0x7f) < 126 ? 2 : (buf[at + 1] & 0x7f) === 126 ? 4 : 10;
        if (avail < size) {
          partial = Buffer.from(buf.subarray(at));
          pos = chunk.length;
          break;
        }
        const l7 = buf[at + 1] & 0x7f;
        const len = l7 < 126 ? l7 : l7 === 126 ? buf.readUInt16BE(at + 2) : buf.readUInt32BE(at + 6);
        pos += size - had;
        partial = null;
        left = len;
        if (len === 0) onFrame();
      }
    });
    socket.write(handshake(deflate));
  });
}

process.on('message', async (msg) => {
  if (msg.mode === 'close') process.exit(0);
  if (msg.mode === 'idle') {
    const sockets = [];
    for (let i = 0; i < msg.connections; i += 200) {
      const batch = [];
      for (let j = i; j < Math.min(msg.connections, i + 200); j++) batch.push(open(msg.port, false, () => {}));
      sockets.push(...(await Promise.all(batch)));
    }
    process.send({ opened: sockets.length });
    return;
  }
  const payload = payloadOf(msg.size);
  const frame = msg.deflate ? frameOf(deflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4), true) : frameOf(payload, false);
  let counting = false;
  let count = 0;
  const sockets = [];
  for (let i = 0; i < msg.connections; i++) {
    let socket;
    socket = await open(msg.port, msg.deflate, () => {
      if (counting) count++;
      socket.write(frame);
    });
    sockets.push(socket);
  }
  for (const s of sockets) s.write(frame);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  counting = true;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, msg.seconds * 1000));
  const seconds = (performance.now() - start) / 1000;
  const messages = count;
  counting = false;
  for (const s of sockets) s.destroy();
  process.send({ messages, seconds });
});
