import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { dummyHashLike, hashPassword, hashToken, parsePasswordHash, parseTokenHash, verifyPassword, type ParsedHash } from '../../src/access/password-hash.ts';
import { parseHtpasswd } from '../../src/access/htpasswd.ts';

const parsed = (text: string): ParsedHash => {
  const p = parsePasswordHash(text);
  if ('error' in p) throw new Error(p.error);
  return p;
};

test('hashPassword writes a scrypt PHC string with the documented parameters, and it verifies', async () => {
  const line = await hashPassword('sécret:with colon');
  assert.match(line, /^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  const p = parsed(line);
  assert.equal(await verifyPassword(p, Buffer.from('sécret:with colon')), true);
  assert.equal(await verifyPassword(p, Buffer.from('sécret:with colo')), false);
  // Two hashes of one password differ (random salt).
  assert.notEqual(await hashPassword('x', 4), await hashPassword('x', 4));
});

test('bcrypt $2a$, $2b$ and $2y$ hashes made by bcryptjs verify', async () => {
  const b = bcrypt.hashSync('hunter2', 4);
  for (const prefix of ['$2a$', '$2b$', '$2y$']) {
    const p = parsed(prefix + b.slice(4));
    assert.equal(await verifyPassword(p, Buffer.from('hunter2')), true, prefix);
    assert.equal(await verifyPassword(p, Buffer.from('hunter3')), false, prefix);
  }
});

test('weak and plain formats are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['$apr1$abcdefgh$0123456789abcdefghijkl', /MD5-crypt/],
    ['$1$abcdefgh$0123456789abcdefghijkl', /MD5-crypt/],
    ['{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=', /SHA-1/],
    ['$6$salt$hash', /SHA-crypt/],
    ['abJnggxhB/yWI', /crypt\(\) DES/],
    ['secret', /plain text/],
    ['$scrypt$ln=99,r=8,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA', /out of range/],
    ['$2b$10$short', /malformed bcrypt/],
  ];
  for (const [text, reason] of cases) {
    const p = parsePasswordHash(text);
    assert.ok('error' in p, text);
    assert.match(p.error, reason, text);
  }
});

test('tokens: $sha256$ hashes only, and hashToken makes one', async () => {
  const h = hashToken('a-long-random-token-1234');
  const p = parseTokenHash(h);
  assert.ok(!('error' in p));
  assert.equal(await verifyPassword(p, Buffer.from('a-long-random-token-1234')), true);
  assert.ok('error' in parseTokenHash('a-long-random-token-1234'));
});

test('the dummy hash has the format and cost of the real one and matches nothing', async () => {
  const real = parsed(await hashPassword('pw', 5));
  const dummy = dummyHashLike(real);
  assert.equal(dummy.format, 'scrypt');
  assert.equal(dummy.format === 'scrypt' && dummy.ln, 5);
  assert.equal(await verifyPassword(dummy, Buffer.from('pw')), false);
  const b = parsed(bcrypt.hashSync('pw', 5));
  const bd = dummyHashLike(b);
  assert.ok(bd.format === 'bcrypt' && bd.cost === 5 && !('error' in parsePasswordHash(bd.text)));
});

test('htpasswd: bcrypt lines from a real file are read; a refused line names the file, the line and the user', () => {
  const good = bcrypt.hashSync('pw', 4);
  const r = parseHtpasswd(`# users\n\nalice:${good}\r\nbob:$apr1$x$yyyy\ncarol:plain\n`, 'users.htpasswd');
  assert.deepEqual(r.users.map((u) => u.name), ['alice']);
  assert.equal(r.errors.length, 2);
  assert.match(r.errors[0]!, /^users\.htpasswd:4: user "bob": MD5-crypt/);
  assert.match(r.errors[1]!, /^users\.htpasswd:5: user "carol": not a password hash \(plain text/);
});
