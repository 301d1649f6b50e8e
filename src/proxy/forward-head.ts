// What crosses the proxy in each direction, as pure functions: the request head towards a backend
// and the response fields back to the client.
//
// - Hop-by-hop fields are dropped both ways (RFC 9110 §7.6.1): Connection and every field it names,
//   Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade (unless a tunnel is asked for),
//   Trailer; plus Content-Length and Expect on the request side, whose framing is ours (RFC 9112 §6:
//   we never forward a message whose framing we would refuse; the body goes out as what we read).
// - Via gets our hop appended (RFC 9110 §7.6.3), both ways.
// - X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239) are appended to only when the peer is a
//   trusted proxy (trusted_proxies); otherwise whatever the client sent in them is replaced, so a
//   client cannot make the backend believe an address it made up.

/** Request fields never forwarded as they are (lower case). */
const REQUEST_DROPS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer', 'content-length', 'expect', 'host', 'via', 'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
// The lengths of the names above: a field of another length is none of them, and its name is not
// lower-cased to find out (most fields of most messages).
const lengthsOf = (names: Set<string>): Uint8Array => {
  const t = new Uint8Array(64);
  for (const n of names) t[n.length] = 1;
  return t;
};

/** Response fields never forwarded as they are (lower case); Content-Length is the caller's to set.
 * Date and Server are the engine's, written on every response (as nginx replaces them). */
const RESPONSE_DROPS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer', 'content-length', 'via', 'date', 'server']);
const REQUEST_DROP_LENGTHS = lengthsOf(REQUEST_DROPS);
const RESPONSE_DROP_LENGTHS = lengthsOf(RESPONSE_DROPS);

/** Whether a field is dropped: one of `drops` (by length first), or named in Connection. */
function dropped(name: string, drops: Set<string>, lengths: Uint8Array, listed: Set<string> | null): boolean {
  if (listed === null && (name.length >= 64 || lengths[name.length] !== 1)) return false;
  const lower = name.toLowerCase();
  return drops.has(lower) || (listed !== null && listed.has(lower));
}

export interface ForwardContext {
  method: string;
  /** The path and query sent upstream (prefix kept or stripped by the caller). */
  target: string;
  /** The Host sent upstream. */
  host: string;
  /** The Host the client sent (for X-Forwarded-Host). */
  clientHost: string;
  /** The TCP peer ('' for a Unix socket). */
  peerAddress: string;
  /** Whether the peer is a trusted proxy: then forwarding fields it sent are kept and appended to. */
  peerTrusted: boolean;
  secure: boolean;
  /** "1.1", "1.0" or "2": the protocol received from the client, for Via. */
  receivedVersion: string;
  /** Our name in Via (a pseudonym is allowed: RFC 9110 §7.6.3). */
  viaName: string;
  /** Framing of the body sent upstream: its length, or -1 for chunked. */
  contentLength: number;
  /** A tunnel is asked for: Upgrade and "Connection: upgrade" go through. */
  upgrade: string | null;
}

/** Names listed in Connection fields (lower case): hop-by-hop too (RFC 9110 §7.6.1). */
export function connectionOptions(raw: readonly string[]): Set<string> | null {
  let out: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1]!.split(',')) {
      const t = token.trim().toLowerCase();
      if (t !== '') (out ??= new Set()).add(t);
    }
  }
  return out;
}

/** The value of one field (lower-case name), repeated lines joined with ", ". */
function fieldValue(raw: readonly string[], lower: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === lower.length && n.toLowerCase() === lower) found = found === undefined ? raw[i + 1]! : `${found}, ${raw[i + 1]!}`;
  }
  return found;
}

/** An IPv4 peer of a dual-stack socket ("::ffff:192.0.2.1") as the IPv4 address it is. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.indexOf('.') !== -1 ? address.slice(7) : address;
}

/** A node for Forwarded's for= (RFC 7239 §6): IPv6 in brackets and quotes, "unknown" for none. */
function forwardedNode(address: string): string {
  if (address === '') return 'unknown';
  return address.includes(':') ? `"[${address}]"` : address;
}

// A keep-alive client sends the same Host each time: its quoted form is kept.
let lastHost = '';
let lastHostValue = '';
function forwardedValue(s: string): string {
  if (s === lastHost) return lastHostValue;
  lastHost = s;
  lastHostValue = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s) ? s : `"${s.replace(/["\\]/g, '\\$&')}"`;
  return lastHostValue;
}

/** The request head sent to the backend, "METHOD target HTTP/1.1\r\n…\r\n". */
export function upstreamRequestHead(raw: readonly string[], ctx: ForwardContext): string {
  const listed = connectionOptions(raw);
  let head = `${ctx.method} ${ctx.target} HTTP/1.1\r\nHost: ${ctx.host}\r\n`;
  let cookies: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (dropped(name, REQUEST_DROPS, REQUEST_DROP_LENGTHS, listed)) continue;
    // An HTTP/2 client may split Cookie into one field per pair; HTTP/1.1 carries one line, the
    // pairs joined with "; " (RFC 9113 §8.2.3).
    if (name.length === 6 && name.toLowerCase() === 'cookie') {
      cookies = cookies === null ? raw[i + 1]! : `${cookies}; ${raw[i + 1]!}`;
      continue;
    }
    head += `${name}: ${raw[i + 1]!}\r\n`;
  }
  if (cookies !== null) head += `Cookie: ${cookies}\r\n`;
  const proto = ctx.secure ? 'https' : 'http';
  const peer = plainAddress(ctx.peerAddress);
  const client = peer === '' ? 'unknown' : peer;
  const prior = (lower: string): string | undefined => (ctx.peerTrusted ? fieldValue(raw, lower) : undefined);
  const xff = prior('x-forwarded-for');
  head += `X-Forwarded-For: ${xff === undefined ? client : `${xff}, ${client}`}\r\n`;
  head += `X-Forwarded-Proto: ${prior('x-forwarded-proto') ?? proto}\r\n`;
  head += `X-Forwarded-Host: ${prior('x-forwarded-host') ?? ctx.clientHost}\r\n`;
  const fwd = prior('forwarded');
  const ours = `for=${forwardedNode(peer)};host=${forwardedValue(ctx.clientHost)};proto=${proto}`;
  head += `Forwarded: ${fwd === undefined ? ours : `${fwd}, ${ours}`}\r\n`;
  // Via is a record of the hops, not a claim about the client: appended to whatever came before.
  const via = fieldValue(raw, 'via');
  // received-protocol is the version as HTTP writes it: "1.1", "1.0", "2" (RFC 9110 §7.6.3).
  const hop = `${ctx.receivedVersion === '2.0' ? '2' : ctx.receivedVersion} ${ctx.viaName}`;
  head += `Via: ${via === undefined ? hop : `${via}, ${hop}`}\r\n`;
  if (ctx.upgrade !== null) head += `Connection: upgrade\r\nUpgrade: ${ctx.upgrade}\r\n`;
  if (ctx.contentLength === -1) head += 'Transfer-Encoding: chunked\r\n';
  else if (ctx.contentLength > 0 || methodExpectsBody(ctx.method)) head += `Content-Length: ${ctx.contentLength}\r\n`;
  return head + '\r\n';
}

/** RFC 9110 §8.6: a user agent sends Content-Length: 0 for a bodiless POST/PUT/PATCH; so do we. */
function methodExpectsBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** The response fields the client gets (name, value, …): hop-by-hop gone, our hop added to Via. */
export function downstreamResponseFields(raw: readonly string[], viaName: string): string[] {
  const listed = connectionOptions(raw);
  const out: string[] = [];
  let via: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (!dropped(name, RESPONSE_DROPS, RESPONSE_DROP_LENGTHS, listed)) {
      out.push(name, raw[i + 1]!);
      continue;
    }
    if (name.length === 3 && name.toLowerCase() === 'via') via = via === undefined ? raw[i + 1]! : `${via}, ${raw[i + 1]!}`;
  }
  out.push('Via', via === undefined ? `1.1 ${viaName}` : `${via}, 1.1 ${viaName}`);
  return out;
}
