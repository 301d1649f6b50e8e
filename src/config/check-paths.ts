// Checks that need the file system, run before the server starts: the document root must be a
// folder (stored as its real path, which the static resolver's containment check relies on), and
// when HTTPS is on the certificate files must be readable.

import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { accessLogFile, logPathProblem } from '../log/log-paths.ts';
import { ConfigError, showValue } from './errors.ts';
import type { Config, SourceMap } from './schema.ts';

function problem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
  if (code === 'ENOTDIR') return 'has a file where a folder is expected';
  return `cannot be read (${code ?? (error as Error).message})`;
}

/** Why a file the server must read cannot be (missing, unreadable, not a regular file), or null. */
function unreadableFile(file: string): string | null {
  try {
    accessSync(file, constants.R_OK);
    return statSync(file).isFile() ? null : 'is not a file';
  } catch (error) {
    return problem(error);
  }
}

export function checkFilesystem(config: Config, sources: SourceMap): ConfigError[] {
  const errors: ConfigError[] = [];
  try {
    const real = realpathSync(config.document_root);
    if (!statSync(real).isDirectory()) errors.push(new ConfigError('document_root', sources.document_root, `document root ${showValue(config.document_root)} is a file, not a folder`));
    else config.document_root = real;
  } catch (error) {
    errors.push(new ConfigError('document_root', sources.document_root, `document root ${showValue(config.document_root)} ${problem(error)}`));
  }
  if (config.enable_ssl) {
    for (const key of ['ssl_cert', 'ssl_key', 'ssl_pfx'] as const) {
      const file = config[key];
      if (file === null) continue;
      const why = unreadableFile(file);
      if (why !== null) errors.push(new ConfigError(key, sources[key], `${key} ${showValue(file)} ${why}`));
    }
  }
  if (config.app !== null) {
    const why = unreadableFile(config.app);
    if (why !== null) errors.push(new ConfigError('app', sources.app, `app ${showValue(config.app)} ${why}`));
  }
  // A proxy route's CA file is read when the routes are built; a missing one is a config error now,
  // naming the field, the path it resolved to (from the config file's folder) and its source.
  config.proxy.forEach((route, i) => {
    if (route.ca === null) return;
    const at = `proxy[${i}].ca`;
    const source = sources.proxy.includes(':$.proxy') ? `${sources.proxy}[${i}].ca` : sources.proxy;
    // The whole path, not showValue's shortened one: it is where the relative path led.
    const why = unreadableFile(route.ca);
    if (why !== null) errors.push(new ConfigError('proxy', source, `${at} ${JSON.stringify(route.ca)} ${why}`));
  });
  // Log files are opened now (creating them and their folders) so a bad path is refused before
  // start, not at the first line.
  const rotates = config.log_max_size > 0 || config.log_rotate === 'daily';
  const access = accessLogFile(config.access_log);
  for (const [key, path] of [['log_file', config.log_file], ['access_log', access === config.log_file ? null : access]] as const) {
    const problem = path === null ? null : logPathProblem(path, rotates);
    if (problem !== null) errors.push(new ConfigError(key, sources[key], `${key} ${showValue(path)} ${problem}`));
  }
  return errors;
}
