// htpasswd files (Apache's format): one "user:hash" per line, "#" comments and blank lines skipped.
// Every entry's hash must be an accepted format (password-hash.ts); a refused one is an error naming
// the file, the line and the user, so the server never starts with a hash it would not check.

import { readFileSync } from 'node:fs';
import { parsePasswordHash, type ParsedHash } from './password-hash.ts';

export interface UserEntry {
  name: string;
  hash: ParsedHash;
}

export interface HtpasswdResult {
  users: UserEntry[];
  /** One line per problem: "users.htpasswd:3: user "bob": MD5-crypt … is refused …". */
  errors: string[];
}

export function parseHtpasswd(text: string, shownPath: string): HtpasswdResult {
  const users: UserEntry[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `${shownPath}:${i + 1}`;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      errors.push(`${at}: expected "user:hash"`);
      continue;
    }
    const name = line.slice(0, colon);
    const parsed = parsePasswordHash(line.slice(colon + 1));
    if ('error' in parsed) errors.push(`${at}: user ${JSON.stringify(name)}: ${parsed.error}`);
    else if (seen.has(name)) errors.push(`${at}: user ${JSON.stringify(name)} appears twice`);
    else users.push({ name, hash: parsed });
    seen.add(name);
  }
  return { users, errors };
}

export function readHtpasswd(path: string): HtpasswdResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { users: [], errors: [`cannot read ${path}: ${(error as Error).message}`] };
  }
  return parseHtpasswd(text, path);
}
