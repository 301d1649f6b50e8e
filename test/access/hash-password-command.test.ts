import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runHashPassword } from '../../src/access/hash-password-command.ts';
import { parsePasswordHash, verifyPassword, type ParsedHash } from '../../src/access/password-hash.ts';

/** A fake terminal: raw mode is recorded, keystrokes are fed in as the prompt asks. */
function terminal(keys: string[]): { io: Parameters<typeof runHashPassword>[1]; out: () => string; err: () => string; raw: boolean[] } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => raw.push(on) });
  const raw: boolean[] = [];
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (c: Buffer) => (out += c.toString()));
  const stderr = new PassThrough().on('data', (c: Buffer) => {
    err += c.toString();
    // Each prompt gets the next line of keystrokes.
    if (/: $/.test(c.toString())) setImmediate(() => stdin.write(keys.shift() ?? ''));
  });
  return { io: { stdin, stdout, stderr }, out: () => out, err: () => err, raw };
}

test('at a terminal the password is asked twice with echo off (backspace works) and never printed', async () => {
  const t = terminal(['pa\u007fw-word\r', 'pw-word\r']);
  assert.equal(await runHashPassword([], t.io), 0);
  assert.doesNotMatch(t.err(), /pw-word/);
  assert.deepEqual(t.raw, [true, false, true, false]);
  const hash = parsePasswordHash(t.out().trim()) as ParsedHash;
  assert.equal(await verifyPassword(hash, Buffer.from('pw-word')), true);
});

test('at a terminal, two different entries print nothing; Ctrl-C gives up', async () => {
  const t = terminal(['one\r', 'two\r']);
  assert.equal(await runHashPassword([], t.io), 1);
  assert.equal(t.out(), '');
  assert.match(t.err(), /differ/);
  const c = terminal(['\u0003']);
  assert.equal(await runHashPassword([], c.io), 1);
  assert.equal(c.out(), '');
});
