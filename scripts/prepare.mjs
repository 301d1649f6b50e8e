#!/usr/bin/env node
// npm's `prepare` step: builds dist/ with `tsc --build` (a no-op when nothing changed). npm runs it
// on `npm install` and `npm ci` in a checkout, before `npm pack`, and on `npm install -g .` from a
// clone. In that last case npm links the folder without installing its dependencies, so there is
// neither TypeScript to build with nor mime-db to run with: the dependencies are installed into
// the folder first (with scripts off, so this step does not run again inside itself).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(command, args, env = process.env) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(tsc)) {
  // A global install passes its own settings down (global, prefix): this install is local.
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_config_(global|prefix|location|omit|include|production)$/i.test(k)) env[k] = v;
  const npm = process.env.npm_execpath;
  const [command, ...first] = npm !== undefined && npm.endsWith('.js') ? [process.execPath, npm] : ['npm'];
  console.error('httpcraft: installing the build dependencies in the package folder first');
  run(command, [...first, 'install', '--global=false', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', root], env);
}
run(process.execPath, [tsc, '--build', 'tsconfig.json']);
