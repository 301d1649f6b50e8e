import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bitString, bool, int, namedBits, oid, seq, set, time, tlv, toPem, utf8String, printableString, explicit, implicitPrimitive, nul } from '../../src/tls/der.ts';

const hex = (b: Buffer): string => b.toString('hex');

test('encodes INTEGER minimally, adding a zero octet when the top bit is set (X.690 §8.3.2)', () => {
  assert.equal(hex(int(0)), '020100');
  assert.equal(hex(int(127)), '02017f');
  assert.equal(hex(int(128)), '02020080');
  assert.equal(hex(int(256)), '02020100');
  assert.equal(hex(int(2)), '020102');
  assert.equal(hex(int(Buffer.from([0, 0, 0x12, 0x34]))), '02021234');
  assert.equal(hex(int(Buffer.from([0xff, 0x01]))), '020300ff01');
  assert.equal(hex(int(Buffer.from([0, 0]))), '020100');
  assert.throws(() => int(-1), RangeError);
});

test('uses the short length form below 128 and the long form above (X.690 §8.1.3)', () => {
  assert.equal(hex(tlv(0x04, Buffer.alloc(127))).slice(0, 4), '047f');
  assert.equal(hex(tlv(0x04, Buffer.alloc(128))).slice(0, 6), '048180');
  assert.equal(hex(tlv(0x04, Buffer.alloc(300))).slice(0, 8), '0482012c');
  assert.equal(tlv(0x04, Buffer.alloc(70000)).subarray(0, 5).toString('hex'), '0483011170');
});

test('encodes OBJECT IDENTIFIERs with base-128 arcs (X.690 §8.19)', () => {
  assert.equal(hex(oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
  assert.equal(hex(oid('2.5.29.17')), '0603551d11');
  assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.throws(() => oid('3.1'), RangeError);
  assert.throws(() => oid('1.x'), RangeError);
});

test('switches from UTCTime to GeneralizedTime in 2050 (RFC 5280 §4.1.2.5)', () => {
  assert.equal(time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59))).toString('latin1'), '\x17\x0d491231235959Z');
  assert.equal(time(new Date(Date.UTC(2050, 0, 1, 0, 0, 0))).toString('latin1'), '\x18\x0f20500101000000Z');
  assert.equal(time(new Date(Date.UTC(1999, 0, 2, 3, 4, 5, 678))).toString('latin1'), '\x17\x0d990102030405Z');
});

test('encodes named bit strings without trailing zero bits (X.690 §11.2.2)', () => {
  assert.equal(hex(namedBits([0])), '03020780'); // digitalSignature
  assert.equal(hex(namedBits([0, 2])), '030205a0'); // digitalSignature, keyEncipherment
  assert.equal(hex(namedBits([0, 5, 6])), '03020186'); // + keyCertSign, cRLSign
  assert.equal(hex(namedBits([8])), '0303070080'); // decipherOnly
  assert.equal(hex(namedBits([])), '030100');
  assert.equal(hex(bitString(Buffer.from([0xab]))), '030200ab');
});

test('sorts SET OF members and encodes the simple types', () => {
  assert.equal(hex(set(int(5), int(1))), '3106020101020105');
  assert.equal(hex(seq()), '3000');
  assert.equal(hex(bool(true)), '0101ff');
  assert.equal(hex(bool(false)), '010100');
  assert.equal(hex(nul()), '0500');
  assert.equal(hex(utf8String('é')), '0c02c3a9');
  assert.equal(hex(printableString('Ab 1')), '130441622031');
  assert.throws(() => printableString('a@b'), RangeError);
  assert.equal(hex(explicit(0, int(2))), 'a003020102');
  assert.equal(hex(implicitPrimitive(2, Buffer.from('a'))), '820161');
});

test('wraps PEM at 64 characters (RFC 7468 §2)', () => {
  const pem = toPem('CERTIFICATE', Buffer.alloc(100, 7));
  const lines = pem.trim().split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.equal(lines.at(-1), '-----END CERTIFICATE-----');
  assert.equal(lines[1]!.length, 64);
  assert.equal(Buffer.from(lines.slice(1, -1).join(''), 'base64').length, 100);
});
