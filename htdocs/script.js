// Shows how long this page took and the Date header of a fresh request to the server.
(function () {
  'use strict';
  const timing = document.getElementById('timing');
  const status = document.getElementById('server-time');
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav && timing) {
    timing.textContent = `This page: ${Math.round(nav.responseEnd - nav.requestStart)} ms from request to last byte.`;
  }
  fetch('/', { method: 'HEAD', cache: 'no-store' })
    .then((res) => {
      const server = res.headers.get('server');
      const date = res.headers.get('date');
      if (status && server && date) status.textContent = `Served by ${server} — server time ${date}.`;
    })
    .catch(() => {});
})();
