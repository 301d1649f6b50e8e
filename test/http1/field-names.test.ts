// Interned field names: only exact byte matches share the constant; any other spelling keeps its
// own bytes (rawHeaders are what the client sent), and the parse is the same either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonFieldName } from '../../src/http1/field-names.ts';
import { RequestParser, type RequestHead } from '../../src/http1/request-parser.ts';

const at = (s: string): [Buffer, number, number] => {
  const buf = Buffer.from(`xx${s}yy`, 'latin1');
  return [buf, 2, 2 + s.length];
};

test('common names match their exact bytes only', () => {
  assert.equal(commonFieldName(...at('Host')), 'Host');
  assert.equal(commonFieldName(...at('host')), 'host');
  assert.equal(commonFieldName(...at('Accept-Encoding')), 'Accept-Encoding');
  assert.equal(commonFieldName(...at('sec-ch-ua-platform')), 'sec-ch-ua-platform');
  for (const other of ['HOST', 'HoSt', 'Hosts', 'Hos', 'X-Custom', 'Accept-Encodinh', '']) assert.equal(commonFieldName(...at(other)), null, other);
});

test('the parser keeps every spelling of a name as sent', () => {
  const heads: RequestHead[] = [];
  const parser = new RequestParser({ onHead: (h) => heads.push(h), onData() {}, onEnd() {}, onTrailers() {}, onError: (e) => assert.fail(e.message) });
  parser.push(Buffer.from('GET /a HTTP/1.1\r\nHoSt: example.com\r\nuser-agent: t\r\nAccept: */*\r\nX-Long-' + 'n'.repeat(200) + ': v\r\n\r\n', 'latin1'));
  assert.equal(heads.length, 1);
  assert.equal(heads[0]!.host, 'example.com');
  assert.deepEqual(heads[0]!.rawHeaders.filter((_, i) => i % 2 === 0), ['HoSt', 'user-agent', 'Accept', 'X-Long-' + 'n'.repeat(200)]);
});
