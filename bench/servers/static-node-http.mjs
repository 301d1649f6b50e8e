// Baseline: the minimal node:http static server people write: stat, fs.createReadStream, pipe. A
// plain readdir page for folders, so the listing case has a node:http figure too.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';

const root = process.env.DOCROOT;
const server = createServer(async (req, res) => {
  try {
    const path = join(root, normalize(decodeURIComponent(req.url.split('?')[0])));
    const st = await stat(path);
    if (st.isDirectory()) {
      const names = await readdir(path);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><ul>${names.map((n) => `<li><a href="${encodeURIComponent(n)}">${n}</a></li>`).join('')}</ul>`);
      return;
    }
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', st.size);
    createReadStream(path).pipe(res);
  } catch {
    res.statusCode = 404;
    res.end('not found');
  }
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
