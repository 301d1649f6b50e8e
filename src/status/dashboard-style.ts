// The dashboard's stylesheet: system fonts, CSS variables for light and dark (prefers-color-scheme),
// a card grid that reflows from one column on a phone to many on a desktop. Inlined in the page.

export const DASHBOARD_CSS = `
:root{color-scheme:light dark;--bg:#f4f6f9;--panel:#fff;--line:#e3e7ed;--text:#17202b;--muted:#5d6876;--accent:#2563eb;--accent-soft:rgba(37,99,235,.14);
--c1:#8b95a3;--c2:#16a34a;--c3:#2563eb;--c4:#d97706;--c5:#dc2626;--shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.08)}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--panel:#161b22;--line:#2a313c;--text:#e6edf3;--muted:#8d96a0;--accent:#58a6ff;--accent-soft:rgba(88,166,255,.18);
--c1:#8d96a0;--c2:#3fb950;--c3:#58a6ff;--c4:#d29922;--c5:#f85149;--shadow:none}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{border-bottom:1px solid var(--line);background:var(--panel)}
.bar{max-width:1200px;margin:0 auto;display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;padding:1rem 1.25rem}
h1{font-size:1.15rem;margin:0;font-weight:650;letter-spacing:-.01em}
h1 small{font-weight:500;color:var(--muted);margin-left:.4rem;font-size:.85rem}
.live{display:flex;align-items:center;gap:.45rem;color:var(--muted);font-size:.85rem}
.dot{width:.6rem;height:.6rem;border-radius:50%;background:var(--c1)}
.live.ok .dot{background:var(--c2);box-shadow:0 0 0 0 var(--c2);animation:pulse 2s infinite}
.live.bad .dot{background:var(--c5)}
@keyframes pulse{0%{box-shadow:0 0 0 0 rgba(22,163,74,.45)}70%{box-shadow:0 0 0 .45rem rgba(22,163,74,0)}100%{box-shadow:0 0 0 0 rgba(22,163,74,0)}}
@media (prefers-reduced-motion:reduce){.live.ok .dot{animation:none}}
main{max-width:1200px;margin:0 auto;padding:1rem 1.25rem 2rem;display:grid;gap:1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:.75rem}
.card,.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;box-shadow:var(--shadow)}
.card{padding:.75rem .9rem;min-width:0}
.card h3{margin:0 0 .2rem;font-size:.72rem;font-weight:600;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.card .v{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.card .s{font-size:.8rem;color:var(--muted);font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.panel{padding:.9rem 1rem;min-width:0}
.panel h2{font-size:.9rem;margin:0 0 .6rem;font-weight:620}
.panel h2 span{color:var(--muted);font-weight:500}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
#chart{display:block;width:100%;height:190px}
#chart .grid{stroke:var(--line);stroke-width:1}
#chart .axis{fill:var(--muted);font-size:11px;font-variant-numeric:tabular-nums}
#chart .area{fill:var(--accent-soft)}
#chart .line{fill:none;stroke:var(--accent);stroke-width:1.75;stroke-linejoin:round}
.stack{display:flex;height:.8rem;border-radius:99px;overflow:hidden;background:var(--line);margin:.2rem 0 .8rem}
.stack i{display:block;height:100%}
.k1{background:var(--c1)}.k2{background:var(--c2)}.k3{background:var(--c3)}.k4{background:var(--c4)}.k5{background:var(--c5)}
.k1-text{color:var(--c1)}.k2-text{color:var(--c2)}.k3-text{color:var(--c3)}.k4-text{color:var(--c4)}.k5-text{color:var(--c5)}
.legend{display:flex;flex-wrap:wrap;gap:.35rem 1rem;margin:0 0 .6rem;font-size:.82rem;color:var(--muted)}
.legend b{color:var(--text);font-variant-numeric:tabular-nums;font-weight:600;margin-left:.25rem}
.sw{display:inline-block;width:.65rem;height:.65rem;border-radius:3px;margin-right:.35rem;vertical-align:-1px}
.codes{display:flex;flex-wrap:wrap;gap:.4rem}
.code{border:1px solid var(--line);border-radius:6px;padding:.15rem .5rem;font-size:.82rem;font-variant-numeric:tabular-nums}
.code b{font-weight:650;margin-right:.35rem}
.bars{display:grid;grid-template-columns:auto 1fr auto;gap:.45rem .6rem;align-items:center;font-size:.85rem;font-variant-numeric:tabular-nums}
.bars .track{height:.55rem;border-radius:99px;background:var(--line);overflow:hidden}
.bars .fill{height:100%;background:var(--accent);border-radius:99px}
.bars .lbl{color:var(--muted)}
.scroll{overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-size:.72rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
td.n,th.n{text-align:right}
td.path{white-space:normal;word-break:break-all;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8rem}
tr:last-child td{border-bottom:0}
.empty{color:var(--muted);font-size:.85rem;margin:.2rem 0}
footer{max-width:1200px;margin:0 auto;padding:0 1.25rem 1.5rem;color:var(--muted);font-size:.78rem}
@media (max-width:520px){.bar{padding:.8rem 1rem}main{padding:.75rem .75rem 1.5rem;gap:.75rem}.cards{grid-template-columns:repeat(2,minmax(0,1fr));gap:.5rem}.card .v{font-size:1.2rem}.grid2{grid-template-columns:minmax(0,1fr)}}
`;
