// Access rules and rate limits together, as the site assembles them: an address rule sees the client
// a trusted proxy names (not the proxy), and a per-user limit counts the signed-in user, because the
// access rules run before the limiter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { connect } from 'node:net';
import { startCli, tempDir } from '../support/config-helpers.ts';
import { hashToken } from '../../src/access/password-hash.ts';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { connection: 'close', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('deny_ips applies to the client a trusted proxy names; a per-user limit counts each token holder apart', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www', 'api'), { recursive: true });
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  await writeFile(join(dir, 'www', 'api', 'data.json'), '{}');
  const alpha = 'alpha-token-0123456789';
  const beta = 'beta-token-0123456789';
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      trusted_proxies: ['127.0.0.1/32'],
      tokens: [
        { name: 'alpha', token_hash: hashToken(alpha) },
        { name: 'beta', token_hash: hashToken(beta) },
      ],
      access: [
        { path: '/api/**', allow: ['@authenticated'] },
        { path: '/**', allow: '*', deny_ips: ['203.0.113.0/24'] },
      ],
      rate_limits: [{ path: '/api/**', per: 'user', rate: '2/min', burst: 2 }],
    }),
  );
  const run = startCli(['-c', 'config.json', '-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, portText] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const port = Number(portText);

  // The peer is 127.0.0.1, a trusted proxy: the address rule judges the client it forwarded for.
  assert.equal((await get(port, '/')).status, 200);
  assert.equal((await get(port, '/', { 'X-Forwarded-For': '203.0.113.7' })).status, 403);
  assert.equal((await get(port, '/', { Forwarded: 'for=198.51.100.9' })).status, 200);

  // Two requests a minute per signed-in user: alpha's third is refused, beta still has its own two.
  const as = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
  assert.equal((await get(port, '/api/data.json', as(alpha))).status, 200);
  assert.equal((await get(port, '/api/data.json', as(alpha))).status, 200);
  const third = await get(port, '/api/data.json', as(alpha));
  assert.equal(third.status, 429);
  assert.ok(Number(third.headers['retry-after']) > 0);
  // The same file by another spelling is the same path to the rules and the limits (no way around).
  for (const spelling of ['//api/data.json', '/api//data.json', '/%61pi/data.json', '/x/../api/data.json']) {
    assert.equal((await get(port, spelling, as(alpha))).status, 429, spelling);
  }
  assert.equal((await get(port, '/api/data.json', as(beta))).status, 200);
  assert.equal((await get(port, '/api/data.json', as(beta))).status, 200);
  // No credentials: the access rule answers first (401), before any bucket is spent.
  assert.equal((await get(port, '/api/data.json')).status, 401);
});

/** The status line of the answer to a WebSocket handshake (raw bytes, so a 101 is seen as it is). */
function handshake(port: number, path: string, extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write([`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...extra, '', ''].join('\r\n'));
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n');
      if (end !== -1) {
        socket.destroy();
        resolve(text.slice(0, end));
      }
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
    socket.on('error', reject);
  });
}

test('a WebSocket upgrade passes the access rules like any request: 401 without credentials, 101 with them', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'), { recursive: true });
  await writeFile(join(dir, 'www', 'index.html'), '<html><body>hi</body></html>');
  const token = 'socket-token-0123456789';
  await writeFile(join(dir, 'config.json'), JSON.stringify({ tokens: [{ name: 'ci', token_hash: hashToken(token) }], access: [{ path: '/**', allow: ['ci'] }], live_reload: true }));
  const run = startCli(['-c', 'config.json', '-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, portText] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const port = Number(portText);
  assert.equal(await handshake(port, '/__httpcraft/live-reload'), 'HTTP/1.1 401 Unauthorized');
  assert.equal(await handshake(port, '/__httpcraft/live-reload', [`Authorization: Bearer ${token}`]), 'HTTP/1.1 101 Switching Protocols');
});
