// The HTML form of a directory listing: one self-contained page (no external fonts, scripts or
// images) with breadcrumbs, sortable columns (plain links, so sorting works without JavaScript),
// folders first, human sizes, type hints, a filter box (a GET form, filtered live when JavaScript
// runs), a responsive layout and dark mode via prefers-color-scheme.
//
// Every file name is HTML-escaped where it is text and percent-encoded where it is a link. The
// inline style and script are allowed by hash in the page's own Content-Security-Policy.

import { cspHash } from '../app/csp.ts';
import { escapeHtml } from '../app/error-response.ts';
import { encodeSegment, humanSize, LISTING_PAGE_SIZE, type ListingEntry, type SortKey } from './listing.ts';
import { pageLink, queryString, type ListingView } from './listing-json.ts';

const STYLE = `:root{color-scheme:light dark;--bg:#fff;--fg:#1d1f23;--muted:#667085;--line:#e4e7ec;--hover:#f4f6fa;--accent:#2563eb;--dir:#d89b1c}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e6e8eb;--muted:#98a2b3;--line:#2a2f37;--hover:#1a1f26;--accent:#7aa7ff;--dir:#e8b647}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:64rem;margin:0 auto;padding:1.5rem 1rem 3rem}a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:1.25rem;font-weight:600;margin:0 0 1rem;word-break:break-all}h1 a{color:inherit}h1 .sep{color:var(--muted);padding:0 .15rem}
.bar{display:flex;gap:1rem;align-items:center;justify-content:space-between;flex-wrap:wrap;margin-bottom:.75rem;color:var(--muted);font-size:.875rem}
.bar input{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.35rem .6rem;min-width:14rem}
table{width:100%;border-collapse:collapse}th,td{padding:.45rem .5rem;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{font-size:.8rem;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}th a{color:inherit}
th[aria-sort] a::after{content:" \\2191"}th[aria-sort=descending] a::after{content:" \\2193"}tbody tr:hover{background:var(--hover)}
td:first-child{white-space:normal;word-break:break-all;width:100%}td:nth-child(2),th:nth-child(2){text-align:right;font-variant-numeric:tabular-nums}
td:nth-child(n+3){color:var(--muted);font-size:.85rem;font-variant-numeric:tabular-nums}
td a{display:inline-flex;gap:.5rem;align-items:center}td a::before{content:"";width:1.1em;height:1.1em;flex:none;background:var(--muted);-webkit-mask:var(--i) center/contain no-repeat;mask:var(--i) center/contain no-repeat}
.d a::before{background:var(--dir)}.d{--i:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M3 6a2 2 0 0 1 2-2h4.6l2 2H19a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z'/%3E%3C/svg%3E")}
.f{--i:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm7 1.5V9h5.5z'/%3E%3C/svg%3E")}
.u{--i:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M12 4l-7 7h4.5v9h5v-9H19z'/%3E%3C/svg%3E")}
.muted{color:var(--muted)}.pager{display:inline-flex;gap:.75rem;margin-top:.75rem;color:var(--muted);font-size:.875rem}
@media (max-width:600px){th:nth-child(3),td:nth-child(3){display:none}.bar input{min-width:0;width:100%}}
@media (max-width:420px){th:nth-child(4),td:nth-child(4){display:none}}`;

// Live filtering; the form still works (server side, ?filter=) when scripts are off. The rows are
// gathered on the first keystroke, not at load, so a long page paints without waiting for the
// script. A listing split into pages filters on the server instead (all pages, not just this one).
const SCRIPT = `(()=>{const i=document.getElementById('filter');if(!i||document.body.dataset.paged)return;const n=document.getElementById('count');let rows=null;
const run=()=>{rows??=[...document.querySelectorAll('tbody tr:not(.u)')].filter(r=>r.querySelector('a'));const q=i.value.toLowerCase();let k=0;for(const r of rows){const m=r.querySelector('a').textContent.toLowerCase().includes(q);r.hidden=!m;if(m)k++}if(n)n.textContent=String(k)};
i.addEventListener('input',run);i.form.addEventListener('submit',e=>{run();if(rows.length)e.preventDefault()});})();`;

/**
 * The listing page's own policy: nothing but its inline styles and scripts (allowed by hash, including
 * those of an embedded fragment such as the upload form), links and forms to itself. `selfScripts`
 * also allows scripts from this server ('self': the live-reload script, whose WebSocket connect-src
 * 'self' allows too: CSP Level 3 matches ws: and wss: under 'self' for an http: or https: page).
 */
export function listingCsp(extraHtml = '', selfScripts = false): string {
  const styles = [cspHash(STYLE)];
  const scripts = selfScripts ? ["'self'", cspHash(SCRIPT)] : [cspHash(SCRIPT)];
  for (const m of extraHtml.matchAll(/<style>([\s\S]*?)<\/style>/g)) styles.push(cspHash(m[1]!));
  for (const m of extraHtml.matchAll(/<script>([\s\S]*?)<\/script>/g)) scripts.push(cspHash(m[1]!));
  return `default-src 'none'; style-src ${styles.join(' ')}; script-src ${scripts.join(' ')}; img-src data:; connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'`;
}

export const LISTING_CSP = listingCsp();


/** A short type hint from the Content-Type ("Image", "HTML", "PDF", …). */
function kindOf(entry: ListingEntry): string {
  if (entry.isDirectory) return 'Folder';
  const type = entry.contentType.split(';')[0]!;
  const [major = '', minor = ''] = type.split('/');
  if (major === 'image' || major === 'audio' || major === 'video' || major === 'font') return major[0]!.toUpperCase() + major.slice(1);
  const known: Record<string, string> = { html: 'HTML', css: 'CSS', javascript: 'JavaScript', json: 'JSON', pdf: 'PDF', zip: 'Archive', gzip: 'Archive', 'x-tar': 'Archive', wasm: 'WebAssembly', markdown: 'Markdown', plain: 'Text', xml: 'XML', 'svg+xml': 'Image', csv: 'CSV' };
  return known[minor] ?? (major === 'text' ? 'Text' : 'File');
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** Links up the tree: the text from the decoded path, the links from the encoded one (same segments). */
function breadcrumbs(urlPath: string, hrefPath: string): string {
  const parts = urlPath.split('/').filter((p) => p !== '');
  const hrefs = hrefPath.split('/').filter((p) => p !== '');
  let href = '/';
  let html = `<a href="/">~</a>`;
  parts.forEach((part, i) => {
    href += (hrefs[i] ?? encodeSegment(part)) + '/';
    html += `<span class="sep">/</span><a href="${escapeHtml(href)}">${escapeHtml(part)}</a>`;
  });
  return html + '<span class="sep">/</span>';
}

/** "Previous · Page 2 of 10 · Next" for a listing split into pages; '' for one page. */
function pager(view: ListingView): string {
  if (view.pages <= 1) return '';
  const link = (page: number, rel: string, label: string): string =>
    page < 1 || page > view.pages ? `<span class="muted">${label}</span>` : `<a rel="${rel}" href="${escapeHtml(pageLink(view, page))}">${label}</a>`;
  return `<nav class="pager" aria-label="Pages">${link(view.page - 1, 'prev', '← Previous')}<span>Page ${view.page} of ${view.pages}</span>${link(view.page + 1, 'next', 'Next →')}</nav>`;
}

export function renderListingHtml(view: ListingView): string {
  const { query } = view;
  const header = (key: SortKey, label: string): string => {
    const active = query.sort === key;
    const nextOrder = active ? (query.order === 'asc' ? 'desc' : 'asc') : key === 'name' ? 'asc' : 'desc';
    const sortAttr = active ? ` aria-sort="${query.order === 'asc' ? 'ascending' : 'descending'}"` : '';
    const href = queryString({ sort: key, order: nextOrder, filter: query.filter });
    return `<th${sortAttr}><a href="${escapeHtml(href || '?')}">${label}</a></th>`;
  };
  // Rows are kept lean (end tags omitted where HTML allows, relative links, icons from CSS): a
  // listing of thousands of entries stays a small page.
  let rows = '';
  if (view.urlPath !== '/') rows += `<tr class="u"><td><a href="../">Parent folder</a><td><td><td>\n`;
  for (const e of view.entries) {
    const name = escapeHtml(e.name);
    const href = escapeHtml(e.href + (e.isDirectory ? '/' : ''));
    rows += e.isDirectory
      ? `<tr class="d"><td><a href="${href}">${name}/</a><td>—<td>Folder<td>${formatDate(e.mtimeMs)}\n`
      : `<tr class="f"><td><a href="${href}">${name}</a><td title="${e.size} bytes">${humanSize(e.size)}<td>${kindOf(e)}<td>${formatDate(e.mtimeMs)}\n`;
  }
  if (view.entries.length === 0) rows += `<tr><td colspan="4" class="muted">${query.filter === '' ? 'This folder is empty.' : 'No names match the filter.'}</td></tr>`;
  const title = `Index of ${escapeHtml(view.urlPath)}`;
  const hidden = (name: string, value: string): string => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const paged = view.pages > 1;
  const shown = paged
    ? `${view.entries.length === 0 ? 0 : (view.page - 1) * LISTING_PAGE_SIZE + 1}–${(view.page - 1) * LISTING_PAGE_SIZE + view.entries.length} of ${view.matched}${view.matched === view.total ? '' : ` matching (${view.total} in all)`}`
    : `<span id="count">${view.entries.length}</span> of ${view.total} item${view.total === 1 ? '' : 's'}`;
  const nav = pager(view);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${title}</title><style>${STYLE}</style></head>
<body${paged ? ' data-paged="1"' : ''}><main><h1>${breadcrumbs(view.urlPath, view.hrefPath)}</h1>
<div class="bar"><span>${shown} · <a href="${escapeHtml(queryString({ sort: query.sort, order: query.order, format: 'json', page: view.page === 1 ? '' : String(view.page) }))}">JSON</a>${nav === '' ? '' : ` · ${nav}`}</span>
<form method="get" role="search">${hidden('sort', query.sort)}${hidden('order', query.order)}<input id="filter" type="search" name="filter" value="${escapeHtml(query.filter)}" placeholder="Filter names" aria-label="Filter names" autocomplete="off"></form></div>
<table><thead><tr>${header('name', 'Name')}${header('size', 'Size')}<th>Type</th>${header('modified', 'Modified (UTC)')}</tr></thead>
<tbody>${rows}</tbody></table>${nav}${view.extraHtml ?? ''}</main><script>${SCRIPT}</script></body></html>
`;
}
