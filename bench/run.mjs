// `npm run bench`: runs every benchmark case in one go, so ratios compare servers measured together.
// Options: --only=name[,name] to pick cases, --duration=SECONDS (default 10).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, haveWrk } from './lib.mjs';

if (!haveWrk()) {
  console.error('wrk is not installed. Install it with: sudo apt-get install -y wrk');
  process.exit(1);
}

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const duration = Number(args.duration ?? process.env.BENCH_DURATION ?? 10);
const only = args.only ? new Set(args.only.split(',')) : null;

// Each case is a module exporting run(options); optional ones are skipped when absent.
const CASES = ['core', 'static', 'https', 'upload', 'status-overhead', 'logging', 'workers', 'websocket', 'access', 'access-rate', 'http2', 'proxy'];

for (const name of CASES) {
  if (only && !only.has(name)) continue;
  const file = join(BENCH_DIR, `${name}.mjs`);
  if (!existsSync(file)) continue;
  const mod = await import(file);
  await mod.run({ duration });
}
