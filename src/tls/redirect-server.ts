// The optional plain-HTTP listener (redirect_http_port) that sends every request to the HTTPS site:
// 308 Permanent Redirect (RFC 9110 §15.4.9), which, unlike 301, keeps the method and body, so a
// form POSTed to http:// is re-POSTed to https://. The host comes from the request (Host, or the
// absolute-form authority) without its port; the HTTPS port is ours; path and query are kept as sent.

import { createServer, type HttpServer, type ServerOptions } from '../server/http-server.ts';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';

export interface RedirectOptions {
  /** The port the HTTPS server listens on (left out of the URL when 443). */
  httpsPort: number;
  /** Host used when the request names none (an HTTP/1.0 client without Host). */
  fallbackHost: string;
  serverName?: string;
  timeouts?: ServerOptions['timeouts'];
  limits?: ServerOptions['limits'];
  maxConnections?: number;
}

// RFC 3986 §3.2.2 host: IP-literal in brackets, or reg-name / IPv4address characters.
const IP_LITERAL = /^\[[0-9A-Fa-f:.]+\]/;
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=%]+/;

/** The host part of an authority ("example.com:8080" → "example.com", "[::1]:80" → "[::1]"), or null if malformed. */
export function hostWithoutPort(authority: string): string | null {
  const m = IP_LITERAL.exec(authority) ?? REG_NAME.exec(authority);
  if (m === null) return null;
  const rest = authority.slice(m[0].length);
  if (rest !== '' && !/^:\d*$/.test(rest)) return null;
  return m[0].toLowerCase();
}

/** The https:// URL a request is redirected to, or null when it names no usable host or target. */
export function redirectLocation(req: Request, options: Pick<RedirectOptions, 'httpsPort' | 'fallbackHost'>): string | null {
  const authority = req.host === '' ? options.fallbackHost : req.host;
  const host = hostWithoutPort(authority);
  if (host === null) return null;
  let target: string;
  if (req.targetForm === 'origin') target = req.target;
  else if (req.targetForm === 'absolute') target = req.path + (req.query === '' ? '' : `?${req.query}`);
  else return null; // "*" (OPTIONS) and authority-form (CONNECT) name no resource to redirect to
  const port = options.httpsPort === 443 ? '' : `:${options.httpsPort}`;
  return `https://${host}${port}${target}`;
}

export function redirectHandler(options: Pick<RedirectOptions, 'httpsPort' | 'fallbackHost'>): (req: Request, res: Response) => void {
  return (req, res) => {
    const location = redirectLocation(req, options);
    if (location === null) {
      res.send(400, 'Bad Request: this listener only redirects to HTTPS, and the request names no usable host or path\n');
      return;
    }
    res.setHeader('Location', location);
    res.setHeader('Cache-Control', 'no-cache');
    // A tiny body for clients that do not follow redirects (RFC 9110 §15.4: SHOULD include a hyperlink).
    const href = location.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    res.send(308, `<!doctype html><title>308 Permanent Redirect</title><p>This site is served over HTTPS: <a href="${href}">${href}</a></p>\n`, 'text/html; charset=utf-8');
  };
}

/** A plain-HTTP server that redirects everything to the HTTPS one. Call listen() on it. */
export function createRedirectServer(options: RedirectOptions): HttpServer {
  return createServer({
    handler: redirectHandler(options),
    serverName: options.serverName ?? 'httpcraft',
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
}
