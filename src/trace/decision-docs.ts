// The catalogue of decisions as a Markdown table for docs/decisions.md (scripts/gen-decision-docs.mjs
// writes it; test/trace/decision-docs.test.ts fails when the committed page drifts). Each row shows
// a sentence as a reader sees it, made from example arguments: typed per code, so a new catalogue
// entry does not compile until it has an example here too.

import { DECISIONS, sourceUrl, type DecisionArgs, type DecisionCode } from './decisions.ts';

export const START_MARKER = '<!-- decisions:start -->';
export const END_MARKER = '<!-- decisions:end -->';

const EXAMPLES: { readonly [C in DecisionCode]: DecisionArgs<C> } = {
  'length': [1024],
  'chunked': [],
  'close-delimited': [],
  'no-content-head': [],
  'no-content-status': [304],
  'keep-alive': ['1.1'],
  'close-requested': [],
  'close-http10': [],
  'close-response': [],
  'close-draining': [],
  'close-unread-body': [],
  'close-continue': [],
  'close-error': [],
  'continue': [],
  'expect-417': ['teapot'],
  'parse-error': [400, 'Both Transfer-Encoding and Content-Length'],
  'timeout-headers': [20],
  'timeout-request': [30],
  'switch': ['websocket'],
  'h2c-upgrade': [],
  'h2-alpn': [],
  'h2-prior-knowledge': [],
  'h2-framing': [],
  'handler-failed': [],
  'not-modified-etag': [],
  'not-modified-date': [],
  'precondition-failed': ['If-Match'],
  'etag-no-match': [],
  'range': ['bytes=0-99'],
  'range-416': [5],
  'range-if-range': [],
  'range-ignored': [],
  'gzip': ['gzip', 1, 'text/css', 1024],
  'precompressed': ['br', 'app.js.br', 1],
  'identity': ['412 bytes is less than compression_min_size 1024'],
  'hidden-404': [],
  'protected-404': [],
  'outside-root': [],
  'not-found': [],
  'memory-cache': [],
  'from-disk': ['its 20971520 bytes are more than cache_file_max_bytes 16777216, so it is not cached'],
  'index-file': ['index.html'],
  'listing': [],
  'no-listing': [],
  'folder-redirect': ['/docs/'],
  'method-501': ['BREW'],
  'method-405': ['GET, HEAD, OPTIONS'],
  'cache-control': ['no-cache'],
  'redirect': [301, '/new/guide', '/old/*'],
  'rewrite': ['/api/users', '/v1/*'],
  'path-headers': ['X-Frame-Options', '/admin/**'],
  'clean-url': ['/about.html'],
  'clean-url-redirect': ['/about'],
  'spa-fallback': ['/index.html'],
  'proxy-route': ['/api/', 'http://127.0.0.1:3000', 'round_robin'],
  'proxy-retry': ['http://127.0.0.1:3000', 'connect ECONNREFUSED 127.0.0.1:3000'],
  'proxy-502': ['sent an invalid response: Malformed status line from upstream'],
  'proxy-503': [],
  'proxy-504': ['no response within the timeout'],
  'auth-401': ['/admin/**', 'no credentials came'],
  'auth-403': ['/admin/**', 'bob may not read here'],
  'auth-429': [10],
  'rate-limit-429': ['api', '100 per 60 s', '203.0.113.7'],
  'cors-preflight': ['https://app.example', 'PUT'],
  'cors-origin-refused': ['https://other.example'],
  'writes-off': ['PUT'],
  'upload-too-large': [20971520, 10485760],
  'upload-exists': ['report.pdf'],
  'status-hidden': [],
};

/** A table cell: pipes escaped, so a sentence cannot break the row. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

function sourceCell(source: string): string {
  if (source === '') return "the error's own section (src/http1/errors.ts)";
  const url = sourceUrl(source);
  if (url !== '') return `[${source}](${url})`;
  return `\`${source.replace(/^config /, '')}\` (config)`;
}

/** The table of every decision: code, an example sentence, and the rule's source. */
export function decisionsMarkdown(): string {
  const rows = ['| Code | Example sentence | Source |', '| --- | --- | --- |'];
  for (const code of Object.keys(DECISIONS) as DecisionCode[]) {
    const spec = DECISIONS[code];
    const text = (spec.text as (...a: readonly unknown[]) => string)(...EXAMPLES[code]);
    rows.push(`| \`${code}\` | ${cell(text)} | ${cell(sourceCell(spec.source))} |`);
  }
  return rows.join('\n') + '\n';
}

/** The page with its table replaced by the generated one; null when the markers are missing. */
export function replaceDecisions(page: string, table = decisionsMarkdown()): string | null {
  const start = page.indexOf(START_MARKER);
  const end = page.indexOf(END_MARKER);
  if (start === -1 || end < start) return null;
  return page.slice(0, start + START_MARKER.length) + '\n' + table + page.slice(end);
}
