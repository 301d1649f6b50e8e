// A small program for the cluster tests, run as both primary and worker (it is its own worker
// entry): every worker counts its responses and registers them as its stats provider; GET /stats
// on any worker answers with the reports of all workers, gathered by the primary over IPC.
// argv: PORT WORKERS [round-robin|shared]

import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../src/server/http-server.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { runServer } from '../../src/cluster/run-workers.ts';
import { runWorker } from '../../src/cluster/worker-main.ts';
import { onStatsRequest, requestClusterSnapshots } from '../../src/cluster/worker-stats.ts';

interface FixtureConfig {
  label: string;
}

function build(config: FixtureConfig) {
  let requests = 0;
  const server = createServer({
    handler: async (req, res) => {
      if (req.path === '/crash') {
        // A request of death: the worker dies before it can answer.
        process.exit(3);
      }
      if (req.path === '/stats') {
        res.json(200, await requestClusterSnapshots(5000));
        return;
      }
      res.send(200, `${config.label} ${process.pid}\n`);
    },
  });
  server.on('response', (req) => {
    if (req.path !== '/stats') requests++;
  });
  onStatsRequest(() => ({ requests }));
  return server;
}

if (cluster.isWorker) {
  process.exitCode = await runWorker(build);
  process.exit();
} else {
  const [port = '0', workers = '2', scheduling = 'shared'] = process.argv.slice(2);
  let generation = 0;
  const settings = () => ({ config: { label: `gen${generation++}` }, workers: Number(workers), listen: { kind: 'tcp' as const, host: '127.0.0.1', port: Number(port) }, shutdownTimeoutMs: 5000 });
  process.exitCode = await runServer({
    settings: settings(),
    build,
    workerEntry: fileURLToPath(import.meta.url),
    logger: createConsoleLogger('INFO'),
    scheduling: scheduling === 'round-robin' ? 'round-robin' : 'shared',
    supervise: true,
    backoff: { initialMs: 300, maxMs: 1200, stableMs: 60_000 },
    reload: settings,
    onListening: (address) => process.stdout.write(`serving fixture at http://127.0.0.1:${typeof address === 'string' ? address : address.port}/\n`),
  });
  process.exit();
}
