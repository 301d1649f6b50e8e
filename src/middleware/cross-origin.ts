// Cross-origin write protection: a page on another origin must not be able to make the visitor's
// browser write to this server (a form that submits itself, a fetch PUT). The rule is the one of
// Go's net/http CrossOriginProtection, which relies on what browsers send with every request:
// 1. Sec-Fetch-Site (Fetch Metadata, sent by every current browser): "same-origin" or "none" (typed
//    in, a bookmark) is allowed; "same-site" and "cross-site" are another origin. same-site is not
//    enough: http://localhost:8126 and http://localhost:8125 are the same site, yet a page served
//    on one must not write to the other.
// 2. Without Sec-Fetch-Site (older browsers), an Origin header (RFC 6454 §7; "null" included) that
//    differs from this request's own origin (the connection's scheme plus Host) is another origin.
// 3. Neither header: not a browser, or a same-origin request of a very old one (curl, scripts):
//    allowed, since no page can make a browser leave both out.
// An origin is trusted for writes only when CORS is on and lists it literally with the method:
// "*" and "*." patterns say who may READ, and must never open writes to every site on the web.
// Safe methods (GET, HEAD, OPTIONS) are never checked: callers put this on the write paths only.

import type { Request } from '../server/request.ts';
import { HttpError } from '../app/http-error.ts';
import { DEFAULT_CORS_METHODS } from './cors.ts';

export interface CrossOriginOptions {
  /** enable_cors. */
  enableCors?: boolean | undefined;
  /** cors_allow_origin: only literal origins count ("*" and patterns never trust writes). */
  allowOrigin?: string | readonly string[] | undefined;
  /** cors_allow_methods. */
  allowMethods?: readonly string[] | undefined;
}

/** Throws 403 when a request comes from another origin that is not trusted for its method. */
export type CrossOriginGuard = (req: Request) => void;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** "http://Example.com:80/" → "http://example.com"; null for what is not a tuple origin. */
function normalOrigin(text: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return null;
  try {
    const origin = new URL(text).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** This request's own origin: the connection's scheme and the Host it addressed. */
function ownOrigin(req: Request): string | null {
  const host = req.host;
  return host === '' ? null : normalOrigin(`${req.secure ? 'https' : 'http'}://${host}`);
}

export function createCrossOriginGuard(options: CrossOriginOptions = {}): CrossOriginGuard {
  const corsOn = options.enableCors === true;
  const entries = typeof options.allowOrigin === 'string' ? [options.allowOrigin] : (options.allowOrigin ?? ['*']);
  // Worked out once: the literal origins listed, and the methods CORS allows them.
  const listed = new Set<string>();
  for (const entry of entries) {
    const origin = entry.includes('*') ? null : normalOrigin(entry.trim());
    if (origin !== null) listed.add(origin);
  }
  const methods = new Set((options.allowMethods ?? DEFAULT_CORS_METHODS).map((m) => m.toUpperCase()));
  const trusted = (origin: string | null, method: string): boolean => corsOn && origin !== null && listed.has(origin) && methods.has(method);

  /** Why the request is refused, and which keys would allow it. */
  const refusal = (req: Request, origin: string | undefined, evidence: string): HttpError => {
    const normal = origin === undefined ? null : normalOrigin(origin);
    const steps: string[] = [];
    if (!corsOn) steps.push('turn on enable_cors');
    if (normal !== null && !listed.has(normal)) steps.push(`list "${normal}" in cors_allow_origin ("*" and patterns never allow writes)`);
    if (!methods.has(req.method)) steps.push(`add ${req.method} to cors_allow_methods`);
    const fix =
      normal !== null
        ? `To accept writes from ${normal}: ${steps.join(', and ')}.`
        : origin === undefined
          ? 'The browser did not say which origin it came from, so no setting can allow it.'
          : `Origin "${origin}" (a sandboxed frame or a local file) is never trusted for writes.`;
    const from = origin === undefined ? 'another site' : origin;
    return new HttpError(403, `Cross-origin write refused: ${req.method} from ${from} (${evidence}) to ${ownOrigin(req) ?? 'this server'}. Writes are accepted from this server's own pages. ${fix}`);
  };

  return (req: Request): void => {
    const method = req.method;
    if (SAFE_METHODS.has(method)) return;
    const site = req.header('sec-fetch-site')?.trim().toLowerCase();
    const origin = req.header('origin')?.trim();
    let evidence: string;
    if (site !== undefined && site !== '') {
      if (site === 'same-origin' || site === 'none') return;
      evidence = `Sec-Fetch-Site: ${site}`;
    } else {
      if (origin === undefined) return;
      const own = ownOrigin(req);
      if (own !== null && normalOrigin(origin) === own) return;
      evidence = `Origin: ${origin}`;
    }
    if (origin !== undefined && trusted(normalOrigin(origin), method)) return;
    throw refusal(req, origin, evidence);
  };
}
