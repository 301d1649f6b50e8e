// The CLI end to end: `-p 0` reports the real port, SIGTERM lets an in-flight response finish and
// exits 0 with its log lines written, and a second signal exits at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawClient } from '../support/raw-client.ts';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const BIG = 48 * 1024 * 1024;

interface Running {
  child: ChildProcess;
  port: number;
  output(): string;
  /** Resolves once stdout contains text. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

async function startCli(root: string): Promise<Running> {
  const child = spawn(process.execPath, [CLI, '-p', '0', '-H', '127.0.0.1', '-d', root], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, at: Date.now() }));
  const waitFor = (text: string | RegExp, timeoutMs = 15_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (typeof text === 'string' ? out.includes(text) : text.test(out)) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${String(text)} in CLI output:\n${out}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  await waitFor(/http:\/\/127\.0\.0\.1:\d+\//);
  const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1]);
  return { child, port, output: () => out, waitFor, exited };
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'httpcraft-cli-'));
  try {
    await writeFile(join(root, 'big.bin'), Buffer.alloc(BIG, 'b'));
    await writeFile(join(root, 'index.html'), '<h1>hi</h1>\n');
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('-p 0 prints the port actually bound, and it serves', async () => {
  await withRoot(async (root) => {
    const cli = await startCli(root);
    try {
      assert.notEqual(cli.port, 0);
      const r = await fetch(`http://127.0.0.1:${cli.port}/`);
      assert.equal(await r.text(), '<h1>hi</h1>\n');
    } finally {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  });
});

test('SIGTERM lets an in-flight response finish, refuses new connections, and exits 0', async () => {
  await withRoot(async (root) => {
    const cli = await startCli(root);
    try {
      const c = await RawClient.connect(cli.port);
      await c.write('GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.received(1);
      c.socket.pause(); // a slow client: the response is in flight when the signal comes
      const signalledAt = Date.now();
      cli.child.kill('SIGTERM');
      await cli.waitFor('SIGTERM: finishing in-flight requests');
      await assert.rejects(RawClient.connect(cli.port), /ECONNREFUSED/);
      c.socket.resume();
      const r = await c.response({ bodySink: () => {}, timeoutMs: 60_000 });
      assert.equal(r.status, 200);
      assert.equal(r.bodyLength, BIG, 'the whole file arrived');
      await c.closed();
      const exit = await cli.exited;
      assert.equal(exit.code, 0);
      assert.ok(exit.at - signalledAt < 15_000, 'exited within the shutdown bound');
      assert.match(cli.output(), /"GET \/big\.bin HTTP\/1\.1" 200/, 'the access log line was written before exit');
      assert.match(cli.output(), /stopped/);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});

test('a second signal exits at once, without waiting for in-flight requests', async () => {
  await withRoot(async (root) => {
    const cli = await startCli(root);
    try {
      const c = await RawClient.connect(cli.port);
      await c.write('GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.received(1);
      c.socket.pause(); // never finishes on its own within the 10 s grace
      cli.child.kill('SIGTERM');
      await cli.waitFor('SIGTERM: finishing in-flight requests');
      const secondAt = Date.now();
      cli.child.kill('SIGINT');
      const exit = await cli.exited;
      assert.equal(exit.code, 1);
      assert.ok(exit.at - secondAt < 5_000, 'the second signal did not wait for the grace period');
      assert.match(cli.output(), /SIGINT again: exiting without waiting/);
      c.destroy();
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
