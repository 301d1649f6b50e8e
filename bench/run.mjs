// `npm run bench`: runs every benchmark case in one go, so ratios compare servers measured together.
// Options: --only=name[,name] to pick cases, --duration=SECONDS (default 10), --soak MINUTES (the
// stress case's soak mode instead of its bounded runs). `--key value` and `--key=value` both work.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, haveWrk } from './lib.mjs';

if (!haveWrk()) {
  console.error('wrk is not installed. Install it with: sudo apt-get install -y wrk');
  process.exit(1);
}

const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const [key, value] = argv[i].replace(/^--/, '').split('=');
  if (value !== undefined) args[key] = value;
  else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) args[key] = argv[++i];
  else args[key] = 'true';
}
const duration = Number(args.duration ?? process.env.BENCH_DURATION ?? 10);
const only = args.only ? new Set(args.only.split(',')) : null;

// Each case is a module exporting run(options); optional ones are skipped when absent.
const CASES = ['core', 'cli', 'static', 'https', 'tls-handshake', 'upload', 'status-overhead', 'logging', 'workers', 'websocket', 'access', 'access-rate', 'http2', 'router', 'proxy', 'stress'];

for (const name of CASES) {
  if (only && !only.has(name)) continue;
  const file = join(BENCH_DIR, `${name}.mjs`);
  if (!existsSync(file)) continue;
  const mod = await import(file);
  await mod.run({ duration, ...(args.soak === undefined ? {} : { soak: Number(args.soak) }) });
}
