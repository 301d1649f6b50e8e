// The inspector page's stylesheet (inline, allowed by its hash in the page's CSP). Light and dark
// follow the system; heads are monospace and wrap so a long line never widens the page.

export const INSPECTOR_CSS = `
:root{--bg:#f6f8fa;--fg:#1f2328;--mute:#656d76;--card:#fff;--line:#d0d7de;--code:#f0f3f6;--ok:#1a7f37;--redir:#0969da;--warn:#9a6700;--bad:#cf222e;--accent:#2563eb}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#8d96a0;--card:#161b22;--line:#30363d;--code:#1c2128;--ok:#3fb950;--redir:#58a6ff;--warn:#d29922;--bad:#f85149;--accent:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
header{position:sticky;top:0;z-index:1;background:var(--card);border-bottom:1px solid var(--line);padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center}
h1{font-size:16px;margin:0;font-weight:600}
h1 small{color:var(--mute);font-weight:400}
#search{flex:1 1 220px;min-width:0;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);font:inherit}
.live{color:var(--mute);font-size:13px;white-space:nowrap}
.live .dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:var(--mute);margin-right:6px;vertical-align:middle}
.live.on .dot{background:var(--ok)}
main{padding:12px 16px;max-width:1200px;margin:0 auto}
.note{color:var(--mute);font-size:13px;margin:0 0 10px}
.note.warn{color:var(--warn)}
ol#list{list-style:none;margin:0;padding:0}
details.ex{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:0 0 6px}
details.ex summary{cursor:pointer;padding:6px 10px;display:grid;grid-template-columns:6.5em 4.5em minmax(0,1fr) 3em 5em 3em;gap:10px;align-items:baseline;font-variant-numeric:tabular-nums}
details.ex summary>span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.time,.proto,.worker{color:var(--mute);font-size:12px}
.method{font-weight:600}
.target{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.s2{color:var(--ok)}.s3{color:var(--redir)}.s4{color:var(--warn)}.s5,.s0{color:var(--bad)}
.status{font-weight:600}
.body{padding:4px 12px 12px;border-top:1px solid var(--line)}
.body h3{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--mute);margin:12px 0 4px}
pre{margin:0;padding:8px;background:var(--code);border-radius:4px;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
.why{margin:0;padding-left:18px}
.why .src{color:var(--mute)}
a{color:var(--accent)}
table.frames{border-collapse:collapse;font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;width:100%}
table.frames td{padding:2px 8px 2px 0;vertical-align:top;word-break:break-all}
.curl{display:flex;gap:8px;align-items:flex-start}
.curl pre{flex:1}
button{font:inherit;font-size:12px;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);cursor:pointer}
@media (max-width:640px){details.ex summary{grid-template-columns:4.5em minmax(0,1fr) 3em}.time,.proto,.worker{display:none}}
`;
