// Who may see the status dashboard and metrics (and the health probes, when health_public is off).
// Safe by default: loopback clients only. A configured allow list (CIDR, IPv4 and IPv6) replaces the
// loopback default; a configured token admits any client that presents it. Everyone else is told the
// page does not exist (404), so the endpoints are not advertised to the network.
//
// A client on a Unix socket has no address (the connection reports ""): it is on this machine, so it
// counts as loopback, admitted wherever 127.0.0.1 or ::1 is. (A TCP peer gone before we asked for its
// address also reports "", but it cannot read an answer, and these pages change nothing.)
//
// Addresses are compared as 16-byte IPv6 values: an IPv4 address a.b.c.d becomes ::ffff:a.b.c.d
// (RFC 4291 §2.5.5.2) and an IPv4 prefix /p becomes /(96+p). A dual-stack listener reports IPv4
// peers in that mapped form, so one comparison covers both spellings of the same client.

import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export const LOOPBACK_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128'];

interface Network {
  bytes: Uint8Array;
  prefix: number;
}

/** An address as 16 bytes, or null when it is not an IP address. */
export function addressBytes(address: string): Uint8Array | null {
  const zone = address.indexOf('%'); // fe80::1%eth0: the zone names an interface, not an address
  const ip = zone === -1 ? address : address.slice(0, zone);
  if (isIPv4(ip)) {
    const out = new Uint8Array(16);
    out[10] = 0xff;
    out[11] = 0xff;
    const parts = ip.split('.');
    for (let i = 0; i < 4; i++) out[12 + i] = Number(parts[i]);
    return out;
  }
  if (!isIPv6(ip)) return null;
  let head = ip;
  let v4tail: Uint8Array | null = null;
  const lastColon = ip.lastIndexOf(':');
  if (ip.indexOf('.', lastColon) !== -1) {
    // Embedded dotted quad (::ffff:1.2.3.4, 64:ff9b::1.2.3.4): the last 32 bits.
    v4tail = addressBytes(ip.slice(lastColon + 1))!.subarray(12);
    head = ip.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves.length > 1 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const value = parseInt(groups[i]!, 16);
    out[i * 2] = value >> 8;
    out[i * 2 + 1] = value & 0xff;
  }
  if (v4tail !== null) out.set(v4tail, 12);
  return out;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128); throws on anything else. */
export function parseNetwork(cidr: string, key = 'status_allow'): Network {
  const text = cidr.trim();
  const slash = text.indexOf('/');
  const ip = slash === -1 ? text : text.slice(0, slash);
  const bytes = addressBytes(ip);
  if (bytes === null || ip.includes('%')) throw new RangeError(`${key}: ${JSON.stringify(cidr)} is not an IP address or CIDR network`);
  const v4 = isIPv4(ip);
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new RangeError(`${key}: ${JSON.stringify(cidr)} has a prefix length outside 0-${max}`);
    prefix = Number(p);
  }
  return { bytes, prefix: v4 ? prefix + 96 : prefix };
}

function inNetwork(addr: Uint8Array, net: Network): boolean {
  const full = net.prefix >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== net.bytes[i]) return false;
  const rest = net.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr[full]! & mask) === (net.bytes[full]! & mask);
}

/** A matcher for a list of networks (parsed once). */
export function networkMatcher(cidrs: readonly string[], key?: string): (address: string) => boolean {
  const nets = cidrs.map((cidr) => parseNetwork(cidr, key));
  return (address) => {
    const bytes = addressBytes(address);
    if (bytes === null) return false;
    for (const net of nets) if (inNetwork(bytes, net)) return true;
    return false;
  };
}

export interface AccessOptions {
  /** Networks allowed without a token; empty means loopback only (Unix-socket clients count as loopback). */
  allow?: readonly string[];
  /** A shared secret: "Authorization: Bearer <token>" or "?token=<token>" admits any client. */
  token?: string | null;
}

/** What the guard looks at; a Request fits, and tests can fake the remote address. */
export interface AccessSubject {
  readonly remoteAddress: string;
  readonly query: string;
  header(name: string): string | undefined;
}

export type AccessGuard = (subject: AccessSubject) => boolean;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token a request presents, if any: the Bearer credentials (RFC 6750 §2.1) or ?token=. */
export function presentedToken(subject: AccessSubject): string | undefined {
  const auth = subject.header('authorization');
  if (auth !== undefined) {
    // RFC 9110 §11.1: the auth scheme is case-insensitive.
    const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (m !== null) return m[1];
  }
  if (subject.query.includes('token=')) {
    const t = new URLSearchParams(subject.query).get('token');
    if (t !== null) return t;
  }
  return undefined;
}

export function createAccessGuard(options: AccessOptions = {}): AccessGuard {
  const allow = options.allow !== undefined && options.allow.length > 0 ? options.allow : LOOPBACK_NETWORKS;
  const allowed = networkMatcher(allow);
  const localAllowed = allowed('127.0.0.1') || allowed('::1');
  const token = options.token ?? null;
  if (token !== null && token.length === 0) throw new RangeError('status_token: an empty token would admit everyone; use null to disable it');
  const expected = token === null ? null : digest(token);
  return (subject) => {
    const address = subject.remoteAddress;
    if (address === '' ? localAllowed : allowed(address)) return true;
    if (expected === null) return false;
    const given = presentedToken(subject);
    // Compare digests in constant time so the response time says nothing about the token.
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}
