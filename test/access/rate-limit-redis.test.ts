// The Redis store against a real redis-server (started here on a free loopback port): two server
// processes share one budget; a hung or killed Redis never hangs a request, fails open with one
// warning per outage or closed with 503, and the limits come back with Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir, type CliRun } from '../support/config-helpers.ts';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis-server.ts';

const skip = redisUnavailable();
if (skip !== null) console.log(`# ${skip}`);

async function server(t: Parameters<typeof tempDir>[0], config: unknown): Promise<{ run: CliRun; port: number }> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hello');
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const run = startCli(['-c', 'config.json', '-H', '127.0.0.1', '-p', '0', 'www'], { cwd: dir });
  t.after(() => {
    run.child.kill('SIGKILL');
  });
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  return { run, port: Number(port) };
}

/** One request; a hang past 10 s fails the test instead of stalling it (not a speed check). */
async function get(port: number): Promise<Response> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res;
}

test('two servers on one Redis share one budget: 5/min in total across both', { skip: skip ?? false }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.kill());
  const config = { rate_limits: [{ path: '/**', per: 'ip', rate: '5/min', burst: 5 }], rate_limit_store: redis.url };
  const a = await server(t, config);
  const b = await server(t, config);
  const statuses: number[] = [];
  const remaining: string[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await get(i % 2 === 0 ? a.port : b.port);
    statuses.push(res.status);
    remaining.push(res.headers.get('ratelimit') ?? '');
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
  assert.deepEqual(remaining.slice(0, 5).map((r) => /r=(\d+)/.exec(r)?.[1]), ['4', '3', '2', '1', '0'], 'one counter, whichever server answers');
});

test('Redis hung or killed mid-test: fail open allows with one warning, fail closed answers 503, nothing hangs', { skip: skip ?? false }, async (t) => {
  let redis: RedisServer = await startRedis();
  t.after(() => redis.kill());
  const rules = [{ path: '/**', per: 'ip', rate: '3/min', burst: 3 }];
  // The command timeout is what a hung Redis is judged by; 1.5 s, not less, because the first request
  // also connects, and a busy machine (the suite runs two files at once) once took over 0.3 s for it.
  const open = await server(t, { rate_limits: rules, rate_limit_store: redis.url, rate_limit_fail: 'open', rate_limit_timeout: 1.5 });
  const closed = await server(t, { rate_limits: rules, rate_limit_store: `${redis.url}/1`, rate_limit_fail: 'closed', rate_limit_timeout: 1.5 });
  assert.equal((await get(open.port)).headers.get('ratelimit'), '"rule1";r=2;t=20');
  assert.equal((await get(closed.port)).status, 200);

  // Hung: the process is alive but answers nothing; the command timeout decides.
  redis.child.kill('SIGSTOP');
  const hung = await get(closed.port);
  assert.equal(hung.status, 503);
  assert.equal(hung.headers.get('retry-after'), '1');
  assert.equal((await get(open.port)).status, 200);
  redis.child.kill('SIGCONT');

  // Killed: the connection drops; requests fail fast while the client reconnects.
  const port = redis.port;
  await redis.kill();
  for (let i = 0; i < 6; i++) {
    const res = await get(open.port);
    assert.equal(res.status, 200, 'fail open: allowed beyond the limit of 3');
    assert.equal(res.headers.get('ratelimit'), null, 'no figures when the store could not count');
    assert.equal((await get(closed.port)).status, 503);
  }
  // The CLI writes redirected output in batches (at most 50 ms late): wait for the warning, then a
  // few batches more, so a second warning would have arrived too.
  await open.run.waitFor(/WARNING .*Redis unreachable/, 5_000);
  await new Promise((r) => setTimeout(r, 200));
  const warnings = open.run.stdout().split('\n').filter((l) => /WARNING .*Redis unreachable/.test(l));
  assert.equal(warnings.length, 1, `one warning per outage, not per request:\n${warnings.join('\n')}`);
  assert.match(warnings[0]!, /rate_limit_fail: open/);

  // Redis back on the same port (empty: a restart without persistence): limits apply again.
  redis = await startRedis(port);
  await open.run.waitFor(/Redis reachable again/, 15_000);
  let status = 0;
  for (let i = 0; i < 4; i++) status = (await get(open.port)).status;
  assert.equal(status, 429, 'the fourth request after the restart is limited');
  const deadline = Date.now() + 15_000;
  while ((await get(closed.port)).status === 503 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await get(closed.port)).status, 200);
});
