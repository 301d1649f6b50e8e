import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authenticator, type AuthResult } from '../../src/access/authenticator.ts';
import { hashPassword, hashToken, parsePasswordHash, sha256, type ParsedHash } from '../../src/access/password-hash.ts';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function make(options: { maxFailures?: number; cacheTtlMs?: number; now?: () => number } = {}): Promise<{ auth: Authenticator; hashes: () => number }> {
  let hashes = 0;
  const hash = parsePasswordHash(await hashPassword('secret', 4)) as ParsedHash;
  const auth = new Authenticator({
    users: [{ name: 'alice', hash }],
    tokens: [{ name: 'ci', hash: sha256('token-token-token-1') }],
    realm: 'Test "realm"',
    maxFailures: options.maxFailures ?? 10,
    failureWindowMs: 60_000,
    cacheTtlMs: options.cacheTtlMs ?? 60_000,
    onHash: () => hashes++,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return { auth, hashes: () => hashes };
}

test('an unknown user and a wrong password take the same path: one hash each, same answer', async () => {
  const { auth, hashes } = await make();
  const unknown = await auth.authenticate(basic('mallory', 'secret'), '10.0.0.1');
  assert.equal(hashes(), 1);
  const wrong = await auth.authenticate(basic('alice', 'wrong'), '10.0.0.2');
  assert.equal(hashes(), 2);
  assert.deepEqual(unknown, wrong);
  assert.deepEqual(unknown, { kind: 'bad', scheme: 'basic' });
});

test('a verified credential is remembered: the next request with it computes no hash (synchronously)', async () => {
  const { auth, hashes } = await make();
  assert.deepEqual(await auth.authenticate(basic('alice', 'secret'), '10.0.0.1'), { kind: 'ok', user: 'alice' });
  assert.equal(hashes(), 1);
  const again = auth.authenticate(basic('alice', 'secret'), '10.0.0.1');
  assert.ok(!(again instanceof Promise));
  assert.deepEqual(again, { kind: 'ok', user: 'alice' });
  assert.equal(hashes(), 1);
  // The password is split at the first colon only; a wrong one is never remembered.
  await auth.authenticate(basic('alice', 'wrong'), '10.0.0.1');
  await auth.authenticate(basic('alice', 'wrong'), '10.0.0.1');
  assert.equal(hashes(), 3);
});

test('the cache expires: past its TTL the hash is computed again', async () => {
  let now = 1_000_000;
  const { auth, hashes } = await make({ cacheTtlMs: 1000, now: () => now });
  await auth.authenticate(basic('alice', 'secret'), '10.0.0.1');
  now += 1500;
  assert.deepEqual(await auth.authenticate(basic('alice', 'secret'), '10.0.0.1'), { kind: 'ok', user: 'alice' });
  assert.equal(hashes(), 2);
});

test('past the failure limit an address is blocked before any hash, with Retry-After; others are not', async () => {
  let now = 5_000_000;
  const { auth, hashes } = await make({ maxFailures: 3, now: () => now });
  for (let i = 0; i < 3; i++) await auth.authenticate(basic('alice', `guess${i}`), '198.51.100.9');
  assert.equal(hashes(), 3);
  const blocked = (await auth.authenticate(basic('alice', 'secret'), '198.51.100.9')) as AuthResult;
  assert.deepEqual(blocked, { kind: 'blocked', retryAfter: 60 });
  assert.equal(hashes(), 3, 'no hash computed for a blocked address');
  assert.deepEqual(await auth.authenticate(basic('alice', 'secret'), '198.51.100.10'), { kind: 'ok', user: 'alice' });
  now += 61_000;
  assert.deepEqual(await auth.authenticate(basic('alice', 'secret'), '198.51.100.9'), { kind: 'ok', user: 'alice' });
});

test('malformed credentials are refused without a hash: no colon, not base64, not UTF-8, unknown scheme', async () => {
  const { auth, hashes } = await make();
  for (const h of [`Basic ${Buffer.from('alice').toString('base64')}`, 'Basic !!!', `Basic ${Buffer.from([0x61, 0x3a, 0xff]).toString('base64')}`, 'Digest x=1', 'Basic']) {
    assert.deepEqual(await auth.authenticate(h, '10.0.0.3'), { kind: 'bad', scheme: 'basic' }, h);
  }
  assert.equal(hashes(), 0);
});

test('Bearer tokens: the right one signs in by its name, a wrong one is refused as invalid_token', async () => {
  const { auth } = await make();
  assert.deepEqual(await auth.authenticate('Bearer token-token-token-1', '10.0.0.4'), { kind: 'ok', user: 'ci' });
  assert.deepEqual(await auth.authenticate('bearer token-token-token-2', '10.0.0.4'), { kind: 'bad', scheme: 'bearer' });
  assert.equal(auth.challenge(), 'Basic realm="Test \\"realm\\"", charset="UTF-8", Bearer realm="Test \\"realm\\""');
  assert.match(auth.challenge(true), /^Bearer realm=".*", error="invalid_token"$/);
  assert.match(hashToken('x'), /^\$sha256\$/);
});

test('a keep-alive connection re-sending its verified credential costs no hash and no cache lookup; new users forget it', async () => {
  const { auth, hashes } = await make();
  const conn = {};
  assert.deepEqual(await auth.authenticate(basic('alice', 'secret'), '10.0.0.5', conn), { kind: 'ok', user: 'alice' });
  assert.deepEqual(auth.authenticate(basic('alice', 'secret'), '10.0.0.5', conn), { kind: 'ok', user: 'alice' });
  // Another value on the same connection is checked for itself.
  assert.deepEqual(await auth.authenticate(basic('alice', 'wrong'), '10.0.0.5', conn), { kind: 'bad', scheme: 'basic' });
  assert.equal(hashes(), 2);
  auth.replaceUsers([]);
  assert.deepEqual(await auth.authenticate(basic('alice', 'secret'), '10.0.0.5', conn), { kind: 'bad', scheme: 'basic' });
  assert.equal(hashes(), 3);
});

test('many connections sending the same new credential at once share one hash', async () => {
  const { auth, hashes } = await make();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.authenticate(basic('alice', 'secret'), '10.0.0.6', { i })));
  assert.ok(results.every((r) => r.kind === 'ok'));
  assert.equal(hashes(), 1);
});
