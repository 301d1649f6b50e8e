// The server's opening handshake checks (RFC 6455 §4.2.1) and answer (§4.2.2), pure: a request's
// method, version and fields in, either the 101's fields or a refusal that says what was wrong.
// A refusal is never an upgrade: the route answers it as an ordinary HTTP response.

import { createHash } from 'node:crypto';
import { isToken } from '../http1/chars.ts';
import { parseExtensions } from './extensions.ts';
import { negotiateDeflate, type DeflateParams, type PerMessageDeflateOptions } from './permessage-deflate.ts';

/** §1.3: the GUID appended to the key before hashing. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface HandshakeRequest {
  readonly method: string;
  readonly httpVersion: string;
  /** Whether the request carries a body (Content-Length > 0 or chunked). */
  readonly hasBody: boolean;
  header(name: string): string | undefined;
}

export interface HandshakeOptions {
  /** Subprotocols we speak, most preferred first; or a function choosing among those offered. */
  protocols?: readonly string[] | ((offered: readonly string[]) => string | null) | undefined;
  /** permessage-deflate settings (checked), or false for none. */
  deflate: Required<PerMessageDeflateOptions> | false;
}

export type HandshakeResult =
  | { ok: true; fields: Record<string, string>; protocol: string; extensions: string; deflate: DeflateParams | null }
  | { ok: false; status: 400 | 426; message: string; fields: Record<string, string> };

const KEY = /^[A-Za-z0-9+/]{22}==$/;

/** The value of Sec-WebSocket-Accept for a key (§4.2.2 step 5.4). */
export function acceptValue(key: string): string {
  return createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
}

/** Token-list membership, case-insensitive (RFC 9110 §5.6.1): "keep-alive, Upgrade" has "upgrade". */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}


// §4.2.1: a handshake that does not match gets an HTTP error (400), never a 101; a version we do
// not speak gets 426 with the version we do (§4.2.2).
function refuse(message: string, status: 400 | 426 = 400, fields: Record<string, string> = {}): HandshakeResult {
  return { ok: false, status, message, fields };
}

export function checkHandshake(req: HandshakeRequest, options: HandshakeOptions): HandshakeResult {
  // §4.2.1 items 1–6, in order, each with its own message.
  if (req.method !== 'GET') return refuse(`a WebSocket handshake is a GET, not ${req.method}`);
  if (req.httpVersion !== '1.1') return refuse('a WebSocket handshake needs HTTP/1.1');
  if (req.hasBody) return refuse('a WebSocket handshake carries no body');
  if (!hasToken(req.header('upgrade'), 'websocket')) return refuse('the Upgrade field must list "websocket"');
  if (!hasToken(req.header('connection'), 'upgrade')) return refuse('the Connection field must list "upgrade"');
  const key = req.header('sec-websocket-key');
  if (key === undefined) return refuse('Sec-WebSocket-Key is missing');
  // §4.1: the key is 16 random bytes, base64-encoded: exactly 24 characters, canonical encoding.
  if (!KEY.test(key) || Buffer.from(key, 'base64').length !== 16 || Buffer.from(key, 'base64').toString('base64') !== key) {
    return refuse('Sec-WebSocket-Key must be 16 bytes in base64 (24 characters), sent once');
  }
  // §4.2.2 / §4.4: a version we do not speak gets 426 naming the one we do.
  const version = req.header('sec-websocket-version');
  if (version?.trim() !== '13') {
    return refuse(version === undefined ? 'Sec-WebSocket-Version is missing; this server speaks version 13' : `Sec-WebSocket-Version ${JSON.stringify(version)} is not supported; this server speaks version 13`, 426, {
      'Sec-WebSocket-Version': '13',
    });
  }

  // §4.2.2 /subprotocol/: one of those the client offered, or none (no field at all).
  let protocol = '';
  const offeredField = req.header('sec-websocket-protocol');
  if (offeredField !== undefined) {
    const offered = offeredField.split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (offered.some((p) => !isToken(p)) || new Set(offered).size !== offered.length) return refuse('Sec-WebSocket-Protocol must be a list of distinct tokens');
    const ours = options.protocols;
    if (typeof ours === 'function') {
      const chosen = ours(offered);
      if (chosen !== null && !offered.includes(chosen)) throw new Error(`the protocols function chose ${JSON.stringify(chosen)}, which the client did not offer`);
      protocol = chosen ?? '';
    } else if (ours !== undefined) {
      protocol = ours.find((p) => offered.includes(p)) ?? '';
    }
  }

  let extensions = '';
  let deflate: DeflateParams | null = null;
  const extensionsField = req.header('sec-websocket-extensions');
  if (extensionsField !== undefined) {
    const offers = parseExtensions(extensionsField);
    if (offers === null) return refuse('Sec-WebSocket-Extensions is malformed (RFC 6455 §9.1)');
    if (options.deflate !== false) {
      const negotiated = negotiateDeflate(offers, options.deflate);
      if (negotiated !== null) {
        extensions = negotiated.response;
        deflate = negotiated.params;
      }
    }
  }

  const fields: Record<string, string> = { Upgrade: 'websocket', 'Sec-WebSocket-Accept': acceptValue(key) };
  if (protocol !== '') fields['Sec-WebSocket-Protocol'] = protocol;
  if (extensions !== '') fields['Sec-WebSocket-Extensions'] = extensions;
  return { ok: true, fields, protocol, extensions, deflate };
}
