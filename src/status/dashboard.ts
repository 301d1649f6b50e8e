// The /server-status page: one self-contained HTML document (inline style and script, no CDN, no
// web fonts, no external requests) that fills itself from the JSON form and keeps polling it.
// A Content-Security-Policy built from the hashes of exactly that style and script forbids
// anything else from running, loading or framing the page.

import { statusPageCsp } from '../app/csp.ts';
import { DASHBOARD_CSS } from './dashboard-style.ts';
import { DASHBOARD_JS } from './dashboard-script.ts';
import { escapeHtml } from '../app/error-response.ts';


export const DASHBOARD_CSP = statusPageCsp(DASHBOARD_JS, DASHBOARD_CSS);

const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%232563eb'/%3E%3Cpath d='M3 11l3-4 3 2 4-6' stroke='white' stroke-width='1.8' fill='none'/%3E%3C/svg%3E";

function card(title: string, id: string, subId: string): string {
  return `<div class="card"><h3>${title}</h3><div class="v" id="${id}">–</div><div class="s" id="${subId}">&nbsp;</div></div>`;
}

/** The page for a server name (escaped; everything else arrives as JSON). */
export function renderDashboard(serverName: string): string {
  const name = escapeHtml(serverName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>${name} · server status</title>
<link rel="icon" href="${ICON}">
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header><div class="bar">
<h1>${name}<small id="version"></small></h1>
<div class="live" id="live" role="status" aria-live="polite"><span class="dot"></span><span id="live-text">connecting…</span></div>
</div></header>
<main>
<section class="cards" aria-label="Summary">
${card('Uptime', 'uptime', 'started')}
${card('Requests', 'total', 'total-sub')}
${card('Requests/s', 'rps', 'rps-sub')}
${card('Latency p50', 'p50', 'p-sub')}
${card('Connections', 'conns', 'conns-sub')}
${card('Keep-alive reuse', 'reuse', 'reuse-sub')}
${card('Sent', 'bytes-out', 'bytes-out-sub')}
${card('Received', 'bytes-in', 'bytes-in-sub')}
${card('Cache hit rate', 'cache', 'cache-sub')}
${card('Uploads', 'uploads', 'uploads-sub')}
${card('Memory (RSS)', 'rss', 'heap')}
${card('Event-loop delay', 'loop', 'loop-sub')}
</section>
<section class="panel">
<h2>Requests per second <span>· last 5 minutes</span></h2>
<svg id="chart" role="img" aria-label="Requests per second over the last five minutes"></svg>
</section>
<div class="grid2">
<section class="panel">
<h2>Responses <span>· by status</span></h2>
<div class="stack" id="stack"></div>
<div class="legend" id="legend"></div>
<div class="codes" id="codes"></div>
</section>
<section class="panel">
<h2>Latency <span>· sliding window</span></h2>
<div class="bars" id="lat-bars"></div>
<p class="empty" id="lat-count"></p>
</section>
</div>
<section class="panel">
<h2>Busiest paths</h2>
<div class="scroll"><table id="paths"></table></div>
<p class="empty" id="paths-empty" hidden>No requests yet.</p>
</section>
<section class="panel" id="routes-panel" hidden>
<h2>Routes <span>· of the app, by pattern</span></h2>
<div class="scroll"><table id="routes"></table></div>
</section>
<section class="panel" id="upstreams-panel" hidden>
<h2>Upstreams <span>· proxy backends</span></h2>
<div class="scroll"><table id="upstreams"></table></div>
</section>
<section class="panel" id="workers-panel" hidden>
<h2>Workers</h2>
<div class="scroll"><table id="workers"></table></div>
</section>
</main>
<footer id="footer"></footer>
<script>${DASHBOARD_JS}</script>
</body>
</html>
`;
}
