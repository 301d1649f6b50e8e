// The inspector page's browser script: listens to the events stream (EventSource) and shows each
// exchange, newest first. Every value from the server goes into the page with textContent (a target
// can be "<script>…"), and only rfc-editor.org URLs become links. Bytes are shown with their control
// characters visible, as `--trace` shows them (console-trace.ts visibleBytes). Plain ES2017.

export const INSPECTOR_JS = String.raw`
(function () {
  'use strict';
  var LIMIT = 200;
  var RFC = 'https://www.rfc-editor.org/';
  var params = new URLSearchParams(location.search);
  var query = new URLSearchParams();
  if (params.get('token')) query.set('token', params.get('token'));
  var url = location.pathname.replace(/\/+$/, '') + '/events' + (query.toString() === '' ? '' : '?' + query.toString());
  var list = document.getElementById('list');
  var search = document.getElementById('search');
  var rows = new Map();
  var dropped = 0;

  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function set(id, text) { document.getElementById(id).textContent = text; }

  function visibleChar(c) {
    if (c === 13) return '\\r';
    if (c === 10) return '\\n';
    if (c === 9) return '\\t';
    if (c === 0) return '\\0';
    if (c === 92) return '\\\\';
    return '\\x' + (c < 16 ? '0' : '') + c.toString(16);
  }
  // Bytes (as latin1 characters) with every control character escaped; a line break follows each LF.
  function visible(text) {
    var out = '';
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      out += c >= 32 && c < 127 && c !== 92 ? text[i] : visibleChar(c);
      if (c === 10 && i < text.length - 1) out += '\n';
    }
    return out;
  }
  function hex(text) {
    var out = [];
    for (var i = 0; i < text.length; i++) { var c = text.charCodeAt(i) & 255; out.push((c < 16 ? '0' : '') + c.toString(16)); }
    return out.join(' ');
  }
  function ms(v) { return v < 0 ? '\u2014' : v.toFixed(2) + ' ms'; }
  function clock(t) {
    var d = new Date(t), p = function (n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; };
    return p(d.getHours(), 2) + ':' + p(d.getMinutes(), 2) + ':' + p(d.getSeconds(), 2) + '.' + p(d.getMilliseconds(), 3);
  }

  function section(parent, title, node) { parent.appendChild(el('h3', null, title)); parent.appendChild(node); }

  function details(r, body) {
    var h2 = r.protocol === 'h2';
    section(body, 'Request head' + (h2 ? ' (HPACK decoded)' : '') + ', ' + r.requestHead.length + ' bytes', el('pre', 'bytes request', visible(r.requestHead)));
    section(body, r.responseHead === '' ? 'Response head' : 'Response head' + (h2 ? ' (before HPACK)' : '') + ', ' + r.responseHead.length + ' bytes',
      el('pre', 'bytes response', r.responseHead === '' ? 'no response head was sent' : visible(r.responseHead)));
    var summary;
    if (r.responseBodyBytes === 0) summary = 'none';
    else summary = r.responseBodyBytes + ' bytes, ' + (r.contentType || 'no Content-Type') +
      '\nfirst ' + r.bodySample.length + ' as hex:  ' + hex(r.bodySample) +
      '\nfirst ' + r.bodySample.length + ' as text: ' + visible(r.bodySample).replace(/\n/g, '');
    if (r.requestBodyBytes > 0) summary += '\nrequest body: ' + r.requestBodyBytes + ' bytes';
    section(body, 'Body', el('pre', 'bodysum', summary));
    section(body, 'Timings', el('pre', 'timings', 'head received ' + ms(r.timings.headers) + ', first byte out ' + ms(r.timings.firstByte) + ', last byte out ' + ms(r.timings.lastByte) +
      '\nconnection ' + r.connection + (r.stream ? ', stream ' + r.stream : '') + ', from ' + r.remote + (r.worker ? ', worker ' + r.worker : '')));
    if (r.frames.length > 0) {
      var table = el('table', 'frames');
      r.frames.forEach(function (f) {
        var tr = el('tr');
        tr.appendChild(el('td', null, f.dir === 'in' ? '\u2192' : '\u2190'));
        tr.appendChild(el('td', null, f.type));
        tr.appendChild(el('td', null, 'stream ' + f.stream));
        tr.appendChild(el('td', null, f.flags.join(' ')));
        tr.appendChild(el('td', null, f.length + ' bytes'));
        tr.appendChild(el('td', null, f.detail + (f.hpack ? ' hpack: ' + f.hpack : '')));
        table.appendChild(tr);
      });
      section(body, 'HTTP/2 frames', table);
    }
    if (r.decisions.length > 0) {
      var ul = el('ul', 'why');
      r.decisions.forEach(function (d) {
        var li = el('li', 'decision', d.text);
        if (d.source) {
          li.appendChild(document.createTextNode(' ('));
          if (typeof d.url === 'string' && d.url.indexOf(RFC) === 0) {
            var a = el('a', 'rule', d.source);
            a.href = d.url;
            a.target = '_blank';
            a.rel = 'noopener noreferrer';
            li.appendChild(a);
          } else li.appendChild(el('span', 'src', d.source));
          li.appendChild(document.createTextNode(')'));
        }
        ul.appendChild(li);
      });
      section(body, 'Why', ul);
    }
    var curl = el('div', 'curl');
    var code = el('pre', 'curl-line', r.curl);
    var copy = el('button', 'copy', 'copy');
    copy.type = 'button';
    copy.addEventListener('click', function () {
      if (navigator.clipboard) navigator.clipboard.writeText(r.curl).then(function () { copy.textContent = 'copied'; }, function () { copy.textContent = 'select and copy'; });
    });
    curl.appendChild(code);
    curl.appendChild(copy);
    section(body, 'Replay with curl', curl);
  }

  function searchText(r) {
    var parts = [r.method, r.target, String(r.status), r.protocol, r.host, r.remote, r.contentType, r.requestHead, r.responseHead, r.curl, r.worker ? 'worker ' + r.worker : ''];
    r.decisions.forEach(function (d) { parts.push(d.text, d.source); });
    r.frames.forEach(function (f) { parts.push(f.type, f.detail); });
    return parts.join('\n').toLowerCase();
  }

  function matches(row) {
    var q = search.value.trim().toLowerCase();
    return q === '' || row.text.indexOf(q) !== -1;
  }

  function add(r) {
    if (rows.has(r.id)) return; // a reconnect may be given records already shown
    var li = el('li', 'row');
    li.setAttribute('data-id', r.id);
    var d = el('details', 'ex');
    var s = el('summary');
    s.appendChild(el('span', 'time', clock(r.time)));
    s.appendChild(el('span', 'method', r.method || '?'));
    s.appendChild(el('span', 'target', visible(r.target)));
    s.appendChild(el('span', 'status s' + String(r.status).charAt(0), String(r.status)));
    s.appendChild(el('span', 'proto', r.protocol));
    s.appendChild(el('span', 'worker', r.worker ? 'w' + r.worker : ''));
    d.appendChild(s);
    var body = el('div', 'body');
    var built = false;
    // Built on first open: two hundred closed rows cost little.
    d.addEventListener('toggle', function () { if (d.open && !built) { built = true; details(r, body); } });
    d.appendChild(body);
    li.appendChild(d);
    var row = { li: li, text: searchText(r) };
    rows.set(r.id, row);
    li.hidden = !matches(row);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > LIMIT) {
      var last = list.lastElementChild;
      rows.delete(last.getAttribute('data-id'));
      list.removeChild(last);
    }
    count();
  }

  function count() {
    var shown = 0;
    rows.forEach(function (row) { if (!row.li.hidden) shown++; });
    set('count', rows.size === 0 ? '' : shown === rows.size ? rows.size + ' exchanges' : shown + ' of ' + rows.size + ' exchanges');
    document.getElementById('empty').hidden = rows.size > 0;
  }

  search.addEventListener('input', function () {
    rows.forEach(function (row) { row.li.hidden = !matches(row); });
    count();
  });

  var live = document.getElementById('live');
  var source = new EventSource(url);
  source.addEventListener('hello', function () { live.className = 'live on'; set('live-text', 'live'); });
  source.addEventListener('exchange', function (e) { add(JSON.parse(e.data)); });
  source.addEventListener('dropped', function (e) {
    dropped += JSON.parse(e.data).count;
    var note = document.getElementById('dropped');
    note.hidden = false;
    note.textContent = dropped + ' exchanges were dropped: this page fell behind the server.';
  });
  source.addEventListener('error', function () { live.className = 'live'; set('live-text', source.readyState === 2 ? 'disconnected' : 'reconnecting\u2026'); });
})();
`;
