// The script each cluster worker of the CLI runs: the same builder as the single-process mode.
import { buildCliServer } from './cli-server.ts';
import { runWorker } from './worker-main.ts';

process.exitCode = await runWorker(buildCliServer);
// Drained: nothing is left to wait for except the IPC channel, which would keep us alive.
process.exit();
