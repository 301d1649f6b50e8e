// Pure tests of the handshake checks (RFC 6455 §4.2.1) and permessage-deflate negotiation
// (RFC 7692 §5, §7.1): which offer is accepted, what the response says, which offers are declined.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptValue, checkHandshake, type HandshakeRequest } from '../../src/websocket/handshake.ts';
import { parseExtensions } from '../../src/websocket/extensions.ts';
import { DEFAULT_DEFLATE_OPTIONS, deflateOptions, negotiateDeflate } from '../../src/websocket/permessage-deflate.ts';
import { HANDSHAKE_ACCEPT, HANDSHAKE_KEY } from '../support/ws-client.ts';

function request(fields: Record<string, string>): HandshakeRequest {
  const lower = new Map(Object.entries({ upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': HANDSHAKE_KEY, 'sec-websocket-version': '13', ...fields }).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'GET', httpVersion: '1.1', hasBody: false, header: (n) => (lower.get(n) === '' ? undefined : lower.get(n)) };
}

const negotiate = (field: string, options = {}) => negotiateDeflate(parseExtensions(field)!, deflateOptions({ ...options }));

test('Sec-WebSocket-Accept is RFC 6455 §1.3\'s example value', () => {
  assert.equal(acceptValue(HANDSHAKE_KEY), HANDSHAKE_ACCEPT);
});

test('Upgrade and Connection are token lists, case-insensitive', () => {
  const r = checkHandshake(request({ upgrade: 'h2c, WebSocket', connection: 'keep-alive, UPGRADE' }), { deflate: false });
  assert.equal(r.ok, true);
  assert.equal(checkHandshake(request({ upgrade: 'websockets' }), { deflate: false }).ok, false);
});

test('extension offers parse with parameters and quoted values; bad syntax is null (RFC 6455 §9.1)', () => {
  assert.deepEqual(parseExtensions('permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits="10", x-foo'), [
    { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
    { name: 'permessage-deflate', params: [['server_max_window_bits', '10']] },
    { name: 'x-foo', params: [] },
  ]);
  for (const bad of ['; a', 'a;', 'a; b=', 'a b', 'a; b="x', 'a; b=c d']) assert.equal(parseExtensions(bad), null, bad);
});

test('permessage-deflate: defaults answer server_no_context_takeover; client_max_window_bits offered without value stays 15', () => {
  assert.deepEqual(negotiate('permessage-deflate; client_max_window_bits'), {
    params: { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
    response: 'permessage-deflate; server_no_context_takeover',
  });
});

test('permessage-deflate: offered parameters are honoured and answered (RFC 7692 §7.1)', () => {
  const n = negotiate('permessage-deflate; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12');
  assert.deepEqual(n?.params, { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 });
  assert.equal(n?.response, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12');
  // Our limits: a smaller client window is asked for only where the client offered the parameter.
  assert.equal(negotiate('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })?.response, 'permessage-deflate; server_no_context_takeover; client_max_window_bits=10');
  assert.equal(negotiate('permessage-deflate', { clientMaxWindowBits: 10 }), null);
  assert.equal(negotiate('permessage-deflate', { serverNoContextTakeover: false })?.response, 'permessage-deflate');
});

test('permessage-deflate: bad offers are declined and the first acceptable one wins (RFC 7692 §5.1)', () => {
  for (const bad of [
    'permessage-deflate; foo',
    'permessage-deflate; server_max_window_bits',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; server_max_window_bits=08',
    'permessage-deflate; server_max_window_bits=8',
    'permessage-deflate; client_max_window_bits=7',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
    'x-webkit-deflate-frame',
  ]) {
    assert.equal(negotiate(bad), null, bad);
  }
  assert.equal(negotiate('permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=9')?.params.serverMaxWindowBits, 9);
});

test('bad deflate options are refused by name at route creation', () => {
  assert.throws(() => deflateOptions({ serverMaxWindowBits: 8 }), /serverMaxWindowBits/);
  assert.throws(() => deflateOptions({ memLevel: 10 }), /memLevel/);
  assert.equal(deflateOptions(true).threshold, DEFAULT_DEFLATE_OPTIONS.threshold);
});
