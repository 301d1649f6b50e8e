// The contract of examples/websocket-echo.mjs, checked as a user runs it: after a build it echoes
// text as text and binary as binary on any path, with permessage-deflate, over ws:// and wss://
// (development certificate), and SIGTERM closes its clients with 1001.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WS from 'ws';

const EXAMPLE = fileURLToPath(new URL('../../../examples/websocket-echo.mjs', import.meta.url));

for (const tls of [false, true]) {
  test(`websocket-echo.mjs${tls ? ' --tls' : ''}: echoes on any path with permessage-deflate; SIGTERM closes with 1001`, { timeout: 60_000 }, async (t) => {
    const child = spawn(process.execPath, [EXAMPLE, '--host', '127.0.0.1', '--port', '0', ...(tls ? ['--tls'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => child.kill('SIGKILL'));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(String(d)));
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const port = Number(/:(\d+)\//.exec(line)?.[1]);
    const c = new WS(`${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/some/path?q=1`, { rejectUnauthorized: false });
    await new Promise((r, j) => {
      c.once('open', r);
      c.once('error', j);
    });
    assert.match(c.extensions, /permessage-deflate/);
    const got: Array<[string, boolean]> = [];
    const two = new Promise<void>((r) => c.on('message', (d: Buffer, b: boolean) => got.push([d.toString('hex'), b]) === 2 && r()));
    c.send('text');
    c.send(Buffer.from([1, 2]));
    await two;
    assert.deepEqual(got, [[Buffer.from('text').toString('hex'), false], ['0102', true]]);
    const closed = new Promise<number>((r) => c.once('close', (code: number) => r(code)));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await closed, 1001);
    assert.equal(await exited, 0);
  });
}
