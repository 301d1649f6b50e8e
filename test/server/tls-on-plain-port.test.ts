// A TLS ClientHello sent to the plain-HTTP port (an https:// URL for an http:// server) is answered
// at once with a 400 that says to use http://, then the connection closes: the reverse of the HTTPS
// front's "this port speaks HTTPS". The header timeout is set far beyond every wait in this file, so
// an answer that arrives at all arrived because of the first bytes, not the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { startServer, type StartedServer } from '../support/start-server.ts';
import { expectError, expectRequests } from '../support/parser-harness.ts';
import { makeCert, openTls, startHttps } from '../support/tls-helpers.ts';

const HEADERS_TIMEOUT_MS = 120_000;
// Every client wait here is bounded well below the header timeout.
const CLIENT_BOUND_MS = 15_000;

// The first bytes of a real ClientHello: handshake record (22), legacy version 3.1, length, then
// handshake type 1 (ClientHello), its length and version 3.3.
const CLIENT_HELLO_START = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Buffer.alloc(32, 0x2a)]);

function hello(): Promise<StartedServer> {
  return startServer((_req, res) => res.send(200, 'hello\n'), { timeouts: { headersTimeoutMs: HEADERS_TIMEOUT_MS } });
}

/** Writes bytes and reads until the server ends its side; reports whether it did. */
function exchange(port: number, bytes: Buffer): Promise<{ data: string; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    let data = '';
    let ended = false;
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('end', () => {
      ended = true;
      socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ data, ended }));
    socket.setTimeout(CLIENT_BOUND_MS, () => socket.destroy(new Error('no answer: the server waited for more bytes')));
  });
}

function assertPlainHttpAnswer(data: string): void {
  const [head = '', body = ''] = data.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(head, /\r\nConnection: close(\r\n|$)/);
  assert.match(body, /This port speaks plain HTTP/);
  assert.match(body, /Use http:\/\/ instead of https:\/\//);
  assert.equal(Buffer.byteLength(body), Number(/\r\nContent-Length: (\d+)/.exec(head)?.[1]));
}

test('the parser refuses a request line that begins with a TLS handshake record, whole or byte by byte', () => {
  expectError(CLIENT_HELLO_START, 'TLS_HANDSHAKE', 400);
  expectError(Buffer.from([0x16]), 'TLS_HANDSHAKE', 400);
  expectError(Buffer.concat([Buffer.from('\r\n'), CLIENT_HELLO_START]), 'TLS_HANDSHAKE', 400);
  // Random handshake bytes may hold an LF; a line past the request-line limit is still a handshake.
  expectError(Buffer.concat([CLIENT_HELLO_START, Buffer.from(' / HTTP/1.1\r\nHost: x\r\n\r\n')]), 'TLS_HANDSHAKE', 400);
  expectError(Buffer.concat([CLIENT_HELLO_START, Buffer.alloc(300, 0x41), Buffer.from('\r\n')]), 'TLS_HANDSHAKE', 400, { maxRequestLineBytes: 64 });
  // Only the first byte of a request line counts: 0x16 elsewhere is an ordinary bad method.
  expectError(Buffer.from('G\x16T / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'), 'BAD_METHOD', 400);
  assert.equal(expectRequests('GET / HTTP/1.1\r\nHost: x\r\n\r\n').length, 1);
});

test('raw ClientHello bytes get the plain-HTTP 400 at once, then the server closes', async () => {
  const s = await hello();
  try {
    const { data, ended } = await exchange(s.port, CLIENT_HELLO_START);
    assertPlainHttpAnswer(data);
    assert.equal(ended, true, 'the server ended the connection');
  } finally {
    await s.close();
  }
});

test('a single 0x16 byte is answered too, without waiting for the rest', async () => {
  const s = await hello();
  try {
    const { data, ended } = await exchange(s.port, Buffer.from([0x16]));
    assertPlainHttpAnswer(data);
    assert.equal(ended, true);
  } finally {
    await s.close();
  }
});

/** The ClientHello Node's TLS client sends, captured from a connection that goes nowhere. */
function realClientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        resolve(chunk);
        done();
        // Written from inside connect(): leave the client until connect() has returned.
        setImmediate(() => tls.destroy());
      },
    });
    const tls = tlsConnect({ socket: wire, servername: 'localhost', rejectUnauthorized: false });
    tls.on('error', () => {});
  });
}

test('a real ClientHello, whatever bytes it holds, gets the plain-HTTP answer', async () => {
  const s = await hello();
  try {
    const clientHello = await realClientHello();
    assert.equal(clientHello[0], 0x16);
    assert.equal(clientHello[1], 0x03);
    const { data, ended } = await exchange(s.port, clientHello);
    assertPlainHttpAnswer(data);
    assert.equal(ended, true);
  } finally {
    await s.close();
  }
});

test('a TLS client pointed at the plain port fails its handshake at once instead of hanging', async () => {
  const s = await hello();
  try {
    const error = await new Promise<Error>((resolve, reject) => {
      const socket = tlsConnect({ port: s.port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
      socket.once('secureConnect', () => reject(new Error('a TLS handshake succeeded on the plain port')));
      socket.once('error', (e) => {
        socket.destroy();
        resolve(e);
      });
      socket.once('close', () => resolve(new Error('closed')));
      socket.setTimeout(CLIENT_BOUND_MS, () => {
        socket.destroy();
        reject(new Error('the TLS client is still waiting: the server did not answer the ClientHello'));
      });
    });
    // OpenSSL reads our "HTTP/1.1 400" as a record it cannot parse.
    assert.match(`${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`, /SSL|TLS|wrong version|packet length|socket disconnected|closed/i);
  } finally {
    await s.close();
  }
  assert.equal(s.errors.length, 0, 'nothing is reported as a server error');
});

test('ordinary requests on the same port are untouched, including one sent byte by byte', async () => {
  const s = await hello();
  try {
    const request = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const { data } = await exchange(s.port, request);
    assert.match(data, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello\n$/);
    const bytewise = await new Promise<string>((resolve, reject) => {
      const socket = netConnect({ port: s.port, host: '127.0.0.1' });
      let out = '';
      socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(out));
      socket.setNoDelay(true);
      socket.on('connect', async () => {
        for (const byte of request) {
          socket.write(Buffer.from([byte]));
          await new Promise((r) => setImmediate(r));
        }
      });
      socket.setTimeout(CLIENT_BOUND_MS, () => socket.destroy(new Error('timed out')));
    });
    assert.match(bytewise, /^HTTP\/1\.1 200 OK\r\n[\s\S]*hello\n$/);
  } finally {
    await s.close();
  }
});

test('inside TLS, a second handshake is an ordinary bad request, not "use http://"', async (t) => {
  const cert = makeCert({ dnsNames: ['localhost'] });
  const { port } = await startHttps(t, { cert: cert.certPem, key: cert.keyPem }, undefined, { timeouts: { headersTimeoutMs: HEADERS_TIMEOUT_MS } });
  const socket = await openTls(port, { ca: cert.certPem });
  const data = await new Promise<string>((resolve, reject) => {
    let out = '';
    socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.setTimeout(CLIENT_BOUND_MS, () => socket.destroy(new Error('no answer')));
    socket.write(CLIENT_HELLO_START);
  });
  assert.match(data, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(data, /\r\n\r\n400 Bad Request: Invalid character in method\n$/);
});
