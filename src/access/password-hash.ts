// Password and token hashes: which formats are accepted, how each is checked, and how a new one is
// made. Accepted for passwords: scrypt (node:crypto) in a PHC string, and bcrypt ($2a$/$2b$/$2y$,
// for existing htpasswd files). Refused, with the reason said: MD5-crypt ($apr1$, $1$), SHA-1
// ({SHA}), SHA-crypt ($5$, $6$), DES crypt() and plain text — fast or broken hashes that a stolen
// file gives up in hours. Tokens are server-made random strings: a SHA-256 ($sha256$…) is enough for
// them (no dictionary to guess from) and lets one hash check the presented token against every one.
//
// The PHC string (https://github.com/P-H-C/phc-string-format): $scrypt$ln=14,r=8,p=1$<salt>$<hash>,
// salt and hash in unpadded base64. ln=14 (N = 16384), r=8, p=1 costs 16 MiB and about 80 ms here:
// slow enough for an attacker holding the file, and paid once per browser session (credential cache).

import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

export const SCRYPT_LN = 14;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Largest accepted scrypt cost (N = 2^20, 1 GiB at r=8): a typo must not take the server's memory. */
const MAX_LN = 20;

export interface ScryptHash {
  format: 'scrypt';
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}
export type ParsedHash = ScryptHash | { format: 'bcrypt'; text: string; cost: number } | { format: 'sha256'; hash: Buffer };

const SCRYPT_RE = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const BCRYPT_RE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const SHA256_RE = /^\$sha256\$([A-Za-z0-9+/]{43})$/;

/** Why a stored hash is refused, or null when it is not one of the refused formats. */
function refusedFormat(text: string): string | null {
  if (text.startsWith('$apr1$') || text.startsWith('$1$')) return 'MD5-crypt ($apr1$, $1$) is refused: it is fast to brute-force';
  if (text.startsWith('{SHA}')) return 'SHA-1 ({SHA}) is refused: it is unsalted and fast to brute-force';
  if (text.startsWith('$5$') || text.startsWith('$6$')) return 'SHA-crypt ($5$, $6$) is not supported';
  if (/^[./0-9A-Za-z]{13}$/.test(text)) return 'crypt() DES is refused: it keeps 8 characters of the password and is broken';
  return null;
}

const HOW_TO = 'make one with "httpcraft hash-password"';

/** A password hash parsed, or the reason it is refused (shown to the user with the user's name). */
export function parsePasswordHash(text: string): ParsedHash | { error: string } {
  if (text.startsWith('$scrypt$')) {
    const m = SCRYPT_RE.exec(text);
    if (m === null) return { error: `malformed scrypt PHC string; expected $scrypt$ln=…,r=…,p=…$salt$hash (${HOW_TO})` };
    const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (ln < 1 || ln > MAX_LN || r < 1 || p < 1) return { error: `scrypt parameters out of range (ln 1-${MAX_LN}, r and p at least 1)` };
    const salt = Buffer.from(m[4]!, 'base64');
    const hash = Buffer.from(m[5]!, 'base64');
    if (salt.length < 8 || hash.length < 16) return { error: 'scrypt salt or hash too short (at least 8 and 16 bytes)' };
    return { format: 'scrypt', ln, r, p, salt, hash };
  }
  if (text.startsWith('$2')) {
    const m = BCRYPT_RE.exec(text);
    if (m === null) return { error: 'malformed bcrypt hash; expected $2a$, $2b$ or $2y$, a two-digit cost and 53 characters' };
    const cost = Number(m[1]);
    if (cost < 4 || cost > 31) return { error: 'bcrypt cost out of range (4-31)' };
    return { format: 'bcrypt', text, cost };
  }
  const refused = refusedFormat(text);
  if (refused !== null) return { error: `${refused}; ${HOW_TO}` };
  return { error: `not a password hash (plain text is never accepted); ${HOW_TO}` };
}

/** A token hash ($sha256$ + 43 base64 characters), or the reason it is refused. */
export function parseTokenHash(text: string): ParsedHash | { error: string } {
  const m = SHA256_RE.exec(text);
  if (m !== null) return { format: 'sha256', hash: Buffer.from(m[1]!, 'base64') };
  return { error: 'expected $sha256$ and 43 base64 characters; make one with "httpcraft hash-password --token"' };
}

function scryptAsync(password: Buffer, salt: Buffer, length: number, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) => {
    // maxmem: scrypt needs 128·N·r bytes; Node's default cap (32 MiB) would refuse larger costs.
    scrypt(password, salt, length, { N, r, p, maxmem: 256 * N * r }, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/** Checks a password against a parsed hash, off the event loop (libuv's pool) and in constant time. */
export async function verifyPassword(parsed: ParsedHash, password: Buffer): Promise<boolean> {
  switch (parsed.format) {
    case 'scrypt': {
      const key = await scryptAsync(password, parsed.salt, parsed.hash.length, parsed.ln, parsed.r, parsed.p);
      return timingSafeEqual(key, parsed.hash);
    }
    case 'bcrypt':
      // bcryptjs compares in constant time itself; $2y$ is $2b$ under another name (PHP's).
      return bcrypt.compare(password.toString('utf8'), parsed.text.replace(/^\$2y\$/, '$2b$'));
    case 'sha256':
      return timingSafeEqual(sha256(password), parsed.hash);
  }
}

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

/** A new scrypt PHC string for a password, with the parameters above. */
export async function hashPassword(password: string, ln = SCRYPT_LN): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(Buffer.from(password, 'utf8'), salt, KEY_BYTES, ln, SCRYPT_R, SCRYPT_P);
  return `$scrypt$ln=${ln},r=${SCRYPT_R},p=${SCRYPT_P}$${b64(salt)}$${b64(key)}`;
}

/** The $sha256$ hash of a token. */
export function hashToken(token: string): string {
  return `$sha256$${b64(sha256(token))}`;
}

const BCRYPT_CHARS = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A hash nobody's password matches, with the same format and cost as `like`: an unknown user name is
 * checked against it, so it costs the same work as a wrong password (no user enumeration by timing).
 */
export function dummyHashLike(like: ParsedHash): ParsedHash {
  switch (like.format) {
    case 'scrypt':
      return { ...like, salt: randomBytes(like.salt.length), hash: randomBytes(like.hash.length) };
    case 'bcrypt': {
      const bytes = randomBytes(53);
      let tail = '';
      for (const b of bytes) tail += BCRYPT_CHARS[b & 63];
      return { format: 'bcrypt', cost: like.cost, text: `$2b$${String(like.cost).padStart(2, '0')}$${tail}` };
    }
    case 'sha256':
      return { format: 'sha256', hash: randomBytes(32) };
  }
}
