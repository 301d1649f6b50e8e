import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { bannerPort, connectionOwner, listeningPids, processAlive, siteWithFiles, startCli, tempDir, type RunningCli } from '../support/cluster-helpers.ts';
import { RawHttpClient, runLoad, type Outcome } from '../support/cluster-load.ts';

describe('a crashed worker is replaced', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let cli: RunningCli;
  let port: number;

  before(async () => {
    dir = await tempDir();
    await siteWithFiles(dir.path);
    cli = startCli(['--workers', '2', '-H', '127.0.0.1', '-p', '0', dir.path]);
  });
  after(async () => {
    cli.killGroup();
    await cli.exited;
    await dir.remove();
  });

  test('SIGKILL of a worker under load: only requests on its connections fail, the replacement serves', async (t) => {
    port = await bannerPort(cli);
    await cli.waitFor(/worker 2 \(pid \d+\) listening/);
    await cli.waitFor(/worker 1 \(pid \d+\) listening/);
    const pids = [listeningPids(cli.output(), 1)[0]!, listeningPids(cli.output(), 2)[0]!];

    const CLIENTS = 4;
    let phase: 'before' | 'window' | 'after' = 'before';
    let okAfter = 0;
    let okBefore = 0;
    const tagged: Array<Outcome & { phase: string }> = [];
    let killedAt = 0;
    const load = runLoad({
      target: { port },
      path: '/kib.txt',
      clients: Array.from({ length: CLIENTS }, () => ({ keepAlive: true })),
      stop: () => okAfter >= 300,
      maxRequests: 50_000,
      pauseAfterFailureMs: 50,
      onOutcome: (o) => {
        tagged.push({ ...o, phase });
        if (o.ok && phase === 'before') okBefore++;
        if (o.ok && phase === 'after') okAfter++;
      },
    });

    // Let every client settle on a connection, then note which worker holds each one.
    while (okBefore < 200) await new Promise((r) => setTimeout(r, 10));
    const owners = new Map<number, number | null>();
    for (const o of tagged) if (o.conn !== null && !owners.has(o.conn.id)) owners.set(o.conn.id, await connectionOwner(o.conn.localPort, port, pids));
    // The victim is the worker holding the most client connections (the kernel need not spread
    // four connections evenly over two workers that accept from one socket).
    const held = (pid: number): number => [...owners.values()].filter((p) => p === pid).length;
    const victimSlot = held(pids[0]!) >= held(pids[1]!) ? 1 : 2;
    const victim = pids[victimSlot - 1]!;
    const survivor = pids[2 - victimSlot]!;
    const victimConns = new Set([...owners].filter(([, pid]) => pid === victim).map(([id]) => id));

    phase = 'window';
    killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    const replaced = await cli.waitFor(new RegExp(`worker ${victimSlot} \\(pid (?!${victim}\\))(\\d+)\\) listening`));
    const replacement = Number(replaced[1]);
    phase = 'after';
    const outcomes = await load;

    assert.match(cli.output(), new RegExp(`worker ${victimSlot} \\(pid ${victim}\\) was killed by SIGKILL after \\d+ s; replacing it`));
    assert.equal(processAlive(victim), false);
    assert.equal(outcomes.length, tagged.length);
    const failures = tagged.filter((o) => !o.ok);
    // Every failure is a request that was on the killed worker: on a connection it held at the kill,
    // or on a new one the primary handed it in the instant before it noticed the death. None on a
    // connection the surviving worker held.
    for (const f of failures) {
      assert.equal(f.phase, 'window', `failure outside the kill window: ${JSON.stringify(f)}`);
      const onVictim = f.conn !== null && victimConns.has(f.conn.id);
      const newSinceKill = f.conn === null || f.conn.openedAt >= killedAt;
      assert.ok(onVictim || newSinceKill, `failure on a connection of the surviving worker: ${JSON.stringify(f)}`);
      assert.ok(f.reason === 'response cut' || f.reason.startsWith('closed before') || f.reason.startsWith('connect: ECONNRESET'), f.reason);
    }
    // A keep-alive client retries a request closed before any response byte on a reused connection
    // (RFC 9112 §9.3.1); those first attempts were lost too, and must also have been on the victim.
    const retries = tagged.filter((o) => o.retry);
    for (const r of retries) {
      assert.equal(r.phase, 'window', `retry outside the kill window: ${JSON.stringify(r)}`);
      assert.ok(victimConns.has(r.retriedFrom!.id) || r.retriedFrom!.openedAt >= killedAt, `retry from a connection of the surviving worker: ${JSON.stringify(r)}`);
    }
    t.diagnostic(`${tagged.length} requests, ${failures.length} failed, ${retries.length} retried after the kill; victim held ${victimConns.size} connections`);
    assert.ok(victimConns.size > 0, 'some client connections were on the killed worker');
    assert.ok(failures.length + retries.length <= CLIENTS, `${failures.length} failures and ${retries.length} retries for ${CLIENTS} clients`);
    assert.ok(tagged.filter((t) => t.phase === 'before').every((t) => t.ok), 'no failure before the kill');
    assert.ok(tagged.filter((t) => t.phase === 'after').every((t) => t.ok), 'every request after the replacement succeeds');

    // The replacement takes connections: with the survivor stopped, only the replacement accepts.
    process.kill(survivor, 'SIGSTOP');
    const clients = Array.from({ length: 3 }, () => new RawHttpClient({ port }, true));
    try {
      const served = await Promise.all(clients.map((c) => c.get('/kib.txt')));
      assert.ok(served.every((o) => o.ok), JSON.stringify(served));
      const servedBy = await Promise.all(served.map((o) => connectionOwner(o.conn!.localPort, port, [replacement, survivor])));
      assert.deepEqual(servedBy, [replacement, replacement, replacement]);
    } finally {
      process.kill(survivor, 'SIGCONT');
      for (const c of clients) c.close();
    }
  });

  test('gives up with a clear error when every worker fails at start-up', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = (busy.address() as { port: number }).port;
    const failing = startCli(['--workers', '2', '-H', '127.0.0.1', '-p', String(busyPort), dir.path]);
    try {
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([failing.exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 20_000)))]);
      clearTimeout(timer);
      assert.equal(code, 1, failing.output());
      assert.match(failing.output(), new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(failing.output(), /no worker could start .*; giving up/);
    } finally {
      failing.killGroup();
      busy.close();
    }
  });
});
