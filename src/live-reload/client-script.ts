// The script every HTML page gets while live reload is on (served at LIVE_RELOAD_SCRIPT_PATH). It
// opens a WebSocket to the server that served it and waits for change messages (hub.ts):
// - a change of stylesheets only: each <link rel=stylesheet> whose file changed is replaced by a
//   copy with a cache-busting query, the old one removed once the new one has loaded (no flash of
//   unstyled content, no reload: scroll position and page state survive). When no link names a
//   changed file (the file is @imported by another), every same-origin stylesheet is refreshed;
// - anything else reloads the page.
// When the connection drops (the server stopped or restarts) it reconnects with back-off, 250 ms
// doubling to 5 s; the server's hello names its instance, so a page reconnecting to a *new* server
// reloads (files may have changed while it was down) and one reconnecting to the same server does
// not. Loaded twice (injected and added by hand), it runs once.

const SOURCE = `(() => {
  'use strict';
  if (window.__httpcraftLiveReload) return;
  window.__httpcraftLiveReload = true;
  const script = document.currentScript;
  const base = new URL(script && script.src ? script.src : location.href);
  const socketUrl = new URL('__SOCKET_PATH__', base);
  socketUrl.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  let server = null;
  let delay = 0;
  const sameOrigin = (link) => { try { return new URL(link.href, location.href).origin === location.origin; } catch { return false; } };
  const pathOf = (link) => { try { return decodeURIComponent(new URL(link.href, location.href).pathname); } catch { return ''; } };
  const refresh = (link) => {
    const url = new URL(link.href, location.href);
    url.searchParams.set('livereload', String(Date.now()));
    const next = link.cloneNode(false);
    next.href = url.href;
    link.dataset.httpcraftStale = '1';
    const done = () => link.remove();
    next.addEventListener('load', done, { once: true });
    next.addEventListener('error', done, { once: true });
    link.after(next);
  };
  const onChange = (paths, truncated) => {
    const cssOnly = !truncated && paths.length > 0 && paths.every((p) => /\\.css$/i.test(p));
    if (!cssOnly) { location.reload(); return; }
    const links = [...document.querySelectorAll('link[rel~="stylesheet" i]')].filter((l) => !l.dataset.httpcraftStale && sameOrigin(l));
    const changed = new Set(paths);
    const named = links.filter((l) => changed.has(pathOf(l)));
    for (const link of named.length > 0 ? named : links) refresh(link);
  };
  const connect = () => {
    let ws;
    try { ws = new WebSocket(socketUrl); } catch { return; }
    ws.addEventListener('message', (event) => {
      let m;
      try { m = JSON.parse(event.data); } catch { return; }
      if (m.type === 'hello') {
        delay = 0;
        if (server !== null && server !== m.server) { location.reload(); return; }
        server = m.server;
      } else if (m.type === 'change' && Array.isArray(m.paths)) {
        onChange(m.paths, m.truncated === true);
      }
    });
    ws.addEventListener('close', () => {
      delay = delay === 0 ? 250 : Math.min(delay * 2, 5000);
      setTimeout(connect, delay);
    });
  };
  connect();
})();
`;

/** The client script's text for a socket at `socketPath`. */
export function liveReloadClientScript(socketPath: string): string {
  return SOURCE.replace('__SOCKET_PATH__', socketPath);
}
