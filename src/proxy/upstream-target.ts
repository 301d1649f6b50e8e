// Where a backend is: scheme, host, port and the authority to name it by (Host when rewritten, log
// lines, the status page). Parsed once from the route's `to` URL; a URL with a path, query,
// credentials or another scheme is refused at start-up with the reason.

export interface UpstreamTarget {
  /** The URL as configured, for log lines and the status page. */
  readonly url: string;
  readonly tls: boolean;
  /** Host name or address to connect to (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** host[:port] as a Host field carries it (RFC 9110 §7.2), brackets around IPv6. */
  readonly authority: string;
}

/** The target for a `to` URL, or a problem in words. */
export function parseUpstreamUrl(text: string): UpstreamTarget | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: `${JSON.stringify(text)} is not a URL (expected http://host:port or https://host:port)` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `${JSON.stringify(text)}: only http:// and https:// upstreams are supported` };
  if (url.username !== '' || url.password !== '') return { problem: `${JSON.stringify(text)}: credentials in an upstream URL are not supported` };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return { problem: `${JSON.stringify(text)}: an upstream URL names a server only (no path or query); use strip_prefix to drop the route's prefix` };
  }
  const tls = url.protocol === 'https:';
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const authority = url.port === '' ? url.hostname : `${url.hostname}:${url.port}`;
  return { url: `${url.protocol}//${authority}`, tls, hostname, port, authority };
}
