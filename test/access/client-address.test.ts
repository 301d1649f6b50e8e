// The client address behind proxies: node names of RFC 7239, the right-to-left walk over trusted
// hops, and what an untrusted peer can (not) claim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddressOf, clientAddressResolver, forwardedFor, nodeAddress, xForwardedFor } from '../../src/access/client-address.ts';

function subject(remoteAddress: string, headers: Record<string, string> = {}, locals: Record<string, unknown> = {}): { remoteAddress: string; header(n: string): string | undefined; local(n: string): unknown } {
  return { remoteAddress, header: (n) => headers[n.toLowerCase()], local: (n) => locals[n] };
}

test('nodeAddress: RFC 7239 §6 node names, with ports and bracketed IPv6; obfuscated and unknown are none', () => {
  assert.equal(nodeAddress('192.0.2.43'), '192.0.2.43');
  assert.equal(nodeAddress('192.0.2.43:47011'), '192.0.2.43');
  assert.equal(nodeAddress('[2001:db8:cafe::17]'), '2001:db8:cafe::17');
  assert.equal(nodeAddress('[2001:db8:cafe::17]:4711'), '2001:db8:cafe::17');
  assert.equal(nodeAddress('2001:db8::1'), '2001:db8::1');
  for (const bad of ['unknown', '_hidden', '_SEVKISEK', '', '[2001:db8::1', '[192.0.2.1]', '192.0.2.1:x', 'example.com', '[::1]:80:80']) assert.equal(nodeAddress(bad), null, bad);
});

test('forwardedFor: elements, quoted values with commas and semicolons, case-insensitive for=', () => {
  assert.deepEqual(forwardedFor('for=192.0.2.60;proto=http;by=203.0.113.43'), ['192.0.2.60']);
  assert.deepEqual(forwardedFor('for="_gazonk"'), [null]);
  assert.deepEqual(forwardedFor('For="[2001:db8:cafe::17]:4711"'), ['2001:db8:cafe::17']);
  assert.deepEqual(forwardedFor('for=192.0.2.43, for=198.51.100.17'), ['192.0.2.43', '198.51.100.17']);
  assert.deepEqual(forwardedFor('proto=https;host="a,b;c", for=198.51.100.17'), [null, '198.51.100.17']);
  assert.deepEqual(forwardedFor('for=unknown'), [null]);
  assert.deepEqual(xForwardedFor(' 203.0.113.7 , 10.0.0.2'), ['203.0.113.7', '10.0.0.2']);
  assert.deepEqual(xForwardedFor(undefined), []);
});

test('an untrusted peer is the client, whatever it claims', () => {
  const resolve = clientAddressResolver(['10.0.0.0/8']);
  assert.equal(resolve(subject('203.0.113.9', { 'x-forwarded-for': '1.1.1.1', forwarded: 'for=1.1.1.1' })), '203.0.113.9');
});

test('behind trusted proxies: the first untrusted address from the right', () => {
  const resolve = clientAddressResolver(['10.0.0.0/8', 'fd00::/8']);
  // The client wrote the first entry itself: it is left of the real client and ignored.
  assert.equal(resolve(subject('10.0.0.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.2' })), '203.0.113.7');
  assert.equal(resolve(subject('::ffff:10.0.0.1', { 'x-forwarded-for': '203.0.113.7' })), '203.0.113.7');
  assert.equal(resolve(subject('fd00::1', { forwarded: 'for="[2001:db8::7]:1234", for="[fd00::2]"' })), '2001:db8::7');
  // Forwarded wins over X-Forwarded-For.
  assert.equal(resolve(subject('10.0.0.1', { forwarded: 'for=198.51.100.1', 'x-forwarded-for': '203.0.113.7' })), '198.51.100.1');
  // Every hop trusted: the leftmost is as far as we can see.
  assert.equal(resolve(subject('10.0.0.1', { 'x-forwarded-for': '10.1.1.1, 10.2.2.2' })), '10.1.1.1');
  // No header: the proxy itself.
  assert.equal(resolve(subject('10.0.0.1')), '10.0.0.1');
  // An obfuscated hop stops the walk at the proxy that hid it; the entry left of it is not believed.
  assert.equal(resolve(subject('10.0.0.1', { forwarded: 'for=6.6.6.6, for=_hidden, for=10.0.0.5' })), '10.0.0.5');
  assert.equal(resolve(subject('10.0.0.1', { 'x-forwarded-for': '6.6.6.6, garbage' })), '10.0.0.1');
});

test('a Unix-socket peer ("") is a trusted proxy when loopback is trusted', () => {
  assert.equal(clientAddressResolver(['127.0.0.1'])(subject('', { 'x-forwarded-for': '203.0.113.7' })), '203.0.113.7');
  assert.equal(clientAddressResolver(['10.0.0.0/8'])(subject('', { 'x-forwarded-for': '203.0.113.7' })), '');
});

test('clientAddressOf: the resolved address when one was stored, else the peer', () => {
  assert.equal(clientAddressOf(subject('10.0.0.1')), '10.0.0.1');
  assert.equal(clientAddressOf(subject('10.0.0.1', {}, { clientAddress: '203.0.113.7' })), '203.0.113.7');
});

test('a bad trusted_proxies entry is refused naming the key', () => {
  assert.throws(() => clientAddressResolver(['10.0.0.0/33']), /trusted_proxies: "10\.0\.0\.0\/33"/);
});
