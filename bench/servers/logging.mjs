// Benchmark server for the logging case: the site handler serving LOG_ROOT, with the access log
// (LOG_FORMAT, combined by default) off (LOG_MODE=none), to a rotating file (file), or to stdout
// (console; the bench points stdout at /dev/null).
import { createServer } from '../../dist/src/server/http-server.js';
import { createSiteHandler } from '../../dist/src/app/site.js';
import { createLogger } from '../../dist/src/log/logger.js';
import { RotatingFile } from '../../dist/src/log/rotating-file.js';
import { accessEntry } from '../../dist/src/log/formats.js';

const mode = process.env.LOG_MODE ?? 'none';
const format = process.env.LOG_FORMAT ?? 'combined';
const file = mode === 'file' ? new RotatingFile({ path: process.env.LOG_FILE, maxBytes: 10 * 1024 * 1024, daily: false, keep: 2, compress: false }) : null;
const logger = createLogger({ level: 'INFO', format, console: mode === 'console' ? process.stdout : null, file });
const server = createServer({ handler: createSiteHandler({ documentRoot: process.env.LOG_ROOT, showHiddenFiles: false, followSymlinks: false, logger }) });
// As the CLI wires it (cli-server.ts): one access line per response.
const withHeaders = format !== 'common';
if (mode !== 'none') server.on('response', (req, res) => logger.access(accessEntry(req, res, server.now(), withHeaders)));
const address = await server.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ port: address.port });
process.on('SIGTERM', () => void server.close(1000).then(() => logger.close()).then(() => process.exit(0)));
