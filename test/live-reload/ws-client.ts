// A minimal WebSocket client over a raw socket, for the live-reload tests: the opening handshake
// (RFC 6455 §4.1), then text frames from the server (unmasked, §5.2) collected as messages. Its local
// port tells which cluster worker holds the connection (connectionOwner).

import { connect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

export interface RawWebSocket {
  socket: Socket;
  localPort: number;
  /** Text messages received so far. */
  messages: string[];
  /** The next message not yet taken, waiting up to timeoutMs. */
  next(timeoutMs?: number): Promise<string>;
  close(): void;
}

export function openRawWebSocket(port: number, path: string, headers: Record<string, string> = {}): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect({ port, host: '127.0.0.1' });
    let buffer = Buffer.alloc(0);
    let open = false;
    const messages: string[] = [];
    let taken = 0;
    const waiters: Array<() => void> = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no handshake answer within 5 s'));
    }, 5000);
    socket.on('error', (e) => (open ? undefined : reject(e)));
    socket.on('connect', () => {
      let req = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
      for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
      socket.write(req + '\r\n');
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!open) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffer.subarray(0, end).toString('latin1');
        clearTimeout(timer);
        const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        if (!head.startsWith('HTTP/1.1 101') || !head.includes(`Sec-WebSocket-Accept: ${accept}`)) {
          socket.destroy();
          reject(Object.assign(new Error(`not upgraded: ${head.split('\r\n')[0]}`), { head }));
          return;
        }
        open = true;
        buffer = buffer.subarray(end + 4);
        resolve({
          socket,
          localPort: socket.localPort!,
          messages,
          next(timeoutMs = 5000) {
            return new Promise((res, rej) => {
              const take = (): boolean => {
                if (messages.length <= taken) return false;
                res(messages[taken++]!);
                return true;
              };
              if (take()) return;
              const t = setTimeout(() => rej(new Error(`no message within ${timeoutMs} ms (got ${JSON.stringify(messages)})`)), timeoutMs);
              waiters.push(() => {
                if (take()) clearTimeout(t);
              });
            });
          },
          close: () => socket.destroy(),
        });
      }
      // Frames: FIN + opcode, length (7, 16 or 64 bits), payload; a server never masks (§5.1).
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = buffer[0]! & 0x0f;
        let len = buffer[1]! & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buffer.length < 4) return;
          len = buffer.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buffer.length < 10) return;
          len = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + len) return;
        const payload = buffer.subarray(at, at + len);
        buffer = buffer.subarray(at + len);
        if (opcode === 0x1) {
          messages.push(payload.toString('utf8'));
          for (const w of waiters.splice(0)) w();
        }
      }
    });
  });
}
