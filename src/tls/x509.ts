// An X.509 v3 certificate builder (RFC 5280) on top of der.ts and node:crypto signing. It makes what
// a development server needs — a self-signed server certificate — and, for tests, small chains
// (a CA signing an intermediate signing a leaf). It never parses certificates: node:crypto's
// X509Certificate does that.

import { createHash, sign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { bitString, bool, explicit, implicitPrimitive, int, namedBits, nul, octetString, oid, seq, set, time, toPem, utf8String } from './der.ts';

export interface DistinguishedName {
  commonName: string;
  organization?: string;
}

export interface CertificateSpec {
  subject: DistinguishedName;
  /** The certified key. */
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Positive serial, at most 20 octets (RFC 5280 §4.1.2.2); random when absent. */
  serial: Buffer;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  /** A CA certificate (basicConstraints cA, keyCertSign) instead of a server certificate. */
  isCa?: boolean;
  /** Who signs: absent means self-signed with signingKey. */
  issuer?: { name: DistinguishedName; publicKey: KeyObject };
  /** The issuer's private key (the subject's own for a self-signed certificate). */
  signingKey: KeyObject;
}

// RFC 5280 §4.1.1.2 / RFC 5758 §3.2 / RFC 4055 / RFC 8410: signature algorithm per key type.
// ECDSA and Ed25519 identifiers carry no parameters; RSA's carries an explicit NULL.
function signatureAlgorithm(key: KeyObject): { id: Buffer; hash: string | null } {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { id: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' };
      return { id: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
    }
    case 'rsa':
      return { id: seq(oid('1.2.840.113549.1.1.11'), nul()), hash: 'sha256' };
    case 'ed25519':
      return { id: seq(oid('1.3.101.112')), hash: null };
    default:
      throw new Error(`x509: cannot sign with a ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
}

function encodeName(dn: DistinguishedName): Buffer {
  // Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue); UTF8String per
  // RFC 5280 §4.1.2.4 for new certificates.
  const rdns: Buffer[] = [];
  if (dn.organization !== undefined) rdns.push(set(seq(oid('2.5.4.10'), utf8String(dn.organization))));
  rdns.push(set(seq(oid('2.5.4.3'), utf8String(dn.commonName))));
  return seq(...rdns);
}

/** Key identifier (RFC 5280 §4.2.1.2; RFC 7093 allows any hash): SHA-256 of the key, 160 bits. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest().subarray(0, 20);
}

/** An IP address as the 4 or 16 octets of an iPAddress GeneralName (RFC 5280 §4.2.1.6). */
export function ipBytes(address: string): Buffer {
  const ip = address.replace(/%.*$/, ''); // an IPv6 zone is local to this host, not part of the name
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new RangeError(`x509: ${address} is not an IP address`);
  let text = ip;
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    // ::ffff:1.2.3.4 — the last 32 bits written as IPv4 (RFC 4291 §2.2 form 3).
    const v4 = dotted[1]!.split('.').map(Number);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = text.slice(0, dotted.index + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = [...(rest === undefined ? [] : parse(rest)), ...tail];
  const zeros = 8 - left.length - right.length;
  const groups = rest === undefined ? [...left, ...right] : [...left, ...new Array<number>(zeros).fill(0), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
  return critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value));
}

function extensions(spec: CertificateSpec): Buffer {
  const list: Buffer[] = [];
  const ca = spec.isCa === true;
  // §4.2.1.9 basicConstraints, critical; DER omits cA when it is the default FALSE.
  list.push(extension('2.5.29.19', true, ca ? seq(bool(true)) : seq()));
  // §4.2.1.3 keyUsage, critical: digitalSignature(0) for (EC)DHE signatures, keyEncipherment(2) for
  // RSA key transport in TLS 1.2, keyCertSign(5) and cRLSign(6) for a CA.
  const usage = ca ? [0, 5, 6] : spec.publicKey.asymmetricKeyType === 'rsa' ? [0, 2] : [0];
  list.push(extension('2.5.29.15', true, namedBits(usage)));
  // §4.2.1.12 extKeyUsage: id-kp-serverAuth.
  if (!ca) list.push(extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))));
  // §4.2.1.6 subjectAltName: dNSName [2] IA5String, iPAddress [7] OCTET STRING.
  const names = [
    ...(spec.dnsNames ?? []).map((n) => implicitPrimitive(2, Buffer.from(n, 'ascii'))),
    ...(spec.ipAddresses ?? []).map((a) => implicitPrimitive(7, ipBytes(a))),
  ];
  if (names.length > 0) list.push(extension('2.5.29.17', false, seq(...names)));
  // §4.2.1.2 subjectKeyIdentifier and §4.2.1.1 authorityKeyIdentifier ([0] keyIdentifier).
  list.push(extension('2.5.29.14', false, octetString(keyIdentifier(spec.publicKey))));
  const authorityKey = spec.issuer?.publicKey ?? spec.publicKey;
  list.push(extension('2.5.29.35', false, seq(implicitPrimitive(0, keyIdentifier(authorityKey)))));
  return explicit(3, seq(...list));
}

/** Builds and signs a certificate; returns its DER bytes and PEM text. */
export function buildCertificate(spec: CertificateSpec): { der: Buffer; pem: string } {
  if (spec.serial.length === 0 || spec.serial.length > 20) throw new RangeError('x509: a serial is 1 to 20 octets');
  const algorithm = signatureAlgorithm(spec.signingKey);
  const tbs = seq(
    explicit(0, int(2)), // version v3
    int(Buffer.concat([Buffer.from([0]), spec.serial])), // leading zero keeps it positive
    algorithm.id,
    encodeName(spec.issuer?.name ?? spec.subject),
    seq(time(spec.notBefore), time(spec.notAfter)),
    encodeName(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    extensions(spec),
  );
  // ECDSA signatures go in as the DER Ecdsa-Sig-Value (RFC 5480 §2.2 / RFC 5758 §3.2).
  const signature = sign(algorithm.hash, tbs, { key: spec.signingKey, dsaEncoding: 'der' });
  const der = seq(tbs, algorithm.id, bitString(signature));
  return { der, pem: toPem('CERTIFICATE', der) };
}

/** A DNS name usable in a dNSName entry (LDH labels, RFC 5280 §4.2.1.6 / RFC 1123 §2.1). */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label));
}
