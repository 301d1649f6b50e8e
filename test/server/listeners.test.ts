// Listening on IPv4 and IPv6 (issue 21): "::" by default (dual-stack, 0.0.0.0 without IPv6),
// localhost on both 127.0.0.1 and ::1, several listeners feeding one server (cap, drain, close),
// cluster workers sharing them, and the banner listing the URLs that really answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer, connect, type AddressInfo, type Socket } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from '../../src/server/http-server.ts';
import type { ListenOptions } from '../../src/server/http-server.ts';
import { firstFreePort, listenTarget, type Listenable } from '../../src/cluster/listen-target.ts';
import { startCli, tempDir } from '../support/config-helpers.ts';

/** Whether this machine has an IPv6 loopback to test ::1 on. */
const HAS_IPV6_LOOPBACK = await new Promise<boolean>((resolve) => {
  const s = createNetServer();
  s.once('error', () => resolve(false));
  s.listen(0, '::1', () => s.close(() => resolve(true)));
});
const NO_IPV6 = HAS_IPV6_LOOPBACK ? false : 'this machine has no IPv6 loopback (::1)';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

/** A listener that refuses the hosts named in `refuse` with the given error code. */
function fakeListener(refuse: Record<string, string>): Listenable & { calls: ListenOptions[] } {
  const calls: ListenOptions[] = [];
  return {
    calls,
    listen: async (options) => {
      calls.push(options);
      const code = refuse[options.host ?? ''];
      if (code !== undefined) throw errno(code);
      return { address: options.host!, family: options.host!.includes(':') ? 'IPv6' : 'IPv4', port: options.port === 0 ? 40000 : options.port! };
    },
  };
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

test('"::" falls back to 0.0.0.0 where the machine has no IPv6; any other error is thrown', async () => {
  for (const code of ['EAFNOSUPPORT', 'EADDRNOTAVAIL']) {
    const l = fakeListener({ '::': code });
    assert.deepEqual(await listenTarget(l, { kind: 'tcp', host: '::', port: 8000 }), { address: '0.0.0.0', family: 'IPv4', port: 8000, hosts: ['0.0.0.0'] });
  }
  const ok = fakeListener({});
  assert.deepEqual(await listenTarget(ok, { kind: 'tcp', host: '::', port: 8000 }), { address: '::', family: 'IPv6', port: 8000, hosts: ['::'] });
  assert.equal(ok.calls.length, 1, 'dual-stack: one listener');
  await assert.rejects(listenTarget(fakeListener({ '::': 'EADDRINUSE' }), { kind: 'tcp', host: '::', port: 8000 }), { code: 'EADDRINUSE' });
});

test('localhost binds 127.0.0.1 and ::1 on one port; a missing family is skipped, a busy one is an error', async () => {
  const both = fakeListener({});
  assert.deepEqual(await listenTarget(both, { kind: 'tcp', host: 'localhost', port: 0 }), { address: '127.0.0.1', family: 'IPv4', port: 40000, hosts: ['127.0.0.1', '::1'] });
  assert.deepEqual(both.calls, [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 40000 }], 'the second takes the port the first got');
  assert.deepEqual((await listenTarget(fakeListener({ '::1': 'EADDRNOTAVAIL' }), { kind: 'tcp', host: 'LocalHost', port: 8000 })) as { hosts: string[] }, { address: '127.0.0.1', family: 'IPv4', port: 8000, hosts: ['127.0.0.1'] });
  await assert.rejects(listenTarget(fakeListener({ '::1': 'EADDRINUSE' }), { kind: 'tcp', host: 'localhost', port: 8000 }), { code: 'EADDRINUSE' });
  await assert.rejects(listenTarget(fakeListener({ '::1': 'EAFNOSUPPORT', '127.0.0.1': 'EADDRNOTAVAIL' }), { kind: 'tcp', host: 'localhost', port: 8000 }), { code: 'EADDRNOTAVAIL' });
  // Any other host: exactly what was asked.
  await assert.rejects(listenTarget(fakeListener({ '::1': 'EAFNOSUPPORT' }), { kind: 'tcp', host: '::1', port: 8000 }), { code: 'EAFNOSUPPORT' });
});

test('the default host "::" answers on 127.0.0.1 and on ::1', async (t) => {
  const server = createServer({ handler: (_req, res) => res.end('dual') });
  t.after(() => server.close(100));
  const bound = await listenTarget(server, { kind: 'tcp', host: '::', port: 0 });
  assert.ok(typeof bound !== 'string');
  assert.deepEqual(await get(`http://127.0.0.1:${bound.port}/`), { status: 200, text: 'dual' });
  if (HAS_IPV6_LOOPBACK) assert.deepEqual(await get(`http://[::1]:${bound.port}/`), { status: 200, text: 'dual' });
  else t.diagnostic('::1 not checked: this machine has no IPv6 loopback');
});

test('-H localhost answers on 127.0.0.1 and ::1 (two listeners, one server)', { skip: NO_IPV6 }, async (t) => {
  const server = createServer({ handler: (_req, res) => res.end('both') });
  t.after(() => server.close(100));
  const bound = await listenTarget(server, { kind: 'tcp', host: 'localhost', port: 0 });
  assert.ok(typeof bound !== 'string');
  assert.deepEqual(bound.hosts, ['127.0.0.1', '::1']);
  assert.equal(server.addresses().length, 2);
  assert.deepEqual(await get(`http://127.0.0.1:${bound.port}/`), { status: 200, text: 'both' });
  assert.deepEqual(await get(`http://[::1]:${bound.port}/`), { status: 200, text: 'both' });
});

test('several listeners share one connection cap, and close() drains and closes them all', { skip: NO_IPV6 }, async (t) => {
  const held: { release: (() => void) | null } = { release: null };
  const server = createServer({
    maxConnections: 1,
    handler: (_req, res) =>
      new Promise<void>((r) => {
        held.release = () => {
          res.end('done');
          r();
        };
      }),
  });
  t.after(() => server.close(100));
  const bound = await listenTarget(server, { kind: 'tcp', host: 'localhost', port: 0 });
  assert.ok(typeof bound !== 'string');
  // One request in flight over IPv4 ...
  const first: Socket = connect(bound.port, '127.0.0.1');
  t.after(() => first.destroy());
  let firstReply = '';
  first.setEncoding('latin1').on('data', (d: string) => (firstReply += d));
  first.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  while (held.release === null) await new Promise((r) => setTimeout(r, 10));
  // ... fills the cap for the IPv6 listener too.
  const second = await new Promise<string>((resolve) => {
    const s = connect(bound.port, '::1');
    let text = '';
    s.setEncoding('latin1').on('data', (d: string) => (text += d));
    s.on('close', () => resolve(text));
    s.on('error', () => resolve(text));
  });
  assert.match(second, /^HTTP\/1\.1 503 /);
  // close(): both listeners stop accepting at once; the request in flight still gets its answer.
  const closing = server.close(5000);
  assert.equal(server.listening, false);
  for (const host of ['127.0.0.1', '::1']) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(bound.port, host);
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    assert.ok(refused, `${host} closed`);
  }
  held.release?.();
  await closing;
  assert.match(firstReply, /^HTTP\/1\.1 200 [^]*Connection: close\r\n[^]*done$/);
});

test('firstFreePort: the next port free on every host the target binds; null when all are taken', async (t) => {
  const blocker = createNetServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => blocker.close(() => r())));
  const busy = (blocker.address() as AddressInfo).port;
  const free = await firstFreePort({ kind: 'tcp', host: '127.0.0.1', port: busy }, 10);
  assert.ok(free !== null && free > busy && free < busy + 10, String(free));
  assert.equal(await firstFreePort({ kind: 'tcp', host: '127.0.0.1', port: busy }, 1), null);
  // Nothing is left listening by the probe.
  const again = createNetServer();
  await new Promise<void>((resolve, reject) => again.once('error', reject).listen(free!, '127.0.0.1', resolve));
  await new Promise<void>((r) => again.close(() => r()));
});

async function site(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'public'));
  await writeFile(join(dir, 'public', 'index.html'), 'hi');
  return dir;
}

test('CLI default host: the banner lists [::1] and both loopback URLs answer', async (t) => {
  const dir = await site(t);
  const run = startCli(['-p', '0', 'public'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  await run.waitFor(/Press Ctrl\+C/);
  assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200);
  if (HAS_IPV6_LOOPBACK) {
    assert.ok(run.stdout().includes(`http://[::1]:${port}/`), run.stdout());
    assert.equal((await get(`http://[::1]:${port}/`)).status, 200);
  } else t.diagnostic('::1 not checked: this machine has no IPv6 loopback');
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});

for (const workers of [1, 2]) {
  test(`CLI -H localhost${workers > 1 ? ' with 2 cluster workers' : ''}: 127.0.0.1 and ::1 answer; the banner lists exactly those`, { skip: NO_IPV6 }, async (t) => {
    const dir = await site(t);
    const run = startCli(['-H', 'localhost', '-p', '0', '--workers', String(workers), 'public'], { cwd: dir });
    t.after(() => run.child.kill('SIGKILL'));
    const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
    await run.waitFor(/Press Ctrl\+C/);
    const banner = run.stdout().slice(run.stdout().indexOf('  Serving'), run.stdout().indexOf('Press Ctrl+C'));
    const urls = [...banner.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);
    assert.deepEqual(urls, [`http://localhost:${port}/`, `http://127.0.0.1:${port}/`, `http://[::1]:${port}/`]);
    for (let i = 0; i < 4; i++) {
      assert.equal((await get(`http://127.0.0.1:${port}/`)).text, 'hi');
      assert.equal((await get(`http://[::1]:${port}/`)).text, 'hi');
    }
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });
}
