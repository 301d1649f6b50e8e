// The option tables of README.md and docs/configuration.md, generated from the key table.
// `node scripts/gen-config-docs.mjs` rewrites them between the markers; `--check` (and a test) fails
// when the committed text differs from what the table generates.

import { GROUPS, KEYS, envNames, flagNames, type Group, type KeySpec } from './keys.ts';
import type { Kind } from './kinds.ts';

export const START_MARKER = '<!-- options:start -->';
export const END_MARKER = '<!-- options:end -->';

function typeText(kind: Kind): string {
  switch (kind.type) {
    case 'bool':
      return 'bool';
    case 'int':
      return `int ${kind.min}–${kind.max}${kind.auto === true ? ' or "auto"' : ''}${kind.nullable === true ? ' or null' : ''}`;
    case 'bytes':
      return kind.max === Number.MAX_SAFE_INTEGER ? 'bytes' : `bytes ${kind.min}–${kind.max}`;
    case 'seconds':
      return kind.min > 0 ? `seconds ≥ ${kind.min}` : 'seconds';
    case 'port':
      return kind.nullable === true ? 'port or null' : 'port';
    case 'path':
      if (kind.words !== undefined) return ['path', ...kind.words].join(' \\| ');
      return kind.nullable === true ? 'path or null' : 'path';
    case 'string':
      return kind.nullable === true ? 'string or null' : 'string';
    case 'enum':
      return kind.values.join(' \\| ');
    case 'list':
      return 'string[]';
    case 'string-or-list':
      return 'string or string[]';
    case 'header-map':
      return 'object';
    case 'cache-rules':
      return '[{pattern, value}]';
    case 'cidr-list':
      return 'CIDR[]';
    case 'rate-limits':
      return '[{path, per, rate, burst}]';
    case 'store-url':
      return 'memory \\| redis URL';
    case 'records':
      return '[{…}] (JSON)';
  }
}

function defaultCell(spec: KeySpec): string {
  if (spec.key === 'server_version') return '(package version)';
  return `\`${JSON.stringify(spec.default)}\``;
}

function flagCell(spec: KeySpec): string {
  const names = flagNames(spec);
  const main = names.slice(0, 1 + (spec.flags?.length ?? 0));
  const legacy = names.slice(main.length);
  const parts = main.map((n) => `\`--${n}\``);
  if (spec.short !== undefined) parts.unshift(`\`-${spec.short}\``);
  if (spec.kind.type === 'bool') parts.push(`\`--no-${main[main.length - 1]}\``);
  let cell = parts.join(', ');
  if (legacy.length > 0) cell += ` (legacy ${legacy.map((n) => `\`--${n}\``).join(', ')})`;
  return cell;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** Markdown: one table per group. */
export function optionsMarkdown(): string {
  let out = '';
  for (const group of Object.keys(GROUPS) as Group[]) {
    out += `\n#### ${GROUPS[group]}\n\n| Key | Flag | Environment | Type | Default | Description |\n| --- | --- | --- | --- | --- | --- |\n`;
    for (const spec of KEYS as readonly KeySpec[]) {
      if (spec.group !== group) continue;
      const key = `\`${spec.key}\`` + ((spec.aliases?.length ?? 0) > 0 ? ` (legacy ${spec.aliases!.map((a) => `\`${a}\``).join(', ')})` : '');
      const env = envNames(spec).map((n) => `\`${n}\``).join(', ');
      out += `| ${key} | ${flagCell(spec)} | ${env} | ${typeText(spec.kind)} | ${escapeCell(defaultCell(spec))} | ${escapeCell(spec.description)} |\n`;
    }
  }
  return out + '\n';
}

/** The text with the block between the markers replaced; null when the markers are missing. */
export function replaceOptions(text: string, generated = optionsMarkdown()): string | null {
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) return null;
  return text.slice(0, start + START_MARKER.length) + '\n' + generated + text.slice(end);
}
