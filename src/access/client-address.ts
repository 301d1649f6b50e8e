// Who the client is when the server sits behind proxies. The peer of the TCP connection is the
// client unless that peer is a trusted proxy (trusted_proxies, CIDRs; empty by default, so a
// forwarding header is never believed unless configured). Then the client comes from the
// forwarding header, read right to left: each proxy appends the address it received the connection
// from, so the entries on the right were written by our own proxies and those on the left may be
// anything the client sent. The first address from the right that is not a trusted proxy is the
// client; everything left of it is ignored (a client cannot spoof its way past our proxies).
//
// `Forwarded` (RFC 7239 §4) wins over `X-Forwarded-For` when both are present: it is the standard
// field. A `for=` that is `unknown` or an obfuscated identifier (§6.2, §6.3) names no address; the
// walk stops there and the client is the nearest known hop to its right (the proxy that hid it),
// never an entry further left, which the hidden client could have written itself.
//
// A Unix-socket peer has no address (""): it is on this machine, so it counts as loopback — it is a
// trusted proxy when trusted_proxies covers 127.0.0.1 or ::1 (nginx → unix socket → us).
//
// Resolved once per request by the middleware below and kept in req.locals; when trusted_proxies is
// empty there is no middleware at all and clientAddressOf() is the peer address, at no cost.

import { isIP } from 'node:net';
import type { Middleware } from '../app/pipeline.ts';
import { networkMatcher } from '../status/access.ts';

/** What resolution reads from a request (a Request fits). */
export interface AddressSubject {
  readonly remoteAddress: string;
  header(name: string): string | undefined;
  local(name: string): unknown;
}

const LOCAL_KEY = 'clientAddress';

/** The client's address for logs and limits: the resolved one when a proxy forwarded it, else the peer's. */
export function clientAddressOf(req: AddressSubject): string {
  const resolved = req.local(LOCAL_KEY);
  return typeof resolved === 'string' ? resolved : req.remoteAddress;
}

/** The resolver for a trusted_proxies list (validated by the caller: a bad CIDR throws). */
export function clientAddressResolver(trustedProxies: readonly string[]): (req: AddressSubject) => string {
  const matches = networkMatcher(trustedProxies, 'trusted_proxies');
  const localTrusted = matches('127.0.0.1') || matches('::1');
  const trusted = (address: string): boolean => (address === '' ? localTrusted : matches(address));
  return (req) => {
    const peer = req.remoteAddress;
    if (!trusted(peer)) return peer;
    const forwarded = req.header('forwarded');
    const hops = forwarded !== undefined ? forwardedFor(forwarded) : xForwardedFor(req.header('x-forwarded-for'));
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (hop === null) break; // unknown or obfuscated: nothing to its left can be believed
      client = hop;
      if (!trusted(hop)) break;
    }
    return client;
  };
}

/** The middleware that resolves the address once, early in the chain; null when nothing is trusted. */
export function resolveClientAddress(trustedProxies: readonly string[]): Middleware | null {
  if (trustedProxies.length === 0) return null;
  const resolve = clientAddressResolver(trustedProxies);
  return (req, _res, next) => {
    const address = resolve(req);
    if (address !== req.remoteAddress) req.locals[LOCAL_KEY] = address;
    return next();
  };
}

/** The `for=` addresses of a Forwarded field, in order; null for an element without a usable one. */
export function forwardedFor(value: string): Array<string | null> {
  const out: Array<string | null> = [];
  for (const element of splitOutsideQuotes(value, ',')) {
    let node: string | null = null;
    for (const pair of splitOutsideQuotes(element, ';')) {
      const eq = pair.indexOf('=');
      if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
      node = nodeAddress(unquote(pair.slice(eq + 1).trim()));
      break;
    }
    out.push(node);
  }
  return out;
}

/** The addresses of an X-Forwarded-For field, in order (null for an entry that is not an address). */
export function xForwardedFor(value: string | undefined): Array<string | null> {
  if (value === undefined) return [];
  return value.split(',').map((entry) => nodeAddress(entry.trim()));
}

/**
 * An address from a node name (RFC 7239 §6): "192.0.2.43", "192.0.2.43:47011", "[2001:db8::1]",
 * "[2001:db8::1]:4711", or a bare IPv6 address (as X-Forwarded-For writes it); null otherwise
 * ("unknown", "_hidden", garbage).
 */
export function nodeAddress(node: string): string | null {
  if (node.startsWith('[')) {
    const end = node.indexOf(']');
    if (end === -1) return null;
    const ip = node.slice(1, end);
    const rest = node.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    return isIP(ip) === 6 ? ip : null;
  }
  if (isIP(node) !== 0) return node;
  const colon = node.lastIndexOf(':');
  if (colon !== -1 && node.indexOf(':') === colon && /^\d{1,5}$/.test(node.slice(colon + 1))) {
    const ip = node.slice(0, colon);
    return isIP(ip) === 4 ? ip : null;
  }
  return null;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1'); // quoted-pair, RFC 9110 §5.6.4
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}
