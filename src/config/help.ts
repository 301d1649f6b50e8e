// --help text, generated from the key table so it can never list a flag that does not exist or miss
// one that does.

import { GROUPS, KEYS, flagNames, kebab, type Group, type KeySpec } from './keys.ts';
import { placeholder } from './kinds.ts';

const WIDTH = 34;

function defaultText(spec: KeySpec): string {
  if (spec.key === 'server_version') return 'the package version';
  if (spec.kind.type === 'bool' || spec.default === null) return spec.default === null ? '' : String(spec.default);
  if (Array.isArray(spec.default) && spec.default.length === 0) return '';
  if (typeof spec.default === 'object' && spec.default !== null && Object.keys(spec.default).length === 0) return '';
  return typeof spec.default === 'string' ? JSON.stringify(spec.default) : JSON.stringify(spec.default);
}

/** `-p, --port <port>`, `--directory-listing, --no-directory-listing`. */
export function flagUsage(spec: KeySpec): string {
  const main = kebab(spec.key);
  const extra = spec.flags ?? [];
  const arg = placeholder(spec.kind);
  const short = spec.short === undefined ? '' : `-${spec.short}, `;
  if (spec.kind.type === 'bool') {
    const names = [main, ...extra];
    return short + names.map((n) => `--${n}`).join(', ') + ` / --no-${names[names.length - 1]}`;
  }
  return `${short}${[main, ...extra].map((n) => `--${n}`).join(', ')} ${arg}`;
}

function line(left: string, right: string): string {
  return left.length >= WIDTH - 2 ? `  ${left}\n${' '.repeat(WIDTH)}${right}\n` : `  ${left.padEnd(WIDTH - 2)}${right}\n`;
}

export function helpText(version: string): string {
  let out = `httpcraft ${version} — a small, correct web server\n\n`;
  out += 'Usage: httpcraft [options] [ROOT]\n';
  out += '       httpcraft hash-password [--token]   print a password (or token) hash for the users key\n\n';
  out += 'Serves the folder ROOT (default: htdocs, or the current folder when there is no ./htdocs).\n';
  out += 'Settings come from, highest first: these flags, HTTPCRAFT_<KEY> environment variables (and\n';
  out += 'PORT for the port), the config file, then the defaults below.\n\n';
  out += line('-h, --help', 'Show this help and exit.');
  out += line('-V, -v, --version', 'Print the version and exit.');
  out += line('-c, --config <path>', 'Config file (JSON). Default: ./config.json when present and an httpcraft config (another tool\'s is ignored with a warning).');
  out += line('--no-config', 'Read no config file, not even ./config.json.');
  out += line('--print-config', 'Print the merged settings and where each came from, then exit.');
  for (const group of Object.keys(GROUPS) as Group[]) {
    out += `\n${GROUPS[group]}:\n`;
    for (const spec of KEYS as readonly KeySpec[]) {
      if (spec.group !== group) continue;
      const legacy = flagNames(spec).slice(1 + (spec.flags?.length ?? 0));
      const dflt = defaultText(spec);
      let text = spec.description;
      if (dflt !== '') text += ` Default: ${dflt}.`;
      if (legacy.length > 0) text += ` (Legacy: ${legacy.map((n) => `--${n}`).join(', ')}.)`;
      out += line(flagUsage(spec), text);
    }
  }
  out += '\nExit status: 0 on a clean stop, 1 when the server cannot start, 2 for a usage or config error.\n';
  return out;
}
