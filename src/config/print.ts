// --print-config: the merged settings, one per line, with where each value came from, so "why is
// it listening on 9000?" has a one-command answer.

import { KEYS, type KeySpec } from './keys.ts';
import type { Config, SourceMap } from './schema.ts';

/** Secrets (key passphrase, status token) are shown as set or not, never in clear; in a list of
 * users or tokens the names show and every *_hash is "(set)". */
function shown(spec: KeySpec, value: unknown): unknown {
  if (spec.secret !== true || value === null) return value;
  if (!Array.isArray(value)) return '(set)';
  return value.map((item: unknown) =>
    typeof item === 'object' && item !== null ? Object.fromEntries(Object.entries(item).map(([k, v]) => [k, k.endsWith('_hash') ? '(set)' : v])) : '(set)',
  );
}

export function printConfig(config: Config, sources: SourceMap, configFile: string | null): string {
  const rows = (KEYS as readonly KeySpec[]).map((spec) => {
    const key = spec.key as keyof Config;
    return [spec.key, JSON.stringify(shown(spec, config[key])) ?? 'null', sources[key]] as const;
  });
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.min(48, Math.max(...rows.map((r) => r[1].length)));
  let out = `# config file: ${configFile ?? '(none)'}\n# precedence: command line > environment > config file > default\n`;
  for (const [key, value, source] of rows) out += `${key.padEnd(w0)}  ${value.padEnd(w1)}  # ${source}\n`;
  return out;
}

/** The same as JSON: {"port": {"value": 8000, "source": "default"}, …}. */
export function printConfigJson(config: Config, sources: SourceMap): string {
  const out: Record<string, { value: unknown; source: string }> = {};
  for (const spec of KEYS as readonly KeySpec[]) {
    const key = spec.key as keyof Config;
    out[key] = { value: shown(spec, config[key]), source: sources[key] };
  }
  return JSON.stringify(out, null, 2) + '\n';
}
