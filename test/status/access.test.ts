import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressBytes, createAccessGuard, networkMatcher, parseNetwork, type AccessSubject } from '../../src/status/access.ts';
import { rawGet, startStatusServer } from '../support/status-helpers.ts';

const subject = (remoteAddress: string, headers: Record<string, string> = {}, query = ''): AccessSubject => ({
  remoteAddress,
  query,
  header: (name) => headers[name.toLowerCase()],
});

test('addresses become 16 bytes; IPv4 as IPv4-mapped IPv6 (RFC 4291 §2.5.5.2)', () => {
  assert.deepEqual([...addressBytes('10.1.2.3')!], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 2, 3]);
  assert.deepEqual(addressBytes('::ffff:10.1.2.3'), addressBytes('10.1.2.3'));
  assert.deepEqual(addressBytes('::ffff:a01:203'), addressBytes('10.1.2.3'));
  assert.deepEqual([...addressBytes('::1')!], [...new Array(15).fill(0), 1]);
  assert.deepEqual([...addressBytes('2001:db8::8:800:200c:417a')!], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]);
  assert.deepEqual(addressBytes('fe80::1%eth0'), addressBytes('fe80::1'));
  assert.deepEqual([...addressBytes('1::')!], [0, 1, ...new Array(14).fill(0)]);
  assert.equal(addressBytes('localhost'), null);
  assert.equal(addressBytes('1.2.3'), null);
  assert.equal(addressBytes(''), null);
});

test('CIDR lists match IPv4, IPv6 and IPv4-mapped clients, including prefixes inside a byte', () => {
  const m = networkMatcher(['10.0.0.0/8', '172.16.0.0/12', '2001:db8::/32', '192.168.1.7']);
  for (const yes of ['10.0.0.1', '10.255.255.255', '::ffff:10.9.9.9', '172.16.0.0', '172.31.255.255', '2001:db8::1', '2001:db8:ffff::', '192.168.1.7', '::ffff:192.168.1.7']) assert.equal(m(yes), true, yes);
  for (const no of ['11.0.0.1', '172.32.0.0', '172.15.255.255', '2001:db9::1', '192.168.1.8', '::1', '127.0.0.1', 'garbage', '']) assert.equal(m(no), false, no);
  assert.equal(networkMatcher(['0.0.0.0/0'])('203.0.113.5'), true);
  assert.equal(networkMatcher(['0.0.0.0/0'])('2001:db8::1'), false, 'an IPv4 /0 covers IPv4 clients only');
  assert.equal(networkMatcher(['::/0'])('2001:db8::1'), true);
  assert.equal(networkMatcher(['::ffff:0:0/96'])('8.8.8.8'), true);
  assert.equal(networkMatcher(['fe80::/10'])('fe80::1%eth0'), true);
});

test('bad networks are configuration errors that name the key and the value', () => {
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/8/8', 'example.com', '300.1.1.1', 'fe80::1%eth0/64', '10.0.0.0/ 8']) {
    assert.throws(() => parseNetwork(bad), /^RangeError: status_allow: /, bad);
  }
});

test('the guard: loopback by default; an allow list replaces it; a token admits anyone', () => {
  const byDefault = createAccessGuard();
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(byDefault(subject(a)), true, a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', '0.0.0.0', '::']) assert.equal(byDefault(subject(a)), false, a);

  const listed = createAccessGuard({ allow: ['10.0.0.0/8'] });
  assert.equal(listed(subject('10.2.3.4')), true);
  assert.equal(listed(subject('127.0.0.1')), false, 'a configured list replaces the loopback default');

  const tokened = createAccessGuard({ token: 's3cret' });
  assert.equal(tokened(subject('127.0.0.1')), true);
  assert.equal(tokened(subject('10.0.0.1')), false);
  assert.equal(tokened(subject('10.0.0.1', { authorization: 'Bearer s3cret' })), true);
  assert.equal(tokened(subject('10.0.0.1', { authorization: 'bearer   s3cret' })), true, 'the scheme is case-insensitive (RFC 9110 §11.1)');
  assert.equal(tokened(subject('10.0.0.1', { authorization: 'Bearer s3cre' })), false);
  assert.equal(tokened(subject('10.0.0.1', { authorization: 'Basic czNjcmV0' })), false);
  assert.equal(tokened(subject('10.0.0.1', {}, 'format=json&token=s3cret')), true);
  assert.equal(tokened(subject('10.0.0.1', {}, 'token=s3cret%21')), false);
  assert.equal(tokened(subject('10.0.0.1', {}, 'mytoken=s3cret')), false);
  assert.throws(() => createAccessGuard({ token: '' }), /status_token/);
});

const PATHS = ['/server-status', '/server-status?format=json', '/metrics', '/healthz', '/readyz'];

test('over the wire: loopback clients see every path by default', async () => {
  const f = await startStatusServer();
  try {
    for (const p of PATHS) assert.equal((await rawGet(f.port, p)).status, 200, p);
  } finally {
    await f.close();
  }
});

test('over the wire: with status_allow 127.0.0.2/32 only that client sees the dashboard and metrics; others get the plain 404', async () => {
  const f = await startStatusServer({ allow: ['127.0.0.2/32'] });
  try {
    const missing = await rawGet(f.port, '/no-such-file');
    assert.equal(missing.status, 404);
    for (const p of PATHS.filter((p) => !p.endsWith('z'))) {
      const denied = await rawGet(f.port, p);
      assert.equal(denied.status, 404, p);
      // Indistinguishable from a missing file: same type, same body.
      assert.equal(denied.headers.get('content-type'), missing.headers.get('content-type'));
      assert.deepEqual(denied.body, missing.body);
      assert.equal((await rawGet(f.port, p, { localAddress: '127.0.0.2' })).status, 200, p);
    }
    // Any method: 404, not 405, so nothing reveals the endpoint.
    assert.equal((await rawGet(f.port, '/metrics', { method: 'DELETE' })).status, 404);
    assert.equal((await rawGet(f.port, '/metrics', { method: 'OPTIONS' })).status, 404);
    assert.equal((await rawGet(f.port, '/metrics', { method: 'DELETE', localAddress: '127.0.0.2' })).status, 405);
  } finally {
    await f.close();
  }
});

test('over the wire: a token admits a client outside the allow list, by header or query', async () => {
  const f = await startStatusServer({ allow: ['127.0.0.2/32'], token: 'tok-123' });
  try {
    assert.equal((await rawGet(f.port, '/metrics')).status, 404);
    assert.equal((await rawGet(f.port, '/metrics', { headers: 'Authorization: Bearer nope\r\n' })).status, 404);
    assert.equal((await rawGet(f.port, '/metrics', { headers: 'Authorization: Bearer tok-123\r\n' })).status, 200);
    assert.equal((await rawGet(f.port, '/server-status?token=tok-123')).status, 200);
    const page = await rawGet(f.port, '/server-status?token=tok-123');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal((await rawGet(f.port, '/server-status?format=json&token=tok-123')).headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal((await rawGet(f.port, '/metrics?token=wrong')).status, 404);
  } finally {
    await f.close();
  }
});
