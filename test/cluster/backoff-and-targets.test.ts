import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashTracker, DEFAULT_BACKOFF, restartDelayMs } from '../../src/cluster/backoff.ts';
import { describeTarget, explainListenError, systemdListenFd } from '../../src/cluster/listen-target.ts';
import { resolveWorkerCount } from '../../src/cluster/run-workers.ts';
import { availableParallelism } from 'node:os';

describe('restart back-off', () => {
  test('the first crash is replaced at once, then the delay doubles up to the cap', () => {
    const policy = { initialMs: 500, maxMs: 4000, stableMs: 10_000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((n) => restartDelayMs(n, policy)), [0, 500, 1000, 2000, 4000, 4000, 4000]);
    assert.equal(restartDelayMs(10_000, DEFAULT_BACKOFF), DEFAULT_BACKOFF.maxMs);
  });

  test('a worker that ran past stableMs starts the streak over', () => {
    const t = new CrashTracker({ initialMs: 100, maxMs: 10_000, stableMs: 1000 });
    assert.equal(t.crashed(10), 0);
    assert.equal(t.crashed(10), 100);
    assert.equal(t.crashed(10), 200);
    assert.equal(t.consecutive, 3);
    assert.equal(t.crashed(5000), 0, 'long run: healthy again');
    assert.equal(t.consecutive, 1);
    t.stable();
    assert.equal(t.consecutive, 0);
    assert.equal(t.restarts, 4, 'restarts keep counting for the status page');
  });
});

describe('listen targets', () => {
  test('systemd: LISTEN_PID must be ours; the variables are consumed either way', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'http:https' };
    assert.deepEqual(systemdListenFd(env, 42), { fd: 3, count: 2 });
    assert.deepEqual(env, {});
    assert.equal(systemdListenFd({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42), null);
    assert.equal(systemdListenFd({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42), null);
    assert.equal(systemdListenFd({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42), null);
    assert.equal(systemdListenFd({}, 42), null);
  });

  test('descriptions use the bound port and bracket IPv6', () => {
    assert.equal(describeTarget({ kind: 'tcp', host: '127.0.0.1', port: 0 }, { port: 8123 }), 'http://127.0.0.1:8123/');
    assert.equal(describeTarget({ kind: 'tcp', host: '::1', port: 80 }), 'http://[::1]:80/');
    assert.equal(describeTarget({ kind: 'tcp', host: '::', port: 80 }), 'http://localhost:80/');
    assert.equal(describeTarget({ kind: 'unix', path: '/run/h.sock' }), 'unix:/run/h.sock');
    assert.equal(describeTarget({ kind: 'fd', fd: 3 }, { port: 80 }), 'fd 3, http://localhost:80/');
    assert.equal(describeTarget({ kind: 'tcp', host: '127.0.0.1', port: 0 }, { port: 8443 }, true), 'https://127.0.0.1:8443/');
    assert.equal(describeTarget({ kind: 'fd', fd: 3 }, { port: 443 }, true), 'fd 3, https://localhost:443/');
  });

  test('listen errors become one actionable line', () => {
    const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
    assert.match(explainListenError(err('EADDRINUSE'), { kind: 'tcp', host: '0.0.0.0', port: 80 })!, /port 80 on 0\.0\.0\.0 is already in use/);
    assert.match(explainListenError(err('EACCES'), { kind: 'tcp', host: '0.0.0.0', port: 80 })!, /below 1024 need privileges/);
    assert.match(explainListenError(err('EBADF'), { kind: 'fd', fd: 7 })!, /fd 7 is not an open listening socket/);
    assert.equal(explainListenError(err('EWHATEVER'), { kind: 'unix', path: '/x' }), null);
  });

  test('workers: a count from 1, or auto for one per core', () => {
    assert.equal(resolveWorkerCount(3), 3);
    assert.equal(resolveWorkerCount('auto'), availableParallelism());
    assert.throws(() => resolveWorkerCount(0), /workers: 0/);
    assert.throws(() => resolveWorkerCount(1.5), /workers: 1.5/);
  });
});
