// Configuration: argv and environment (src/config/argv.ts, src/config/load.ts) and the config file.
// Invariant: whatever the input, loading either gives a Config or throws ConfigErrors whose every
// entry names a key and a source with a message (what the CLI prints before exiting 2); never any
// other exception, and never a crash on a strange flag, value, JSON shape or byte.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseArgv, allFlagNames } from '../../src/config/argv.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError, ConfigErrors } from '../../src/config/errors.ts';
import { KEYS, envNames } from '../../src/config/keys.ts';
import type { FuzzTarget } from '../engine.ts';

function checkConfigErrors(error: unknown): void {
  assert.ok(error instanceof ConfigErrors, `not a ConfigErrors: ${error instanceof Error ? error.stack : String(error)}`);
  assert.ok(error.errors.length > 0, 'ConfigErrors without an error');
  for (const e of error.errors) {
    assert.ok(e instanceof ConfigError);
    // The key is what the user wrote (an unknown key may be ""); where it came from and what is wrong
    // are always said.
    assert.ok(typeof e.key === 'string' && e.source.length > 0 && e.message.length > 0, `an error without source or message: ${JSON.stringify(e)}`);
  }
}

function load(argv: string[], env: Record<string, string>, cwd: string): void {
  try {
    const loaded = loadConfig({ argv, env, cwd, skipFilesystemChecks: true });
    assert.equal(typeof loaded.config, 'object');
    for (const w of loaded.warnings) assert.equal(typeof w, 'string');
  } catch (error) {
    checkConfigErrors(error);
  }
}

let emptyDir: string | null = null;

/** Input: NUL-separated words; NAME=value words with an HTTPCRAFT_ or PORT name go to the environment. */
function checkArgv(input: Buffer): void {
  const words = input.toString('utf8').split('\0');
  const argv: string[] = [];
  const env: Record<string, string> = {};
  for (const w of words) {
    const m = /^(HTTPCRAFT_[A-Z_]*|PORT)=(.*)$/s.exec(w);
    if (m) env[m[1]!] = m[2]!;
    else argv.push(w);
  }
  const parsed = parseArgv(argv);
  for (const e of parsed.errors) assert.ok(e instanceof ConfigError && e.source.length > 0 && e.message.length > 0, 'argv error without source or message');
  // -c/--config would read a file named by the fuzzer: keep it to files that do not exist.
  const safeArgv = argv.map((a) => (a.startsWith('-c') || a.startsWith('--config') || a.startsWith('--c') ? '--no-config' : a));
  delete env.HTTPCRAFT_CONFIG;
  load(safeArgv, env, emptyDir!);
}

const FLAGS = allFlagNames();
const valueArb = fc.oneof(fc.constantFrom('0', '1', '-1', '65536', '8080', 'auto', 'true', 'false', 'yes', '', ' ', '10s', '1e3', 'NaN', '0x10', '/tmp', 'common', 'json', '[]', '{}', 'null', '\u00e9', '../..'), fc.string({ maxLength: 12 }));
const argWordArb = fc.oneof(
  fc.constantFrom(...FLAGS).map((f) => `--${f}`),
  fc.tuple(fc.constantFrom(...FLAGS), valueArb).map(([f, v]) => `--${f}=${v}`),
  fc.constantFrom('-p', '-H', '-d', '-h', '-V', '-x', '-', '--', '---', '--no-', '--=', '-pp', '-p8080'),
  valueArb,
  fc.tuple(fc.constantFrom(...KEYS.flatMap((k) => envNames(k)), 'PORT', 'HTTPCRAFT_NOPE'), valueArb).map(([n, v]) => `${n}=${v}`),
);

export const argv: FuzzTarget = {
  name: 'argv',
  about: 'command-line flags and HTTPCRAFT_* environment variables',
  grammar: fc.array(argWordArb, { maxLength: 8 }).map((w) => Buffer.from(w.join('\0'), 'utf8')),
  check: checkArgv,
  ciRuns: 800,
  async setup() {
    emptyDir = mkdtempSync(join(tmpdir(), 'httpcraft-fuzz-argv-'));
    return async () => rmSync(emptyDir!, { recursive: true, force: true });
  },
};

let fileDir: string | null = null;

function checkConfigFile(input: Buffer): void {
  const file = join(fileDir!, 'config.json');
  writeFileSync(file, input);
  // Explicit (read strictly) and discovered (a foreign config.json is ignored with a warning).
  load(['-c', file], {}, fileDir!);
  load([], {}, fileDir!);
}

const jsonValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, 1, -1, 8080, 70000, 1.5, true, false, null, '', 'auto', 'common', '::', 'htdocs', '../outside', [], {}, ['a'], { a: 1 }),
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double(),
);
const KEY_NAMES = KEYS.map((k) => k.key);
export const configFile: FuzzTarget = {
  name: 'config-file',
  about: 'config.json: JSON syntax, unknown and legacy keys, types and ranges of every key',
  grammar: fc
    .dictionary(fc.oneof(fc.constantFrom(...KEY_NAMES, 'max_threads', 'directory', 'enable_directory_listing', '$schema', 'nope', '__proto__', 'constructor'), fc.string({ maxLength: 8 })), jsonValueArb, { maxKeys: 6 })
    .chain((obj) => fc.constantFrom(JSON.stringify(obj), JSON.stringify(obj, null, 2), JSON.stringify([obj]), JSON.stringify(obj).slice(0, -1), `\ufeff${JSON.stringify(obj)}`, `// comment\n${JSON.stringify(obj)}`))
    .map((t) => Buffer.from(t, 'utf8')),
  check: checkConfigFile,
  ciRuns: 500,
  async setup() {
    fileDir = mkdtempSync(join(tmpdir(), 'httpcraft-fuzz-config-'));
    return async () => rmSync(fileDir!, { recursive: true, force: true });
  },
};
