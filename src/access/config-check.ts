// Start-up checks of the access-control keys that need the file system or several keys at once:
// the auth_file is read and every line's hash checked (a refused format names the file, the line and
// the user), and every name an access rule lists must be a user or a token — a typo there would
// otherwise lock everyone out without a word.

import { ConfigError, showValue } from '../config/errors.ts';
import type { Config, SourceMap } from '../config/schema.ts';
import { readHtpasswd } from './htpasswd.ts';

export function checkAccessConfig(config: Config, sources: SourceMap): ConfigError[] {
  const errors: ConfigError[] = [];
  const names = new Set<string>([...config.users.map((u) => u.name), ...config.tokens.map((t) => t.name)]);
  if (config.auth_file !== null) {
    const file = readHtpasswd(config.auth_file);
    for (const problem of file.errors) errors.push(new ConfigError('auth_file', sources.auth_file, `auth_file: ${problem}`));
    for (const u of file.users) names.add(u.name);
  }
  if (errors.length > 0) return errors;
  config.access.forEach((rule, i) => {
    for (const field of ['read', 'write'] as const) {
      const unknown = rule[field]?.find((n) => n !== '*' && n !== '@authenticated' && !names.has(n));
      if (unknown === undefined) continue;
      const where = sources.access.includes(':$') ? `${sources.access}[${i}]` : sources.access;
      errors.push(new ConfigError('access', where, `${showValue(unknown)} is not a user or token name (users, tokens, auth_file)`));
      return;
    }
  });
  return errors;
}
