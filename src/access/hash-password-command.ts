// `httpcraft hash-password [--token]`: prints the hash the users (or tokens) key takes. The secret
// is read from the terminal without echo (asked twice), or from standard input when that is not a
// terminal (the first line) — never from the command line, where ps and the shell history keep it.

import type { Readable, Writable } from 'node:stream';
import { hashPassword, hashToken } from './password-hash.ts';

export const HASH_PASSWORD_USAGE = `Usage: httpcraft hash-password [--token]
Reads a password (twice, without echo, at a terminal; else the first line of standard input) and
prints its scrypt hash for "users": [{"name": …, "password_hash": …}].
--token: reads an API token instead (16 characters at least; make one with "openssl rand -base64 32")
and prints its SHA-256 hash for "tokens": [{"name": …, "token_hash": …}].
`;

/** At least 128 bits of a base64 token: a token shorter than this is guessable. */
const MIN_TOKEN_LENGTH = 16;

interface Io {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
}

/** Reads one line from a terminal with echo off; null when the user gives up (Ctrl-C, Ctrl-D). */
function promptHidden(io: Io, question: string): Promise<string | null> {
  io.stderr.write(question);
  const input = io.stdin;
  input.setRawMode?.(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve) => {
    let text = '';
    const done = (value: string | null): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done(text);
        if (c === '\u0003' || (c === '\u0004' && text === '')) return done(null);
        if (c === '\u007f' || c === '\b') text = text.slice(0, -1);
        else if (c >= ' ') text += c;
      }
    };
    input.on('data', onData);
  });
}

/** The first line of a piped standard input (without its line ending). */
async function firstLine(input: Readable): Promise<string> {
  let data = '';
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    data += chunk;
    if (data.includes('\n')) break;
  }
  const nl = data.indexOf('\n');
  const line = nl === -1 ? data : data.slice(0, nl);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Runs the command; returns the exit status (0 done, 1 gave up or mismatch, 2 usage). */
export async function runHashPassword(args: readonly string[], io: Io): Promise<number> {
  let token = false;
  for (const arg of args) {
    if (arg === '--token') token = true;
    else if (arg === '--help' || arg === '-h') {
      io.stdout.write(HASH_PASSWORD_USAGE);
      return 0;
    } else if (arg.startsWith('-')) {
      io.stderr.write(`httpcraft: hash-password: unknown option ${arg}\n${HASH_PASSWORD_USAGE}`);
      return 2;
    } else {
      io.stderr.write(`httpcraft: hash-password takes no ${token ? 'token' : 'password'} on the command line (ps and the shell history would keep it): type it at the prompt, or pipe it in: printf '%s\\n' "$SECRET" | httpcraft hash-password${token ? ' --token' : ''}\n`);
      return 2;
    }
  }
  const what = token ? 'token' : 'password';
  let secret: string;
  if (io.stdin.isTTY === true) {
    const first = await promptHidden(io, `${token ? 'Token' : 'Password'}: `);
    if (first === null) return 1;
    const again = await promptHidden(io, `${token ? 'Token' : 'Password'} again: `);
    if (again === null) return 1;
    if (first !== again) {
      io.stderr.write(`httpcraft: hash-password: the two ${what}s differ; nothing printed\n`);
      return 1;
    }
    secret = first;
  } else secret = await firstLine(io.stdin);
  if (secret === '') {
    io.stderr.write(`httpcraft: hash-password: empty ${what}; nothing printed\n`);
    return 2;
  }
  if (token && secret.length < MIN_TOKEN_LENGTH) {
    io.stderr.write(`httpcraft: hash-password: a token needs ${MIN_TOKEN_LENGTH} characters at least (make one with "openssl rand -base64 32")\n`);
    return 2;
  }
  io.stdout.write(`${token ? hashToken(secret) : await hashPassword(secret)}\n`);
  return 0;
}
