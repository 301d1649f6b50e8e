import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, hashToken } from '../../src/access/password-hash.ts';
import type { AccessControlOptions } from '../../src/access/access-control.ts';
import { parseAccessRules, type AccessRuleConfig } from '../../src/access/config-kinds.ts';
import type { Middleware } from '../../src/app/pipeline.ts';
import { StatusRecorder } from '../../src/status/metrics.ts';
import { makeTree, raw, startSite, type Site } from '../support/static-helpers.ts';
import { startUploadServer } from '../support/upload-helpers.ts';

const basic = (user: string, password: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const ALICE = basic('alice', 'alice-pw');
const BOB = basic('bob', 'bob-pw');

// Cheap scrypt (ln=4) so the tests do not spend seconds hashing; the format is the real one.
const users = [
  { name: 'alice', password_hash: await hashPassword('alice-pw', 4) },
  { name: 'bob', password_hash: await hashPassword('bob-pw', 4) },
];
/** Rules as a config file has them ("allow" and all), read by the config kind. */
function access(rules: unknown[], extra: Partial<AccessControlOptions> = {}): AccessControlOptions {
  const parsed = parseAccessRules(rules);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { users, rules: parsed.value as AccessRuleConfig[], realm: 'Test site', ...extra };
}

/** Pretends the client comes from the address in X-Test-Peer (the tests only connect over loopback). */
const fakePeer: Middleware = (req, _res, next) => {
  const peer = req.header('x-test-peer');
  if (peer !== undefined) Object.defineProperty(req, 'remoteAddress', { value: peer });
  return next();
};

const tree = await makeTree({
  'index.html': 'home',
  'pub/readme.txt': 'public',
  'secret/plans.txt': 'plans',
  'members/club.txt': 'club',
  'net/file.txt': 'net',
  'drop/.keep': '',
});
after(() => tree.cleanup());

async function site(rules: unknown[], extra: Partial<AccessControlOptions> = {}, options: Parameters<typeof startSite>[1] = {}): Promise<Site> {
  return startSite(tree.root, { middleware: [fakePeer], access: access(rules, extra), ...options });
}

test('a private site: 401 with a Basic challenge without credentials or with wrong ones, 200 for the user, 403 for another user (RFC 9110 §15.5.2, §15.5.4)', async () => {
  const s = await site([{ path: '/**', read: ['alice'], write: ['alice'] }]);
  try {
    const none = await raw(s.port, '/pub/readme.txt');
    assert.equal(none.status, 401);
    assert.equal(none.h('www-authenticate'), 'Basic realm="Test site", charset="UTF-8"');
    assert.equal((await raw(s.port, '/pub/readme.txt', ALICE)).body.toString(), 'public');
    const wrong = await raw(s.port, '/pub/readme.txt', basic('alice', 'nope'));
    assert.equal(wrong.status, 401);
    assert.match(wrong.h('www-authenticate') ?? '', /^Basic /);
    const bob = await raw(s.port, '/pub/readme.txt', BOB);
    assert.equal(bob.status, 403);
    assert.equal(bob.h('www-authenticate'), undefined);
    // fetch (undici) as a client too: credentials in the header.
    const f = await fetch(`${s.url}/`, { headers: ALICE });
    assert.equal(f.status, 200);
    assert.equal(await f.text(), 'home');
  } finally {
    await s.close();
  }
});

test('paths are matched as served: dot segments and escapes do not get around a rule', async () => {
  const s = await site([{ path: '/secret/**', allow: ['alice'] }]);
  try {
    for (const p of ['/secret/plans.txt', '/pub/../secret/plans.txt', '/%73ecret/plans.txt', '//secret//plans.txt', '/secret', '/secret/']) {
      assert.equal((await raw(s.port, p)).status, 401, p);
    }
    assert.equal((await raw(s.port, '/%73ecret/plans.txt', ALICE)).body.toString(), 'plans');
    assert.equal((await raw(s.port, '/pub/readme.txt')).status, 200, 'a path no rule matches is open');
  } finally {
    await s.close();
  }
});

test('read and write apart: public to read, private to write; a write-only drop box refuses listing and downloads but takes uploads', async () => {
  const s = await startUploadServer({ inListing: true }, undefined, {
    directoryListing: true,
    middleware: [fakePeer],
    access: access([
      { path: '/pub/**', read: ['*'], write: ['bob'] },
      { path: '/drop/**', read: [], write: ['bob'] },
    ]),
  });
  try {
    const { writeFile, mkdir } = await import('node:fs/promises');
    await mkdir(`${s.root}/pub`);
    await mkdir(`${s.root}/drop`);
    await writeFile(`${s.root}/pub/a.txt`, 'a');
    assert.equal((await raw(s.port, '/pub/a.txt')).status, 200);
    const put = (path: string, headers: Record<string, string>): Promise<Response> => fetch(`${s.base}${path}`, { method: 'PUT', body: 'data', headers });
    const anon = await put('/pub/b.txt', {});
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm="Test site"/);
    assert.equal((await put('/pub/b.txt', ALICE)).status, 403);
    assert.equal((await put('/pub/b.txt', BOB)).status, 201);
    // The drop box: bob uploads, nobody lists or downloads (403 even for bob: signing in cannot help).
    assert.equal((await put('/drop/in.txt', BOB)).status, 201);
    assert.equal((await put('/drop/in2.txt', {})).status, 401);
    for (const who of [{}, BOB, ALICE]) {
      assert.equal((await raw(s.port, '/drop/', who)).status, 403);
      assert.equal((await raw(s.port, '/drop/in.txt', who)).status, 403);
    }
    // The upload form shows only where the user may write.
    assert.doesNotMatch((await raw(s.port, '/pub/')).body.toString(), /hc-upload-form/);
    assert.doesNotMatch((await raw(s.port, '/pub/', ALICE)).body.toString(), /hc-upload-form/);
    assert.match((await raw(s.port, '/pub/', BOB)).body.toString(), /hc-upload-form/);
  } finally {
    await s.close();
  }
});

test('@authenticated admits every signed-in user and asks the others to sign in', async () => {
  const s = await site([{ path: '/members/**', allow: ['@authenticated'] }]);
  try {
    assert.equal((await raw(s.port, '/members/club.txt')).status, 401);
    assert.equal((await raw(s.port, '/members/club.txt', ALICE)).status, 200);
    assert.equal((await raw(s.port, '/members/club.txt', BOB)).status, 200);
  } finally {
    await s.close();
  }
});

test('allow_ips and deny_ips, IPv4 and IPv6 (mapped addresses too): 403 whoever signs in', async () => {
  const s = await site([{ path: '/net/**', allow_ips: ['10.0.0.0/8', '2001:db8::/32'], deny_ips: ['10.6.6.6'] }]);
  try {
    const get = async (peer: string, headers: Record<string, string> = {}): Promise<number> => (await raw(s.port, '/net/file.txt', { 'X-Test-Peer': peer, ...headers })).status;
    assert.equal(await get('10.1.2.3'), 200);
    assert.equal(await get('::ffff:10.1.2.3'), 200);
    assert.equal(await get('2001:db8::5'), 200);
    assert.equal(await get('10.6.6.6'), 403);
    assert.equal(await get('10.6.6.6', ALICE), 403);
    assert.equal(await get('192.0.2.1'), 403);
    assert.equal(await get('2001:db9::1'), 403);
    assert.equal(await get('192.0.2.1'), 403);
    assert.equal((await raw(s.port, '/pub/readme.txt', { 'X-Test-Peer': '192.0.2.1' })).status, 200);
  } finally {
    await s.close();
  }
});

test('listings hide what the user may not read', async () => {
  const s = await site([{ path: '/secret/**', allow: ['alice'] }, { path: '/members/**', allow: ['@authenticated'] }, { path: '/net/**', deny_ips: ['192.0.2.0/24'] }], {}, { directoryListing: true, indexFile: 'none.html' });
  try {
    const names = async (headers: Record<string, string>): Promise<string[]> => {
      const r = await raw(s.port, '/?format=json', headers);
      assert.equal(r.status, 200);
      return (JSON.parse(r.body.toString()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name).sort();
    };
    assert.deepEqual(await names({}), ['drop', 'index.html', 'net', 'pub']);
    assert.deepEqual(await names(ALICE), ['drop', 'index.html', 'members', 'net', 'pub', 'secret']);
    assert.deepEqual(await names(BOB), ['drop', 'index.html', 'members', 'net', 'pub']);
    assert.deepEqual(await names({ 'X-Test-Peer': '192.0.2.7' }), ['drop', 'index.html', 'pub']);
    // The HTML page too, and the anonymous page again (a listing rendered for alice is not reused).
    assert.match((await raw(s.port, '/', ALICE)).body.toString(), /secret/);
    assert.doesNotMatch((await raw(s.port, '/')).body.toString(), /secret/);
  } finally {
    await s.close();
  }
});

test('the user is kept for the access log; Bearer tokens sign in by name; a bad token is told invalid_token', async () => {
  const seen: unknown[] = [];
  const s = await site([{ path: '/secret/**', allow: ['alice', 'ci'] }], { tokens: [{ name: 'ci', token_hash: hashToken('ci-token-0123456789') }] });
  s.server.on('response', (req) => seen.push(req.local('user')));
  try {
    assert.equal((await raw(s.port, '/secret/plans.txt', ALICE)).status, 200);
    assert.equal((await raw(s.port, '/secret/plans.txt', { Authorization: 'Bearer ci-token-0123456789' })).status, 200);
    const bad = await raw(s.port, '/secret/plans.txt', { Authorization: 'Bearer nope' });
    assert.equal(bad.status, 401);
    assert.match(bad.h('www-authenticate') ?? '', /^Bearer realm="Test site", error="invalid_token"$/);
    const none = await raw(s.port, '/secret/plans.txt');
    assert.equal(none.h('www-authenticate'), 'Basic realm="Test site", charset="UTF-8", Bearer realm="Test site"');
    assert.deepEqual(seen, ['alice', 'ci', undefined, undefined]);
  } finally {
    await s.close();
  }
});

test('a brute-force run gets 429 with Retry-After once past the limit, even with the right password', async () => {
  const s = await site([{ path: '/**', allow: ['alice'] }], { maxFailures: 3, failureWindow: 120 });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await raw(s.port, '/', basic('alice', `guess-${i}`))).status, 401);
    const blocked = await raw(s.port, '/', ALICE);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.h('retry-after')) > 0 && Number(blocked.h('retry-after')) <= 120);
    // Another address is not affected.
    assert.equal((await raw(s.port, '/', { ...ALICE, 'X-Test-Peer': '10.9.9.9' })).status, 200);
  } finally {
    await s.close();
  }
});

test('a CORS preflight carries no credentials: it is answered before the rules', async () => {
  const s = await site([{ path: '/**', allow: ['alice'] }], {}, { enableCors: true, corsAllowOrigin: 'https://app.example' });
  try {
    const r = await raw(s.port, '/pub/readme.txt', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' }, 'OPTIONS');
    assert.equal(r.status, 204);
    assert.equal((await raw(s.port, '/pub/readme.txt', { Origin: 'https://app.example' })).status, 401);
  } finally {
    await s.close();
  }
});

test('the status page keeps its loopback rule and follows the access rules', async () => {
  const recorder = new StatusRecorder({ version: 'test' });
  const status = { recorder, statusPath: '/server-status', metricsPath: '/metrics', allow: [], token: null, healthPublic: true };
  const s = await site([{ path: '/server-status', allow: ['alice'] }, { path: '/metrics', allow: ['alice'] }], {}, { status });
  try {
    assert.equal((await raw(s.port, '/metrics')).status, 401);
    assert.equal((await raw(s.port, '/metrics', ALICE)).status, 200);
    assert.equal((await raw(s.port, '/metrics', BOB)).status, 403);
    // From afar, signed in: the status page's own rule still hides it (404).
    assert.equal((await raw(s.port, '/metrics', { ...ALICE, 'X-Test-Peer': '203.0.113.5' })).status, 404);
  } finally {
    await s.close();
  }
});

test('nothing configured: no access-control step at all', async () => {
  const { createAccessControl } = await import('../../src/access/access-control.ts');
  assert.equal(createAccessControl({ realm: 'x' }), null);
  assert.equal(createAccessControl({ realm: 'x', users: [], tokens: [], rules: [], authFile: null }), null);
});
