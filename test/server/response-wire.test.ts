// Response over a wire that is not HTTP/1.1: a recording ResponseWire stands in for a second
// protocol (an HTTP/2 stream), and the handler-facing API must reach it with RFC 9110's decisions
// made (no body for HEAD/204/304, the declared length held to, Connection left to the engine) and no
// HTTP/1.1 byte in sight.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Response } from '../../src/server/response.ts';
import { HEAD_CLOSE, HEAD_NO_BODY, HEAD_STREAMED, PreparedFields, type ResponseWire, type SwitchHandler, type WireResponse } from '../../src/server/response-wire.ts';

interface Call {
  op: string;
  status?: number;
  fields?: readonly string[];
  flags?: number;
  length?: string;
  prepared?: PreparedFields | string | null;
  body?: string | null;
}

class RecordingWire implements ResponseWire {
  calls: Call[] = [];
  closed = false;
  flushed = true;
  keepAlive = true;
  onDrain(callback: () => void): void {
    callback();
  }
  sendHead(res: WireResponse, flags: number, length: string, prepared: PreparedFields | string | null, body: Buffer | null): boolean {
    this.calls.push({ op: 'head', status: res.status, fields: [...res.headerList], flags, length, prepared, body: body === null ? null : body.toString() });
    return this.keepAlive;
  }
  writeBody(data: Buffer): boolean {
    this.calls.push({ op: 'data', body: data.toString() });
    return true;
  }
  endBody(last: Buffer | null): void {
    this.calls.push({ op: 'end', body: last === null ? null : last.toString() });
  }
  inform(status: number, fields: readonly string[]): void {
    this.calls.push({ op: 'inform', status, fields: [...fields] });
  }
  finish(): void {
    this.calls.push({ op: 'finish' });
  }
  abort(error: Error): void {
    this.calls.push({ op: 'abort', body: error.message });
  }
}

test('end(body): one head with the length and the whole body, then finish', () => {
  const wire = new RecordingWire();
  const res = new Response(wire, 'GET');
  res.setHeader('Content-Type', 'text/plain');
  res.end('hello');
  assert.deepEqual(wire.calls, [
    { op: 'head', status: 200, fields: ['Content-Type', 'text/plain'], flags: 0, length: '5', prepared: null, body: 'hello' },
    { op: 'finish' },
  ]);
  assert.equal(res.bodyBytes, 5);
  assert.equal(res.finished, true);
  assert.equal(res.keepAlive, true);
});

test('a streamed body of unknown length: the wire is told, and frames it (no chunk bytes in Response)', async () => {
  const wire = new RecordingWire();
  const res = new Response(wire, 'GET');
  await res.stream(Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
  assert.deepEqual(
    wire.calls.map((c) => [c.op, c.flags, c.length, c.body]),
    [
      ['head', HEAD_STREAMED, '', null],
      ['data', undefined, undefined, 'ab'],
      ['data', undefined, undefined, 'cd'],
      ['end', undefined, undefined, null],
      ['finish', undefined, undefined, undefined],
    ],
  );
  assert.equal(res.bodyBytes, 4);
});

test('HEAD, 204 and 304 carry no content (RFC 9110 §6.4.1): NO_BODY, no length, no body bytes counted', () => {
  for (const [method, status] of [['HEAD', 200], ['GET', 204], ['GET', 304]] as const) {
    const wire = new RecordingWire();
    const res = new Response(wire, method);
    res.status = status;
    res.end(status === 200 ? 'ignored' : undefined);
    const head = wire.calls[0]!;
    assert.equal(head.flags! & HEAD_NO_BODY, HEAD_NO_BODY, `${method} ${status}`);
    assert.equal(head.body, '');
    assert.equal(res.bodyBytes, 0);
  }
});

test('Connection: close from a handler is a flag (the field is the wire\'s to leave out); the wire decides keep-alive', () => {
  const wire = new RecordingWire();
  wire.keepAlive = false;
  const res = new Response(wire, 'GET');
  res.setHeader('Connection', 'close');
  res.end();
  assert.equal(wire.calls[0]!.flags, HEAD_CLOSE); // which fields to leave out is the wire's to find (dropsField)
  assert.deepEqual(wire.calls[0]!.fields, ['Connection', 'close']); // the wire leaves it out (dropsField)
  assert.equal(res.keepAlive, false);
});

test('a declared Content-Length is held to whatever the wire: too long refused, too short aborted', () => {
  const long = new RecordingWire();
  const a = new Response(long, 'GET');
  a.setHeader('Content-Length', '3');
  a.write('ab');
  assert.throws(() => a.write('cd'), /exceeds its Content-Length 3/);
  const short = new RecordingWire();
  const b = new Response(short, 'GET');
  b.setHeader('Content-Length', '3');
  b.write('ab');
  b.end();
  assert.equal(short.calls.at(-1)!.op, 'abort');
});

test('sendPrepared hands PreparedFields to the wire: flat fields beside the HTTP/1.1 lines', () => {
  const prepared = new PreparedFields(['Content-Type', 'text/css', 'Content-Length', '2']);
  assert.deepEqual(prepared.fields, ['Content-Type', 'text/css', 'Content-Length', '2']);
  assert.equal(prepared.lines, 'Content-Type: text/css\r\nContent-Length: 2\r\n');
  assert.deepEqual(prepared.concat(['X-A', 'b']).fields, ['Content-Type', 'text/css', 'Content-Length', '2', 'X-A', 'b']);
  const wire = new RecordingWire();
  const res = new Response(wire, 'GET');
  res.setHeader('X-Frame-Options', 'DENY');
  res.sendPrepared(200, prepared, Buffer.from('ok'));
  assert.deepEqual(wire.calls[0], { op: 'head', status: 200, fields: ['X-Frame-Options', 'DENY'], flags: 0, length: '', prepared, body: 'ok' });
  assert.equal(res.bodyBytes, 2);
});

test('inform() gives the wire flat fields; a wire without switchProtocols refuses a switch before sending anything', () => {
  const wire = new RecordingWire();
  const res = new Response(wire, 'GET');
  res.inform(103, { Link: ['</a.css>; rel=preload', '</b.js>; rel=preload'] });
  assert.deepEqual(wire.calls, [{ op: 'inform', status: 103, fields: ['Link', '</a.css>; rel=preload', 'Link', '</b.js>; rel=preload'] }]);
  const onSwitch: SwitchHandler = () => {};
  assert.throws(() => res.switchProtocols({ Upgrade: 'x' }, onSwitch), /cannot switch protocols/);
  assert.equal(res.headersSent, false);
});
