// The dashboard's browser script: polls the JSON form of the page every two seconds and redraws
// the figures. Every value from the server goes into the page with textContent or as an SVG
// attribute, never as markup, so a hostile request path cannot inject script. Plain ES2017 so it
// runs in any current browser; no framework, no network access beyond the status endpoint.

export const DASHBOARD_JS = String.raw`
(function () {
  'use strict';
  var POLL_MS = 2000;
  var params = new URLSearchParams(location.search);
  var jsonParams = new URLSearchParams();
  jsonParams.set('format', 'json');
  if (params.get('token')) jsonParams.set('token', params.get('token'));
  var url = location.pathname + '?' + jsonParams.toString();
  var last = null;
  var timer = null;
  var failures = 0;

  function $(id) { return document.getElementById(id); }
  function set(id, text) { var e = $(id); if (e && e.textContent !== text) e.textContent = text; }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function svg(tag, attrs) { var e = document.createElementNS('http://www.w3.org/2000/svg', tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }

  function num(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(n >= 1e10 ? 0 : 1) + 'G';
    if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(n >= 1e5 ? 0 : 1) + 'k';
    return String(Math.round(n * 100) / 100);
  }
  function int(n) { return Math.round(n).toLocaleString('en-US'); }
  function bytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + u[i];
  }
  function ms(v) {
    if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
    if (v >= 10) return v.toFixed(0) + ' ms';
    if (v >= 1) return v.toFixed(1) + ' ms';
    return v.toFixed(2) + ' ms';
  }
  function pct(x) { return (x * 100).toFixed(x >= 0.995 || x === 0 ? 0 : 1) + '%'; }
  function duration(s) {
    s = Math.floor(s);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + r + 's';
    return r + 's';
  }

  function drawChart(series) {
    var box = $('chart');
    var w = Math.max(200, box.clientWidth || 600), h = box.clientHeight || 190;
    var left = 40, right = 8, top = 10, bottom = 22;
    var pw = w - left - right, ph = h - top - bottom;
    var max = 0;
    for (var i = 0; i < series.length; i++) if (series[i] > max) max = series[i];
    var nice = max <= 5 ? 5 : Math.pow(10, Math.floor(Math.log10(max)));
    var ceil = Math.max(5, Math.ceil(max / nice) * nice);
    while (box.firstChild) box.removeChild(box.firstChild);
    box.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    for (var g = 0; g <= 2; g++) {
      var y = top + ph - (ph * g) / 2;
      box.appendChild(svg('line', { x1: left, x2: w - right, y1: y, y2: y, 'class': 'grid' }));
      var t = svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', 'class': 'axis' });
      t.textContent = num((ceil * g) / 2);
      box.appendChild(t);
    }
    var n = series.length, minutes = Math.round(n / 60);
    for (var m = 0; m <= minutes; m++) {
      var x = left + pw * (1 - (m * 60) / (n - 1 || 1));
      if (x < left - 1) continue;
      var lt = svg('text', { x: x, y: h - 6, 'text-anchor': m === 0 ? 'end' : 'middle', 'class': 'axis' });
      lt.textContent = m === 0 ? 'now' : '-' + m + 'm';
      box.appendChild(lt);
    }
    var pts = [];
    for (var j = 0; j < n; j++) {
      var px = left + (pw * j) / (n - 1 || 1);
      var py = top + ph - (ph * series[j]) / ceil;
      pts.push(px.toFixed(1) + ',' + py.toFixed(1));
    }
    box.appendChild(svg('polygon', { points: left + ',' + (top + ph) + ' ' + pts.join(' ') + ' ' + (left + pw) + ',' + (top + ph), 'class': 'area' }));
    box.appendChild(svg('polyline', { points: pts.join(' '), 'class': 'line' }));
  }

  function renderStatus(s) {
    var classes = ['1xx', '2xx', '3xx', '4xx', '5xx'];
    var total = 0;
    classes.forEach(function (c) { total += s.requests.byClass[c]; });
    var stack = $('stack'), legend = $('legend'), codes = $('codes');
    stack.textContent = ''; legend.textContent = ''; codes.textContent = '';
    classes.forEach(function (c, i) {
      var n = s.requests.byClass[c];
      if (total > 0 && n > 0) { var seg = el('i', 'k' + (i + 1)); seg.style.width = (100 * n / total) + '%'; seg.title = c + ': ' + n; stack.appendChild(seg); }
      var item = el('span');
      item.appendChild(el('span', 'sw k' + (i + 1)));
      item.appendChild(document.createTextNode(c));
      item.appendChild(el('b', null, int(n)));
      legend.appendChild(item);
    });
    var list = Object.keys(s.requests.byCode).sort();
    if (list.length === 0) codes.appendChild(el('p', 'empty', 'No responses yet.'));
    list.forEach(function (code) {
      var c = el('span', 'code');
      var b = el('b', null, code);
      b.className = 'k' + code.charAt(0) + '-text';
      c.appendChild(b);
      c.appendChild(document.createTextNode(int(s.requests.byCode[code])));
      codes.appendChild(c);
    });
  }

  function renderLatency(l) {
    var rows = [['p50', l.p50Ms], ['p90', l.p90Ms], ['p99', l.p99Ms], ['max', l.maxMs]];
    var box = $('lat-bars');
    box.textContent = '';
    var top = l.maxMs || 1;
    rows.forEach(function (r) {
      box.appendChild(el('span', 'lbl', r[0]));
      var track = el('div', 'track'), fill = el('div', 'fill');
      fill.style.width = Math.max(1, Math.min(100, 100 * r[1] / top)) + '%';
      track.appendChild(fill);
      box.appendChild(track);
      box.appendChild(el('span', null, ms(r[1])));
    });
    set('lat-count', int(l.count) + (l.count === 1 ? ' request' : ' requests') + ' in the last ' + l.windowSeconds + ' s, mean ' + ms(l.meanMs));
  }

  function renderTable(id, head, rows) {
    var t = $(id);
    t.textContent = '';
    var thead = el('thead'), tr = el('tr');
    head.forEach(function (h) { tr.appendChild(el('th', h[1] ? 'n' : null, h[0])); });
    thead.appendChild(tr); t.appendChild(thead);
    var tb = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (cell, i) { row.appendChild(el('td', head[i][2] || (head[i][1] ? 'n' : null), cell)); });
      tb.appendChild(row);
    });
    t.appendChild(tb);
  }

  function render(s) {
    set('version', s.server.version ? 'v' + s.server.version : '');
    set('uptime', duration(s.server.uptimeSeconds));
    var started = new Date(s.server.startTime);
    set('started', 'since ' + (s.server.uptimeSeconds < 86400 ? started.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : started.toLocaleDateString()));
    set('total', int(s.requests.total));
    var errors = s.requests.byClass['4xx'] + s.requests.byClass['5xx'];
    var byProto = s.requests.byProtocol || {};
    var overH2 = byProto['HTTP/2.0'] || 0;
    set('total-sub', int(errors) + (errors === 1 ? ' error' : ' errors') + (overH2 ? ' · ' + int(overH2) + ' over HTTP/2' : ''));
    set('rps', num(s.requests.perSecond));
    set('rps-sub', 'avg. last minute');
    set('p50', ms(s.latency.p50Ms));
    set('p-sub', 'p90 ' + ms(s.latency.p90Ms) + ' · p99 ' + ms(s.latency.p99Ms));
    set('conns', int(s.connections.active));
    var h2 = s.connections.http2;
    set('conns-sub', int(s.connections.total) + ' total' + (s.connections.refused ? ', ' + int(s.connections.refused) + ' refused' : '') + (h2.total ? ' · HTTP/2 ' + int(h2.active) + ' open, ' + int(h2.streams) + ' streams' : ''));
    set('reuse', s.requests.total ? pct(s.requests.keepAliveReused / s.requests.total) : '–');
    set('reuse-sub', int(s.requests.keepAliveReused) + ' reused');
    var per = s.requests.total || 1;
    set('bytes-out', bytes(s.bytes.sent));
    set('bytes-out-sub', bytes(Math.round(s.bytes.sent / per)) + ' per request');
    set('bytes-in', bytes(s.bytes.received));
    set('bytes-in-sub', bytes(Math.round(s.bytes.received / per)) + ' per request');
    if (s.cache) {
      set('cache', s.cache.hits + s.cache.misses ? pct(s.cache.hitRate) : '–');
      set('cache-sub', int(s.cache.entries) + ' files · ' + bytes(s.cache.bytes));
    } else { set('cache', 'off'); set('cache-sub', 'file cache disabled'); }
    set('uploads', int(s.uploads.files));
    set('uploads-sub', bytes(s.uploads.bytes) + (s.uploads.rejected ? ' · ' + int(s.uploads.rejected) + ' rejected' : ''));
    set('rss', bytes(s.memory.rss));
    set('heap', 'heap ' + bytes(s.memory.heapUsed) + ' used');
    set('loop', ms(s.eventLoop.p99Ms));
    set('loop-sub', 'p99 · max ' + ms(s.eventLoop.maxMs));
    drawChart(s.rate.requests);
    renderStatus(s);
    renderLatency(s.latency);
    if (s.topPaths.length === 0) { $('paths').textContent = ''; $('paths-empty').hidden = false; }
    else {
      $('paths-empty').hidden = true;
      var sum = s.requests.total || 1;
      renderTable('paths', [['Path', false, 'path'], ['Requests', true], ['Share', true]], s.topPaths.map(function (p) {
        return [p.path, (p.error ? '≤ ' : '') + int(p.count), pct(p.count / sum)];
      }));
    }
    var routes = s.routes || [];
    $('routes-panel').hidden = routes.length === 0;
    if (routes.length > 0) {
      renderTable('routes', [['Route', false, 'path'], ['Requests', true], ['4xx', true], ['5xx', true], ['Mean', true]], routes.map(function (r) {
        return [r.route, int(r.count), int(r.byClass[3]), int(r.byClass[4]), ms(r.duration.count ? (r.duration.sum / r.duration.count) * 1000 : 0)];
      }));
    }
    var up = $('upstreams-panel');
    var upstreams = s.upstreams || [];
    up.hidden = upstreams.length === 0;
    if (upstreams.length > 0) {
      var rows = [];
      upstreams.forEach(function (r) {
        r.backends.forEach(function (b) {
          rows.push([r.path, b.url, b.state, int(b.requests), int(b.active), int(b.failures), int(b.responses['5xx']), int(b.openConnections)]);
        });
      });
      renderTable('upstreams', [['Route', false, 'path'], ['Backend', false, 'path'], ['State', false], ['Requests', true], ['Active', true], ['Failures', true], ['5xx', true], ['Conns', true]], rows);
    }
    var wp = $('workers-panel');
    wp.hidden = s.workers.length < 2;
    if (s.workers.length >= 2) {
      renderTable('workers', [['Worker', false], ['PID', true], ['Uptime', true], ['Requests', true], ['Req/s', true], ['Conns', true], ['RSS', true], ['Loop p99', true]], s.workers.map(function (w) {
        return ['#' + w.id, String(w.pid), duration(w.uptimeSeconds), int(w.requests), num(w.perSecond), int(w.activeConnections), bytes(w.rss), ms(w.eventLoopP99Ms)];
      }));
    }
    set('footer', s.server.name + ' ' + (s.server.version || '') + ' · Node ' + s.server.node + ' · ' + s.server.workers + (s.server.workers === 1 ? ' process' : ' workers') + ' · updated ' + new Date(s.server.now).toLocaleTimeString());
  }

  function setLive(ok, text) {
    var live = $('live');
    live.className = 'live ' + (ok ? 'ok' : 'bad');
    set('live-text', text);
  }

  function poll() {
    timer = null;
    fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (s) { last = s; failures = 0; render(s); setLive(true, 'live'); document.body.setAttribute('data-updated', String(s.server.now)); })
      .catch(function (e) { failures++; setLive(false, 'offline (' + e.message + ')'); })
      .then(schedule);
  }
  function schedule() {
    if (timer !== null || document.hidden) return;
    timer = setTimeout(poll, failures > 3 ? POLL_MS * 4 : POLL_MS);
  }
  document.addEventListener('visibilitychange', function () { if (!document.hidden && timer === null) poll(); });
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (last) drawChart(last.rate.requests); }, 100);
  });
  poll();
})();
`;
