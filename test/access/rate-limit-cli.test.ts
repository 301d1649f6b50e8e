// Rate limiting and the client address through the real CLI, as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { runCli, startCli, tempDir } from '../support/config-helpers.ts';

async function site(t: Parameters<typeof tempDir>[0], config: unknown): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/** A GET with headers fetch would refuse to send (Forwarded is fine, but keep one client for all). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('contract: rate 5/min, burst 5 — the sixth request in a minute gets 429 with Retry-After', async (t) => {
  const dir = await site(t, { rate_limits: [{ path: '/**', per: 'ip', rate: '5/min', burst: 5 }] });
  const run = startCli(['-c', 'config.json', '-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  assert.match(run.stdout(), /rate limits \(1 rule, memory\)/, 'the banner says limits are on');
  for (let i = 0; i < 5; i++) {
    const res = await get(Number(port), '/');
    assert.equal(res.status, 200, `request ${i + 1}`);
    assert.equal(res.headers['ratelimit-policy'], '"rule1";q=5;w=60');
    assert.match(String(res.headers['ratelimit']), new RegExp(`^"rule1";r=${4 - i};t=\\d+$`));
    assert.equal(res.headers['retry-after'], undefined);
  }
  const sixth = await get(Number(port), '/');
  assert.equal(sixth.status, 429);
  assert.match(String(sixth.headers['retry-after']), /^(1[0-2]|[1-9])$/, 'about 12 s until the next token');
  assert.equal(sixth.headers['ratelimit-policy'], '"rule1";q=5;w=60');
  assert.match(String(sixth.headers['ratelimit']), /^"rule1";r=0;t=\d+$/);
  // Another path under the same rule shares the budget (one bucket per client, not per URL).
  assert.equal((await get(Number(port), '/nothing-here')).status, 429);
});

test('first matching rule applies; paths outside every rule carry no RateLimit fields', async (t) => {
  const dir = await site(t, {
    rate_limits: [
      { path: '/api/**', rate: '2/min', name: 'api' },
      { path: '/**', rate: '100/min', name: 'site' },
    ],
  });
  const run = startCli(['-c', 'config.json', '-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, p] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const port = Number(p);
  assert.equal((await get(port, '/api/a')).headers['ratelimit-policy'], '"api";q=2;w=60');
  assert.equal((await get(port, '/%61pi/b')).status, 404, 'percent-encoded /api is still /api (and under its rule)');
  const third = await get(port, '/api/../api/c');
  assert.equal(third.status, 429, 'dot segments do not escape the rule');
  const other = await get(port, '/');
  assert.equal(other.status, 200);
  assert.equal(other.headers['ratelimit-policy'], '"site";q=100;w=60');
  assert.equal(other.headers['ratelimit'], '"site";r=99;t=1');
});

test('config errors name the key, the rule and the field; the server does not start', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [[{ path: '/**', rate: '5/min' }, { path: '/a/**', rate: 'often' }], /config\.json:\$\.rate_limits\[1\]\.rate: .*rate like "100\/min"/],
    [[{ path: '/**', rate: '5/min', per: 'host' }], /config\.json:\$\.rate_limits\[0\]\.per: .*"ip" or "user"/],
    [[{ path: '/**', rate: '5/min', burst: 0 }], /config\.json:\$\.rate_limits\[0\]\.burst: /],
    [[{ path: '/**', rate: '5/min', limit: 3 }], /config\.json:\$\.rate_limits\[0\]\.limit: .*unknown field/],
    [[{ rate: '5/min' }], /config\.json:\$\.rate_limits\[0\]\.path: /],
  ];
  for (const [rules, expected] of cases) {
    const dir = await site(t, { rate_limits: rules });
    const { code, stderr } = await runCli(['-c', 'config.json', '-p', '0', 'www'], { cwd: dir });
    assert.equal(code, 2, stderr);
    assert.match(stderr, expected);
  }
  const dir = await site(t, { trusted_proxies: ['10.0.0.0/8', 'proxy.example'], rate_limit_store: 'http://x' });
  const { code, stderr } = await runCli(['-c', 'config.json', '-p', '0', 'www'], { cwd: dir });
  assert.equal(code, 2);
  assert.match(stderr, /config\.json:\$\.trusted_proxies\[1\]: .*"proxy\.example" is not an IP address/);
  assert.match(stderr, /config\.json:\$\.rate_limit_store: .*unsupported scheme/);
});

test('the access log shows the client a trusted proxy forwarded, and ignores claims from an untrusted peer', async (t) => {
  const trusting = await site(t, { trusted_proxies: ['127.0.0.1'] });
  const run = startCli(['-c', 'config.json', '-H', '127.0.0.1', '-p', '0', 'www'], { cwd: trusting });
  t.after(() => run.child.kill('SIGKILL'));
  const [, p] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const port = Number(p);
  await get(port, '/?n=1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' });
  await get(port, '/?n=2', { forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https' });
  await get(port, '/?n=3', { forwarded: 'for=_hidden' });
  await get(port, '/?n=4');
  await run.waitFor(/GET \/\?n=4 /);
  const line = (n: number): string => run.stdout().split('\n').find((l) => l.includes(`GET /?n=${n} `)) ?? '';
  // The chain's leftmost entry is what the client itself wrote; 127.0.0.1 appended 203.0.113.7.
  assert.match(line(1), /^203\.0\.113\.7 - - \[/);
  assert.match(line(2), /^2001:db8:cafe::17 - - \[/);
  assert.match(line(3), /^127\.0\.0\.1 - - \[/, 'an obfuscated client leaves the proxy address');
  assert.match(line(4), /^127\.0\.0\.1 - - \[/);

  const untrusting = await site(t, { trusted_proxies: ['10.0.0.0/8'], rate_limits: [{ path: '/**', rate: '2/min' }] });
  const other = startCli(['-c', 'config.json', '-H', '127.0.0.1', '-p', '0', 'www'], { cwd: untrusting });
  t.after(() => other.child.kill('SIGKILL'));
  const [, q] = await other.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  // Spoofing: a new address per request from an untrusted peer changes neither the log nor the budget.
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await get(Number(q), `/?s=${i}`, { 'x-forwarded-for': `198.51.100.${i}`, forwarded: `for=198.51.100.${i}` })).status);
  assert.deepEqual(statuses, [200, 200, 429, 429]);
  await other.waitFor(/GET \/\?s=3 /);
  for (const l of other.stdout().split('\n').filter((x) => x.includes('GET /?s='))) assert.match(l, /^127\.0\.0\.1 - - /);
});

test('--print-config never prints the Redis URL (it may carry a password)', async (t) => {
  const dir = await site(t, { rate_limit_store: 'redis://:s3cret@127.0.0.1:6379/2', rate_limits: [{ path: '/**', rate: '5/min' }] });
  const { code, stdout } = await runCli(['-c', 'config.json', '--print-config', 'www'], { cwd: dir });
  assert.equal(code, 0);
  assert.doesNotMatch(stdout, /s3cret/);
  assert.match(stdout, /rate_limit_store +"\(set\)"/);
  assert.match(stdout, /rate_limits +\[\{"path":"\/\*\*","per":"ip","rate":"5\/min","burst":5,"name":"rule1"\}\]/);
});
