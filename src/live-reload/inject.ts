// Adds the live-reload script tag to an HTML page: before the last "</body>", else before the last
// "</head>", else at the end (HTML parsers put a trailing script into the body anyway). Done once
// per page body when it is read (a cached file, a rendered listing), never per request.
//
// An external script (not inline) works under a `script-src 'self'` policy without a nonce or hash.

import type { HtmlInjection } from '../static/representation.ts';
import { LIVE_RELOAD_SCRIPT_PATH } from './paths.ts';

export const LIVE_RELOAD_TAG = `<script src="${LIVE_RELOAD_SCRIPT_PATH}" defer></script>`;
const TAG_BYTES = Buffer.from(LIVE_RELOAD_TAG);

/** Where the tag goes in `html` (latin1 or any ASCII-compatible text): a character offset. */
function insertionPoint(html: string): number {
  const lower = html.toLowerCase();
  const body = lower.lastIndexOf('</body');
  if (body !== -1) return body;
  const head = lower.lastIndexOf('</head');
  return head !== -1 ? head : html.length;
}

export function injectIntoHtml(html: string): string {
  const at = insertionPoint(html);
  return html.slice(0, at) + LIVE_RELOAD_TAG + html.slice(at);
}

/**
 * The page's bytes with the tag added. The search runs on a latin1 view, where one character is one
 * byte, so the offset found is a byte offset whatever the page's (ASCII-compatible) charset. A
 * UTF-16 page (with its byte-order mark) is left as it is: ASCII bytes would corrupt it.
 */
export function injectIntoHtmlBytes(body: Buffer): Buffer {
  if (body.length >= 2 && ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff))) return body;
  const at = insertionPoint(body.toString('latin1'));
  return Buffer.concat([body.subarray(0, at), TAG_BYTES, body.subarray(at)]);
}

/** The static layer's view of it: the tag in pages, appended to a page streamed from disk, "-lr" in tags. */
export const LIVE_RELOAD_INJECTION: HtmlInjection = Object.freeze({
  bytes: injectIntoHtmlBytes,
  text: injectIntoHtml,
  tail: TAG_BYTES,
  etagSuffix: '-lr',
});
