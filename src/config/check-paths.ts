// Checks that need the file system, run before the server starts: the document root must be a
// folder (stored as its real path, which the static resolver's containment check relies on), and
// when HTTPS is on the certificate files must be readable.

import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, showValue } from './errors.ts';
import type { Config, SourceMap } from './schema.ts';

function problem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
  if (code === 'ENOTDIR') return 'has a file where a folder is expected';
  return `cannot be read (${code ?? (error as Error).message})`;
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
      try {
        accessSync(file, constants.R_OK);
        if (!statSync(file).isFile()) errors.push(new ConfigError(key, sources[key], `${key} ${showValue(file)} is not a file`));
      } catch (error) {
        errors.push(new ConfigError(key, sources[key], `${key} ${showValue(file)} ${problem(error)}`));
      }
    }
  }
  if (config.log_file !== null) {
    // Open it now (creating it and its folder) so a bad path is refused before start, not later.
    try {
      if (existsSync(config.log_file) && statSync(config.log_file).isDirectory()) {
        errors.push(new ConfigError('log_file', sources.log_file, `log_file ${showValue(config.log_file)} is a folder; name a file`));
      } else {
        mkdirSync(dirname(config.log_file), { recursive: true });
        closeSync(openSync(config.log_file, 'a'));
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      errors.push(new ConfigError('log_file', sources.log_file, `log_file ${showValue(config.log_file)} cannot be written (${code ?? (error as Error).message})`));
    }
  }
  return errors;
}
