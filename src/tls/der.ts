// A minimal DER writer (ITU-T X.690 §8 basic encoding, §10 distinguished rules): just the types an
// X.509 certificate needs. Each function returns the complete TLV (tag, length, value) as a Buffer,
// so a structure is built by nesting calls: seq(int(2), oid('2.5.4.3'), …).

const TAG_BOOLEAN = 0x01;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_NULL = 0x05;
const TAG_OID = 0x06;
const TAG_UTF8_STRING = 0x0c;
const TAG_PRINTABLE_STRING = 0x13;
const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_SEQUENCE = 0x30; // constructed
const TAG_SET = 0x31; // constructed

/** X.690 §8.1.3: short form below 128, else 0x80|n followed by n big-endian length octets. */
function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One TLV with an arbitrary tag octet (low-tag-number form, tags 0–30 only). */
export function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export function seq(...items: Buffer[]): Buffer {
  return tlv(TAG_SEQUENCE, Buffer.concat(items));
}

/** SET OF: X.690 §11.6 (DER) requires the encodings sorted as octet strings. */
export function set(...items: Buffer[]): Buffer {
  return tlv(TAG_SET, Buffer.concat([...items].sort(Buffer.compare)));
}

export function bool(value: boolean): Buffer {
  // X.690 §11.1: DER encodes TRUE as 0xFF.
  return tlv(TAG_BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

/**
 * INTEGER from a non-negative number or from unsigned big-endian bytes. X.690 §8.3.2: minimal
 * two's-complement, so leading zero octets are dropped and one is added when the top bit is set.
 */
export function int(value: number | Buffer): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`der: cannot encode ${value} as an unsigned INTEGER`);
    const octets: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
    bytes = Buffer.from(octets.length === 0 ? [0] : octets);
  } else {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    bytes = value.length === 0 ? Buffer.from([0]) : value.subarray(start);
  }
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG_INTEGER, bytes);
}

/** BIT STRING with no unused bits (keys, signatures and DER-encoded contents are whole octets). */
export function bitString(bytes: Buffer): Buffer {
  return tlv(TAG_BIT_STRING, Buffer.concat([Buffer.from([0]), bytes]));
}

/**
 * BIT STRING for a named-bit list such as KeyUsage (X.690 §11.2.2: trailing zero bits are removed,
 * and the first octet says how many bits of the last octet are unused). bits[i] is bit number i.
 */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(-1, ...bits);
  if (highest < 0) return tlv(TAG_BIT_STRING, Buffer.from([0]));
  const octets = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) octets[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest & 7);
  return tlv(TAG_BIT_STRING, Buffer.concat([Buffer.from([unused]), octets]));
}

export function octetString(bytes: Buffer): Buffer {
  return tlv(TAG_OCTET_STRING, bytes);
}

export function nul(): Buffer {
  return tlv(TAG_NULL, Buffer.alloc(0));
}

/** OBJECT IDENTIFIER from dotted form; X.690 §8.19: first two arcs combined, base-128 arcs. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`der: bad OID ${dotted}`);
    return Number(a);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2) throw new RangeError(`der: bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(TAG_OID, Buffer.from(out));
}

export function utf8String(s: string): Buffer {
  return tlv(TAG_UTF8_STRING, Buffer.from(s, 'utf8'));
}

/** PrintableString: X.680 §41.4 restricts it to letters, digits, space and '()+,-./:=?. */
export function printableString(s: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s)) throw new RangeError(`der: "${s}" is not a PrintableString`);
  return tlv(TAG_PRINTABLE_STRING, Buffer.from(s, 'latin1'));
}

/**
 * A certificate validity time. RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, and
 * GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050; seconds always present, always UTC, no fractions.
 */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20260102030405
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`der: year ${year} cannot be a certificate time`);
  return year < 2050 ? tlv(TAG_UTC_TIME, Buffer.from(digits.slice(2) + 'Z', 'latin1')) : tlv(TAG_GENERALIZED_TIME, Buffer.from(digits + 'Z', 'latin1'));
}

/** [n] EXPLICIT: a constructed context-specific tag wrapping a complete TLV. */
export function explicit(n: number, inner: Buffer): Buffer {
  return tlv(0xa0 | n, inner);
}

/** [n] IMPLICIT on a primitive value (replaces the tag; the content octets stay). */
export function implicitPrimitive(n: number, content: Buffer): Buffer {
  return tlv(0x80 | n, content);
}

/** PEM armour (RFC 7468 §2): base64 in 64-character lines between BEGIN/END labels. */
export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
