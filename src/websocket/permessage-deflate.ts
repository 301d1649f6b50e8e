// permessage-deflate negotiation (RFC 7692 §5, §7.1), pure: the client's offers in, the accepted
// parameters and the response field out. The first acceptable offer wins (§5.1); an offer is
// declined, and the next one tried, when it has an unknown parameter, a parameter twice, a bad value
// (§7.1), or asks for something we do not do. Declining them all means no compression (the
// handshake still succeeds).

import type { ExtensionOffer } from './extensions.ts';

export interface PerMessageDeflateOptions {
  /** Send server_no_context_takeover: our compressor keeps no window between messages, so no
   * compression memory stays with an idle connection (default true). */
  serverNoContextTakeover?: boolean;
  /** Ask the client not to keep its window (client_no_context_takeover): our inflater then keeps
   * none between messages either (default false). */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window we compress with, 9–15 (default 15). */
  serverMaxWindowBits?: number;
  /** Largest window we let the client compress with, 9–15 (default 15); below 15, an offer that
   * cannot be limited (no client_max_window_bits) is declined. Bounds our inflater's memory. */
  clientMaxWindowBits?: number;
  /** Messages smaller than this go uncompressed (default 1024 bytes): deflating a few bytes costs
   * more than it saves. */
  threshold?: number;
  /** zlib memLevel of the compressor, 1–9 (default 8). */
  memLevel?: number;
  /** zlib compression level, 0–9 (default 6, zlib's own default; 1 is several times faster). */
  level?: number;
}

export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** The window our compressor uses. */
  serverMaxWindowBits: number;
  /** The largest window the client may compress with (our inflater's window). */
  clientMaxWindowBits: number;
}

export interface Negotiated {
  params: DeflateParams;
  /** The Sec-WebSocket-Extensions value to answer with. */
  response: string;
}

export const DEFAULT_DEFLATE_OPTIONS: Readonly<Required<PerMessageDeflateOptions>> = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
  threshold: 1024,
  memLevel: 8,
  level: 6,
};

const WINDOW_BITS = /^(?:8|9|1[0-5])$/;

// A few distinct answers serve every connection: each socket keeps a reference, not a string.
const ANSWERS = new Map<string, string>();
function intern(s: string): string {
  let v = ANSWERS.get(s);
  if (v === undefined) {
    v = s;
    if (ANSWERS.size < 256) ANSWERS.set(s, s);
  }
  return v;
}

/** Checks options once, at route creation: a bad one is a programming error, reported by name. */
export function deflateOptions(options: PerMessageDeflateOptions | true): Required<PerMessageDeflateOptions> {
  const o = { ...DEFAULT_DEFLATE_OPTIONS, ...(options === true ? {} : options) };
  // §7.1.2.1, §7.1.2.2: window bits are 8–15; zlib cannot make an 8-bit raw DEFLATE window (it
  // uses 9), so 8 is never ours to promise. memLevel, level and threshold are zlib's and ours.
  for (const key of ['serverMaxWindowBits', 'clientMaxWindowBits'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 9 || o[key] > 15) throw new RangeError(`perMessageDeflate.${key} must be an integer from 9 to 15, not ${o[key]}`);
  }
  if (!Number.isInteger(o.memLevel) || o.memLevel < 1 || o.memLevel > 9) throw new RangeError(`perMessageDeflate.memLevel must be an integer from 1 to 9, not ${o.memLevel}`);
  if (!Number.isInteger(o.level) || o.level < 0 || o.level > 9) throw new RangeError(`perMessageDeflate.level must be an integer from 0 to 9, not ${o.level}`);
  if (!Number.isInteger(o.threshold) || o.threshold < 0) throw new RangeError(`perMessageDeflate.threshold must be a non-negative integer, not ${o.threshold}`);
  return o;
}

// §5: the server picks among the offers; we answer the first permessage-deflate offer we can accept.
export function negotiateDeflate(offers: readonly ExtensionOffer[], options: Required<PerMessageDeflateOptions>): Negotiated | null {
  for (const offer of offers) {
    if (offer.name !== 'permessage-deflate') continue;
    const accepted = acceptOffer(offer, options);
    if (accepted !== null) return accepted;
  }
  return null;
}

function acceptOffer(offer: ExtensionOffer, o: Required<PerMessageDeflateOptions>): Negotiated | null {
  let serverNoContext = false;
  let clientNoContext = false;
  let serverBits: number | null = null;
  let clientBits: number | true | null = null;
  const seen = new Set<string>();
  for (const [name, value] of offer.params) {
    if (seen.has(name)) return null; // §7: the same parameter twice
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
        if (value !== true) return null; // §7.1.1.1: no value
        serverNoContext = true;
        break;
      case 'client_no_context_takeover':
        if (value !== true) return null; // §7.1.1.2
        clientNoContext = true;
        break;
      case 'server_max_window_bits':
        // §7.1.2.1: a value is required, 8–15, no leading zeros.
        if (value === true || !WINDOW_BITS.test(value)) return null;
        serverBits = Number(value);
        break;
      case 'client_max_window_bits':
        // §7.1.2.2: a value is optional; when present, 8–15.
        if (value !== true && !WINDOW_BITS.test(value)) return null;
        clientBits = value === true ? true : Number(value);
        break;
      default:
        return null; // §7: a parameter not defined by this extension
    }
  }
  // Our compressor: the client may ask for a smaller window; zlib cannot do 8 bits raw, so an offer
  // of server_max_window_bits=8 is one we cannot honour: declined (§7.1.2.1).
  if (serverBits === 8) return null;
  const serverWindow = Math.min(serverBits ?? 15, o.serverMaxWindowBits);
  // The client's compressor: without client_max_window_bits in the offer, it will use up to 15 bits
  // (§7.1.2.2) and we cannot say otherwise. Below 15 we would rather decline than inflate a window
  // larger than the memory we allow.
  if (clientBits === null && o.clientMaxWindowBits < 15) return null;
  const clientWindow = clientBits === null ? 15 : Math.min(clientBits === true ? 15 : clientBits, o.clientMaxWindowBits);
  const serverNoContextTakeover = serverNoContext || o.serverNoContextTakeover;
  const clientNoContextTakeover = clientNoContext || o.clientNoContextTakeover;
  const parts = ['permessage-deflate'];
  // §7.1.1.1: server_no_context_takeover may be sent even when not offered.
  if (serverNoContextTakeover) parts.push('server_no_context_takeover');
  // §7.1.1.2: so may client_no_context_takeover.
  if (clientNoContextTakeover) parts.push('client_no_context_takeover');
  // §7.1.2.1: answered only when offered (a smaller window than the client's inflater allows needs
  // no announcement: any inflater reads a stream made with a smaller window).
  if (serverBits !== null) parts.push(`server_max_window_bits=${serverWindow}`);
  // §7.1.2.2: only when the client offered the parameter, with at most the offered value.
  if (clientBits !== null && (clientWindow < 15 || clientBits !== true)) parts.push(`client_max_window_bits=${clientWindow}`);
  return {
    params: { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits: serverWindow, clientMaxWindowBits: clientWindow },
    response: intern(parts.join('; ')),
  };
}
