// Command-line parsing driven by the key table: every key has its --kebab-case flag, boolean keys
// also --no-<flag>, plus the seed's short and legacy flags. Written by hand rather than with
// util.parseArgs because Node 20's parseArgs has no --no-<flag> support and gives no "did you mean".

import { ConfigError, closest, showValue } from './errors.ts';
import { KEYS, flagNames, type KeySpec } from './keys.ts';
import { describeKind, fromText } from './kinds.ts';

export type Action = 'run' | 'help' | 'version' | 'print-config';

export interface CliEntry {
  readonly spec: KeySpec;
  readonly value: unknown;
  /** The flag as the user typed it (`--port`, `-p`, `ROOT`). */
  readonly source: string;
}

export interface ParsedArgs {
  action: Action;
  configPath: string | null;
  /** --no-config: read no config file at all (not even ./config.json). */
  noConfig: boolean;
  /** --print-config=json asks for JSON. */
  printFormat: 'text' | 'json';
  entries: CliEntry[];
  errors: ConfigError[];
}

interface FlagTarget {
  readonly spec: KeySpec;
  /** --no-<flag>: sets a boolean to false. */
  readonly negated: boolean;
}

/** Commands given as the first argument instead of running the server. */
export const SUBCOMMANDS = ['hash-password'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** The subcommand argv starts with, or null (then argv runs the server). */
export function subcommandOf(argv: readonly string[]): Subcommand | null {
  const first = argv[0];
  return SUBCOMMANDS.find((c) => c === first) ?? null;
}

/** Flags that are not configuration keys. */
export const COMMAND_FLAGS = ['help', 'version', 'config', 'no-config', 'print-config'] as const;

/** Short flags of the command flags. */
const SHORT_COMMANDS: Readonly<Record<string, string>> = { h: 'help', c: 'config', V: 'version', v: 'version' };

const LONG = new Map<string, FlagTarget>();
const SHORT = new Map<string, KeySpec>();
for (const spec of KEYS as readonly KeySpec[]) {
  for (const name of flagNames(spec)) {
    LONG.set(name, { spec, negated: false });
    if (spec.kind.type === 'bool') LONG.set(`no-${name}`, { spec, negated: true });
  }
  if (spec.short !== undefined) SHORT.set(spec.short, spec);
}

/** Every long flag name (for "did you mean" and tests). */
export function allFlagNames(): string[] {
  return [...COMMAND_FLAGS, ...LONG.keys()];
}

/** "; did you mean --port?" for a mistyped long flag, "; did you mean -p (--port)?" for a short one
 * in the wrong case, or '' when nothing is close: a short flag is compared with short flags only. */
function suggestion(long: boolean, name: string): string {
  if (long) {
    const guess = closest(name, allFlagNames());
    return guess === undefined ? '' : `; did you mean --${guess}?`;
  }
  const guess = closest(name, [...SHORT.keys(), ...Object.keys(SHORT_COMMANDS)]);
  if (guess === undefined) return '';
  return `; did you mean -${guess} (--${SHORT_COMMANDS[guess] ?? flagNames(SHORT.get(guess)!)[0]})?`;
}

export function parseArgv(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { action: 'run', configPath: null, noConfig: false, printFormat: 'text', entries: [], errors: [] };
  const positionals: string[] = [];
  const setAction = (action: Action): void => {
    // --help wins over everything; otherwise the first action asked for.
    if (action === 'help' || out.action === 'run') out.action = action;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let spec: KeySpec | undefined;
    let negated = false;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      const target = LONG.get(name);
      spec = target?.spec;
      negated = target?.negated ?? false;
    } else {
      // -p 8080, -p8080, -p=8080
      name = arg.slice(1, 2);
      const rest = arg.slice(2);
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
      spec = SHORT.get(name);
      name = SHORT_COMMANDS[name] ?? name;
    }
    const shown = arg.startsWith('--') ? `--${name}` : arg.slice(0, 2);
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      if (i + 1 < argv.length) return argv[++i];
      return undefined;
    };

    if (spec === undefined) {
      if (name === 'print-config' && (inline === 'json' || inline === 'text')) {
        out.printFormat = inline;
        setAction(name);
      } else if (name === 'help' || name === 'version' || name === 'print-config') {
        if (inline !== undefined) out.errors.push(new ConfigError(name, shown, `${shown} takes no value`));
        setAction(name);
      } else if (name === 'config') {
        const v = takeValue();
        if (v === undefined || v === '') out.errors.push(new ConfigError('config', shown, `${shown} needs a file path`));
        else out.configPath = v;
      } else if (name === 'no-config') {
        if (inline !== undefined) out.errors.push(new ConfigError('config', shown, `${shown} takes no value`));
        out.noConfig = true;
      } else {
        // Its value, if it looks like one, belongs to it rather than being a second ROOT.
        const next = argv[i + 1];
        if (inline === undefined && next !== undefined && !next.startsWith('-')) i++;
        out.errors.push(new ConfigError(name, shown, `unknown option${suggestion(arg.startsWith('--'), name)} (see --help)`));
      }
      continue;
    }

    if (spec.kind.type === 'bool') {
      if (inline === undefined) {
        out.entries.push({ spec, value: !negated, source: shown });
        continue;
      }
      const r = fromText(spec.kind, inline);
      if (!r.ok || negated) out.errors.push(new ConfigError(spec.key, shown, `${showValue(inline)} is not valid for ${spec.key}; expected ${negated ? 'no value' : describeKind(spec.kind)}`));
      else out.entries.push({ spec, value: r.value, source: shown });
      continue;
    }
    const text = takeValue();
    if (text === undefined) {
      out.errors.push(new ConfigError(spec.key, shown, `${shown} needs a value: ${describeKind(spec.kind)}`));
      continue;
    }
    const r = fromText(spec.kind, text);
    if (!r.ok) {
      out.errors.push(new ConfigError(spec.key, shown, `${showValue(text)} is not valid for ${spec.key}: ${r.problem}`));
      continue;
    }
    // A list flag given twice adds to the list (--cors-allow-origin a --cors-allow-origin b), and so
    // does a records flag with a text form of its own (--proxy /a=… --proxy /b=…).
    const earlier = out.entries.findIndex((e) => e.spec === spec);
    if (earlier !== -1 && (spec.kind.type === 'list' || spec.kind.type === 'string-or-list' || (spec.kind.type === 'records' && spec.kind.parseText !== undefined))) {
      const prev = out.entries[earlier]!;
      const merged = [prev.value, r.value].flat();
      out.entries[earlier] = { spec, value: merged, source: prev.source };
      continue;
    }
    out.entries.push({ spec, value: r.value, source: shown });
  }

  if (out.noConfig && out.configPath !== null) out.errors.push(new ConfigError('config', '--no-config', '--no-config and --config both given; keep one'));

  if (positionals.length > 1) {
    out.errors.push(new ConfigError('document_root', 'ROOT', `only one ROOT folder may be given, got ${positionals.map((p) => showValue(p)).join(', ')}`));
  } else if (positionals.length === 1) {
    const other = out.entries.find((e) => e.spec.key === 'document_root');
    if (other !== undefined) out.errors.push(new ConfigError('document_root', 'ROOT', `the ROOT argument and ${other.source} both set the document root; give one`));
    else out.entries.push({ spec: KEYS.find((k) => k.key === 'document_root')!, value: positionals[0], source: 'ROOT' });
  }
  return out;
}
