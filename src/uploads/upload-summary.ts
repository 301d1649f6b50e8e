// What an upload answers: a small HTML page for people (plain form posts) or JSON for scripts,
// listing the fields received and, for each file, the name it was stored under.

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { escapeHtml, prefersJson } from '../app/error-response.ts';
import type { FormField } from './form.ts';

export interface StoredUpload {
  /** The form field the file came in. */
  field: string;
  /** The name the client sent (unsanitised, as sent). */
  filename: string;
  /** The name we stored it under (sanitised, maybe numbered). */
  storedName: string;
  size: number;
  type: string;
  /** Where it can be fetched, when it is under the document root. */
  url: string | null;
  /** True when an existing file was replaced (upload_overwrite). */
  replaced: boolean;
}

export interface UploadSummary {
  fields: FormField[];
  files: StoredUpload[];
  json?: unknown;
  /** A link back (the folder the files went into), for the HTML page. */
  backUrl?: string;
}

/** Fields as an object; a repeated name becomes an array of its values in order. */
export function fieldsObject(fields: readonly FormField[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const { name, value } of fields) {
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]!}`;
}

// Long values are cut in the page (the JSON form has them whole).
const SHOWN_VALUE_CHARS = 500;

export function summaryPage(summary: UploadSummary): string {
  const fieldRows = summary.fields
    .map((f) => {
      const shown = f.value.length > SHOWN_VALUE_CHARS ? `${f.value.slice(0, SHOWN_VALUE_CHARS)}…` : f.value;
      return `<tr><th scope="row">${escapeHtml(f.name)}</th><td>${escapeHtml(shown)}</td></tr>`;
    })
    .join('\n');
  const fileRows = summary.files
    .map((f) => {
      const stored = f.url === null ? escapeHtml(f.storedName) : `<a href="${escapeHtml(f.url)}">${escapeHtml(f.storedName)}</a>`;
      return `<tr><td>${escapeHtml(f.field)}</td><td>${escapeHtml(f.filename)}</td><td>${stored}${f.replaced ? ' (replaced)' : ''}</td><td>${formatSize(f.size)}</td><td>${escapeHtml(f.type)}</td></tr>`;
    })
    .join('\n');
  const json = summary.json === undefined ? '' : `<h2>JSON</h2><pre>${escapeHtml(JSON.stringify(summary.json, null, 2))}</pre>`;
  const back = summary.backUrl === undefined ? '<a href="/">Home</a>' : `<a href="${escapeHtml(summary.backUrl)}">Back to ${escapeHtml(decodeURIComponentSafe(summary.backUrl))}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Form received</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{max-width:48rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border-bottom:1px solid color-mix(in srgb,CanvasText 20%,transparent);padding:.4rem .6rem;text-align:left;vertical-align:top;word-break:break-word}
</style></head>
<body><main>
<h1>Form received</h1>
<h2>Fields (${summary.fields.length})</h2>
${summary.fields.length === 0 ? '<p>No fields.</p>' : `<table>\n${fieldRows}\n</table>`}
<h2>Files (${summary.files.length})</h2>
${summary.files.length === 0 ? '<p>No files.</p>' : `<table><thead><tr><th>Field</th><th>Sent as</th><th>Stored as</th><th>Size</th><th>Type</th></tr></thead>\n<tbody>\n${fileRows}\n</tbody></table>`}
${json}
<p>${back}</p>
</main></body></html>
`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function summaryJson(summary: UploadSummary): Record<string, unknown> {
  return {
    fields: fieldsObject(summary.fields),
    files: summary.files,
    ...(summary.json === undefined ? {} : { json: summary.json }),
  };
}

/** Answers with the summary as JSON (when the client prefers it or ?format=json) or as a page. */
export function sendSummary(req: Request, res: Response, status: number, summary: UploadSummary): void {
  res.setHeader('Cache-Control', 'no-store');
  if (prefersJson(req) || /(?:^|&)format=json(?:&|$)/.test(req.query)) res.json(status, summaryJson(summary));
  else res.send(status, summaryPage(summary), 'text/html; charset=utf-8');
}
