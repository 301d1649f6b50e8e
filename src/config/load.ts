// Builds the Config from its four sources, highest first: command line > environment > config file >
// defaults. The config file is `-c/--config PATH` (or HTTPCRAFT_CONFIG), else ./config.json when it
// exists and is ours (see foreignConfig), none with --no-config. Relative paths resolve against the
// folder of the file that names them (a config file's folder; the working directory for flags, env
// and defaults), so a config file means the same thing whichever folder the server is started from.
//
// Every problem is collected and thrown together as ConfigErrors, each naming key, source and value.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseArgv, type Action } from './argv.ts';
import { ConfigError, ConfigErrors, closest, showValue } from './errors.ts';
import { KEYS, allKeyNames, envNames, findKey, type KeySpec } from './keys.ts';
import { fromJson, fromText, isPathWord } from './kinds.ts';
import { defaultConfig, type Config, type SourceMap } from './schema.ts';
import { checkFilesystem } from './check-paths.ts';
import { checkAccessConfig } from '../access/config-check.ts';
import { parseTraceFilter } from '../trace/trace-filter.ts';

export interface LoadInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Skip the document root and certificate checks (for --print-config and tests). */
  skipFilesystemChecks?: boolean;
}

export interface Loaded {
  action: Action;
  printFormat: 'text' | 'json';
  config: Config;
  sources: SourceMap;
  /** The config file used, absolute, or null. */
  configFile: string | null;
  /** An auto-discovered ./config.json that is not an httpcraft config and was ignored, or null. */
  ignoredConfigFile: string | null;
  /** document_root was not set and ./htdocs is missing, so the current folder is served. */
  rootIsCwd: boolean;
  /** Not fatal, shown before start (an unknown HTTPCRAFT_* variable, …). */
  warnings: string[];
}

interface Layer {
  value: unknown;
  source: string;
  /** Folder relative paths resolve against. */
  base: string;
}

export const DEFAULT_CONFIG_FILE = 'config.json';

export function loadConfig(input: LoadInput): Loaded {
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  const args = parseArgv(input.argv);
  errors.push(...args.errors);

  const cli = new Map<KeySpec, Layer>();
  for (const e of args.entries) cli.set(e.spec, { value: e.value, source: e.source, base: input.cwd });

  const env = readEnv(input.env, input.cwd, errors, warnings);
  // PORT: the port platforms (Heroku, Cloud Run, Render, …) tell a web process to use. Below
  // HTTPCRAFT_PORT, above the config file, as every environment variable; not even read when the
  // command line gives the port (PORT may be meant for another program).
  const port = findKey('port')!;
  const platformPort = input.env.PORT;
  if (!cli.has(port) && !env.has(port) && platformPort !== undefined && platformPort !== '') {
    const r = fromText(port.kind, platformPort);
    if (r.ok) env.set(port, { value: r.value, source: 'PORT', base: input.cwd });
    else errors.push(new ConfigError('port', 'PORT', `${showValue(platformPort)} is not valid for port: ${r.problem}`));
  }

  // The config file: none with --no-config; an explicit path (must exist, read strictly); else
  // ./config.json when present and ours: that name is common, and a JS project's own config.json
  // must not stop the server (an explicit -c of the same file is read strictly).
  let configFile: string | null = null;
  let ignoredConfigFile: string | null = null;
  let configSource = '';
  const explicit = args.noConfig ? undefined : (args.configPath ?? emptyToUndefined(input.env.HTTPCRAFT_CONFIG));
  let data: object | null = null;
  if (explicit !== undefined) {
    configFile = resolve(input.cwd, explicit);
    configSource = args.configPath !== null ? '--config' : 'HTTPCRAFT_CONFIG';
    if (!existsSync(configFile)) {
      errors.push(new ConfigError('config', configSource, `config file ${showValue(explicit)} does not exist`));
      configFile = null;
    }
  } else if (!args.noConfig && existsSync(resolve(input.cwd, DEFAULT_CONFIG_FILE))) {
    configFile = resolve(input.cwd, DEFAULT_CONFIG_FILE);
  }
  if (configFile !== null) data = parseConfigFile(configFile, displayPath(configFile, input.cwd), configSource, errors);
  if (configFile !== null && explicit === undefined && data !== null) {
    const reason = foreignConfig(data);
    if (reason !== null) {
      warnings.push(`./${DEFAULT_CONFIG_FILE} is not an httpcraft config (${reason}), so it is ignored; "-c ${DEFAULT_CONFIG_FILE}" reads it anyway, --no-config skips it`);
      ignoredConfigFile = configFile;
      configFile = null;
      data = null;
    }
  }
  const file = configFile === null || data === null ? new Map<KeySpec, Layer>() : readSettings(data, configFile, displayPath(configFile, input.cwd), errors);

  const config = defaultConfig() as unknown as Record<string, unknown>;
  const sources: Record<string, string> = {};
  for (const spec of KEYS as readonly KeySpec[]) {
    const layer = cli.get(spec) ?? env.get(spec) ?? file.get(spec);
    let value = layer?.value ?? spec.default;
    if (spec.isPath === true && typeof value === 'string' && !isPathWord(spec.kind, value)) value = resolve(layer?.base ?? input.cwd, value);
    if (spec.kind.type === 'records' && spec.kind.resolvePaths !== undefined && layer !== undefined) value = spec.kind.resolvePaths(value, layer.base);
    config[spec.key] = value;
    sources[spec.key] = layer?.source ?? 'default';
  }
  // No root given anywhere and no ./htdocs: serve the current folder, as http-server and serve do,
  // rather than refuse to start (the banner says so).
  let rootIsCwd = false;
  if (sources.document_root === 'default' && input.skipFilesystemChecks !== true && !existsSync(config.document_root as string)) {
    config.document_root = input.cwd;
    sources.document_root = 'default: no ./htdocs, so the current folder';
    rootIsCwd = true;
  }
  // A certificate given on the command line means HTTPS, unless enable_ssl was set somewhere: that is
  // how the seed's users start it (--ssl-cert cert.pem --ssl-key key.pem). In a config file a
  // certificate path alone does not turn TLS on (the seed's sample config names one with TLS off).
  const certFlag = (['ssl_cert', 'ssl_key', 'ssl_pfx'] as const).find((k) => sources[k]?.startsWith('--') === true);
  if (certFlag !== undefined && sources.enable_ssl === 'default') {
    config.enable_ssl = true;
    sources.enable_ssl = `${sources[certFlag]} (implied)`;
  }
  const loaded: Loaded = { action: args.action, printFormat: args.printFormat, config: config as unknown as Config, sources: sources as SourceMap, configFile, ignoredConfigFile, rootIsCwd, warnings };

  if (errors.length === 0) errors.push(...crossChecks(loaded.config, loaded.sources));
  if (errors.length === 0 && input.skipFilesystemChecks !== true && args.action === 'run') errors.push(...checkFilesystem(loaded.config, loaded.sources));
  if (errors.length === 0 && input.skipFilesystemChecks !== true && args.action === 'run') errors.push(...checkAccessConfig(loaded.config, loaded.sources));
  if (errors.length > 0) throw new ConfigErrors(errors, warnings);
  return loaded;
}

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** HTTPCRAFT_<KEY> variables (and legacy HTTPCRAFT_<ALIAS>); NO_COLOR turns colors off below them. */
function readEnv(env: LoadInput['env'], cwd: string, errors: ConfigError[], warnings: string[]): Map<KeySpec, Layer> {
  const out = new Map<KeySpec, Layer>();
  const known = new Set<string>(['HTTPCRAFT_CONFIG']);
  for (const spec of KEYS as readonly KeySpec[]) {
    // Canonical name first: it wins over a legacy name set at the same time.
    for (const name of envNames(spec)) {
      known.add(name);
      const text = env[name];
      if (text === undefined || text === '' || out.has(spec)) continue;
      const r = fromText(spec.kind, text);
      if (r.ok) out.set(spec, { value: r.value, source: name, base: cwd });
      else errors.push(new ConfigError(spec.key, name, `${spec.secret === true ? 'the value' : showValue(text)} is not valid for ${spec.key}: ${r.problem}`));
    }
  }
  // https://no-color.org: any non-empty NO_COLOR disables color; an explicit HTTPCRAFT_ or flag wins.
  const colored = findKey('colored_logging')!;
  if (!out.has(colored) && env.NO_COLOR !== undefined && env.NO_COLOR !== '') out.set(colored, { value: false, source: 'NO_COLOR', base: cwd });
  // Unknown HTTPCRAFT_* names are warned about, not refused: the environment is shared with tools
  // we do not own, while a config file and the command line are ours alone.
  const names = [...known].map((n) => n.slice('HTTPCRAFT_'.length).toLowerCase());
  for (const name of Object.keys(env)) {
    if (!name.startsWith('HTTPCRAFT_') || known.has(name)) continue;
    const guess = closest(name.slice('HTTPCRAFT_'.length).toLowerCase(), names);
    warnings.push(`${name}: unknown setting, ignored${guess === undefined ? '' : `; did you mean HTTPCRAFT_${guess.toUpperCase()}?`}`);
  }
  return out;
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: Math.min(offset, text.length) - start + 1 };
}

/** The file's JSON object, or null (with the error recorded) when it cannot be read or is not one. */
function parseConfigFile(file: string, shown: string, how: string, errors: ConfigError[]): object | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    errors.push(new ConfigError('config', how === '' ? shown : how, `cannot read config file ${shown}: ${(error as Error).message}`));
    return null;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const m = /position (\d+)/.exec(message);
    const { line, column } = lineAndColumn(text, m === null ? text.length : Number(m[1]));
    const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    errors.push(new ConfigError('config', `${shown}:${line}:${column}`, `malformed JSON: ${reason}`));
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    // An auto-discovered file that is not an object is someone else's: foreignConfig says so.
    if (how === '' && Array.isArray(data)) return data;
    errors.push(new ConfigError('config', `${shown}:$`, `a config file holds one JSON object of settings, got ${Array.isArray(data) ? 'an array' : showValue(data)}`));
    return null;
  }
  return data;
}

/** Keys a config file may carry besides settings: "$schema", "//…" and "_comment…" notes. */
function isNote(name: string): boolean {
  return name.startsWith('$') || name.startsWith('//') || name.startsWith('_comment');
}

/**
 * Why an auto-discovered ./config.json is not an httpcraft config, or null when it is ours. Ours:
 * a "$schema" naming httpcraft or config.schema.json; else, without a "$schema", at least half of
 * its keys are httpcraft settings or near misses of one (so a file of ours with typos is still
 * read, and its mistakes reported). Not ours: an array, a "$schema" of something else, or mostly
 * other keys.
 */
export function foreignConfig(data: object): string | null {
  if (Array.isArray(data)) return 'it holds an array, not an object of settings';
  const schema = (data as Record<string, unknown>).$schema;
  if (typeof schema === 'string') return /httpcraft|config\.schema\.json$/i.test(schema) ? null : `its $schema is ${showValue(schema)}`;
  const names = Object.keys(data).filter((n) => !isNote(n));
  // A near miss of one of our keys ("directory_listin") counts as ours: it is a typo to report.
  const all = allKeyNames();
  const ours = (n: string): boolean => findKey(n) !== undefined || closest(n, all) !== undefined;
  const known = names.filter(ours).length;
  if (known * 2 >= names.length) return null;
  const sample = names.filter((n) => !ours(n)).slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
  return known === 0 ? `none of its keys is an httpcraft setting: ${sample}${names.length > 3 ? ', …' : ''}` : `only ${known} of its ${names.length} keys ${known === 1 ? 'is an httpcraft setting' : 'are httpcraft settings'}`;
}

function readSettings(data: object, file: string, shown: string, errors: ConfigError[]): Map<KeySpec, Layer> {
  const out = new Map<KeySpec, Layer>();
  const base = dirname(file);
  const names = allKeyNames();
  for (const [name, value] of Object.entries(data)) {
    const at = `${shown}:$${/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`;
    if (isNote(name)) continue; // $schema, comments
    const spec = findKey(name);
    if (spec === undefined) {
      const guess = closest(name, names);
      errors.push(new ConfigError(name, at, `unknown key${guess === undefined ? '' : `; did you mean "${guess}"?`}`));
      continue;
    }
    const previous = out.get(spec);
    if (previous !== undefined) {
      errors.push(new ConfigError(spec.key, at, `sets ${spec.key} again (also set at ${previous.source}); keep one of the two names`));
      continue;
    }
    const r = fromJson(spec.kind, value);
    if (!r.ok) {
      const where = r.at === undefined ? at : at + r.at;
      // A secret (users, tokens, a passphrase) is never echoed back, even when it is wrong.
      errors.push(new ConfigError(spec.key, where, `${spec.secret === true ? 'the value' : showValue(value)} is not valid for ${spec.key}: ${r.problem}`));
      continue;
    }
    out.set(spec, { value: r.value, source: at, base });
  }
  return out;
}

/** Rules between keys, checked once every value is known. */
function crossChecks(config: Config, sources: SourceMap): ConfigError[] {
  const errors: ConfigError[] = [];
  if (config.enable_ssl && config.ssl_pfx === null && (config.ssl_cert === null) !== (config.ssl_key === null)) {
    const missing = config.ssl_cert === null ? 'ssl_cert' : 'ssl_key';
    const given = missing === 'ssl_cert' ? 'ssl_key' : 'ssl_cert';
    errors.push(new ConfigError(missing, sources[given], `${given} is set but ${missing} is not; HTTPS needs both (or neither, for a development certificate)`));
  }
  if (config.redirect_http_port !== null && config.redirect_http_port === config.port && config.port !== 0) {
    errors.push(new ConfigError('redirect_http_port', sources.redirect_http_port, `${config.redirect_http_port} is the HTTPS port itself; pick another port`));
  }
  if (config.server_status_path === config.metrics_path) {
    errors.push(new ConfigError('metrics_path', sources.metrics_path, `${showValue(config.metrics_path)} is also server_status_path; the two pages need different paths`));
  }
  // An index file is a name inside the folder, never a path that could lead elsewhere.
  const indexes = typeof config.index_file === 'string' ? [config.index_file] : config.index_file;
  const badIndex = indexes.find((name) => name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name));
  if (indexes.length === 0 || badIndex !== undefined) {
    errors.push(new ConfigError('index_file', sources.index_file, `${showValue(badIndex ?? '')} is not a file name; expected one or more names such as "index.html,index.htm"`));
  }
  if (config.trace_filter !== null) {
    const filter = parseTraceFilter(config.trace_filter);
    if (typeof filter === 'string') errors.push(new ConfigError('trace_filter', sources.trace_filter, `${showValue(config.trace_filter)}: ${filter}`));
  }
  return errors;
}
