// Which pages may open the live-reload socket: this server's own, those of servers on this machine,
// clients without an Origin; no other web site (it would learn which files are being edited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsOrigin } from '../../src/live-reload/hub.ts';

test('the live-reload socket accepts its own origin, loopback origins and no Origin; refuses other sites, null and odd schemes', () => {
  assert.equal(acceptsOrigin(undefined, '127.0.0.1:8000'), true);
  assert.equal(acceptsOrigin('http://192.168.1.20:8000', '192.168.1.20:8000'), true);
  assert.equal(acceptsOrigin('https://Dev.Example:8443', 'dev.example:8443'), true);
  for (const o of ['http://localhost:3000', 'http://127.0.0.1:5173', 'http://127.8.9.10', 'http://[::1]:8080']) assert.equal(acceptsOrigin(o, '127.0.0.1:8000'), true, o);
  for (const o of ['https://evil.example', 'http://192.168.1.20:8001', 'null', 'file://', 'chrome-extension://abc', 'http://localhost.evil.example', 'http://127.0.0.1.evil.example', '']) {
    assert.equal(acceptsOrigin(o, '192.168.1.20:8000'), false, o);
  }
});
