// The exchange inspector page (server_status_path + "/inspector"): one self-contained HTML document
// (inline style and script, no external requests) that opens the events stream and lists the
// exchanges as they happen. Its Content-Security-Policy allows exactly that style and script (by
// hash), connections to this origin only (the stream), and nothing else.

import { statusPageCsp } from '../app/csp.ts';
import { escapeHtml } from '../app/error-response.ts';
import { INSPECTOR_CSS } from './inspector-style.ts';
import { INSPECTOR_JS } from './inspector-script.ts';

export const INSPECTOR_CSP = statusPageCsp(INSPECTOR_JS, INSPECTOR_CSS);

const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%232563eb'/%3E%3Cpath d='M3 5h10M3 8h7M3 11h10' stroke='white' stroke-width='1.6'/%3E%3C/svg%3E";

/** The page for a server name (escaped; every exchange arrives as JSON and is shown as text). */
export function renderInspector(serverName: string): string {
  const name = escapeHtml(serverName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>${name} · exchange inspector</title>
<link rel="icon" href="${ICON}">
<style>${INSPECTOR_CSS}</style>
</head>
<body>
<header>
<h1>${name} <small>· exchange inspector</small></h1>
<input id="search" type="search" placeholder="Search any text: path, field, status, decision…" aria-label="Search the exchanges" autocomplete="off">
<span class="live" id="count"></span>
<div class="live" id="live" role="status" aria-live="polite"><span class="dot"></span><span id="live-text">connecting…</span></div>
</header>
<main>
<p class="note">Each exchange opens into the request and response heads as bytes (control characters visible), the body in brief, timings, HTTP/2 frames, the decisions that shaped the response with their rules, and a curl line to replay it. Exchanges are recorded only while an inspector is open.</p>
<p class="note warn" id="dropped" hidden></p>
<p class="note" id="empty">Waiting for requests…</p>
<ol id="list" aria-label="Exchanges, newest first"></ol>
</main>
<script>${INSPECTOR_JS}</script>
</body>
</html>
`;
}
