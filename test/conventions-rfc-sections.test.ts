// Every protocol rule names its RFC section (issue 18): in src/http1/, src/http2/ (hpack/ too) and
// src/websocket/, a function whose body decides something about what a peer sent or what we send
// carries a section reference in a comment of its own. What "rule-bearing" and "its own" mean is
// written at the top of test/support/rfc-sections.ts; README "Design" points there.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Unit, analyse, catalogueKeysOf, importsOf } from './support/rfc-sections.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url)); // dist/test → repo root
const DIRS = ['src/http1', 'src/http2', 'src/websocket'];

/**
 * Refusal helpers, as "file unit": a call to one refuses (fails the parser, resets a stream, ends the
 * connection, answers an error), so its caller is rule-bearing. Matched in their own file and in the
 * files that import them.
 */
const REFUSAL_HELPERS = [
  'src/http1/request-parser.ts RequestParser.#fail',
  'src/http1/response-parser.ts ResponseParser.#fail',
  'src/http2/frame-parser.ts FrameParser.#fail',
  'src/http2/frame-writer.ts check',
  'src/http2/session.ts ServerSession.#calm',
  'src/http2/session.ts ServerSession.#connectionError',
  'src/http2/session.ts ServerSession.#resetUnknown',
  'src/http2/session.ts ServerSession.#streamError',
  'src/http2/session.ts ServerSession.#transitionError',
  'src/http2/stream-state.ts transition',
  'src/websocket/frame-parser.ts FrameParser.#fail',
  'src/websocket/handshake.ts refuse',
  'src/websocket/receiver.ts Receiver.#fail',
  'src/websocket/route.ts refuse',
  'src/websocket/websocket.ts WebSocket.#fail',
  'src/websocket/websocket.ts WebSocket.#startClose',
];

/**
 * Rule-bearing units that rightly name no section, as "file unit" → why. Keep it short: a unit is
 * here only when no section states what it does (the rule is at its callers, or it is no rule).
 */
const EXEMPT = new Map<string, string>([
  ['src/http1/errors.ts ParseError.constructor', 'copies a catalogue entry into the error; each entry is refused by a cited caller'],
  ['src/http2/errors.ts FrameError.constructor', 'copies a catalogue entry into the error; the catalogue cites a section per entry'],
  ['src/http2/hpack/errors.ts HpackError.constructor', 'copies a catalogue entry into the error; the file header cites RFC 9113 §4.3 and §10.5.1 for the scopes'],
  ['src/http1/request-parser.ts RequestParser.#fail', 'the refusal helper itself (the terminal DEAD state): each call site names its rule'],
  ['src/http1/response-parser.ts ResponseParser.#fail', 'the refusal helper itself: each call site names its rule'],
  ['src/http2/frame-parser.ts FrameParser.#fail', 'the refusal helper itself: each FRAME_ERRORS entry names its section'],
  ['src/http2/frame-writer.ts check', 'an assertion helper for our own arguments: each caller names the field it bounds'],
  ['src/websocket/receiver.ts Receiver.#fail', 'the refusal helper itself: each call site names its rule'],
  ['src/http2/frame-parser.ts checkedCount', 'checks our own option (a count), no protocol value'],
  ['src/http2/limits.ts resolveLimits', 'checks our own configuration: the limits are ours, not the RFC\'s'],
  ['src/websocket/route.ts positive', 'checks our own route options (timeouts, sizes)'],
]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(REPO, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(join(REPO, rel)).isDirectory()) out.push(...sources(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const read = (rel: string): string => readFileSync(join(REPO, rel), 'utf8');
const unitOf = (entry: string): { file: string; unit: string } => {
  const space = entry.indexOf(' ');
  return { file: entry.slice(0, space), unit: entry.slice(space + 1) };
};
const HELPERS = REFUSAL_HELPERS.map(unitOf);

const catalogueKeys = new Set([
  ...catalogueKeysOf(read('src/http1/errors.ts'), 'PARSE_ERRORS'),
  ...catalogueKeysOf(read('src/http2/errors.ts'), 'FRAME_ERRORS'),
  ...catalogueKeysOf(read('src/http2/hpack/errors.ts'), 'HPACK_ERRORS'),
]);

/** The refusal helpers a file can call: its own, and those it imports (by their local name). */
function helpersFor(rel: string, text: string): string[] {
  const own = HELPERS.filter((h) => h.file === rel).map((h) => h.unit);
  const imported = [...importsOf(rel, text)].filter(([, i]) => HELPERS.some((h) => h.file === i.from && h.unit === i.name)).map(([local]) => local);
  return [...own, ...imported];
}

const files = DIRS.flatMap(sources);
const units = new Map<string, Unit[]>();
for (const rel of files) {
  const text = read(rel);
  units.set(rel, analyse(rel, text, { helpers: helpersFor(rel, text), catalogueKeys }));
}
const all = [...units].flatMap(([file, us]) => us.map((u) => ({ file, ...u })));

test('the checker reports a rule-bearing function without a section, and not one with a section', () => {
  const check = (text: string): string[] => analyse('fixture.ts', text, { helpers: ['#fail'], catalogueKeys: new Set(['BAD_THING']) })
    .filter((u) => u.signals.length > 0 && !u.referenced).map((u) => u.name);
  const bare = [
    '// A fixture whose header names no RFC.',
    '',
    'export function limited(n: number): number {',
    '  if (n > MAX_THINGS) throw new RangeError("too many");',
    '  return n;',
    '}',
  ].join('\n');
  assert.deepEqual(check(bare), ['limited']);
  assert.deepEqual(check(bare.replace('export function', '// RFC 9112 §5.1: the rule.\nexport function')), []);
  // The reference may be inside the body.
  assert.deepEqual(check(bare.replace('  return n;', '  return n; // RFC 9110 §8.6')), []);
  // A comment cut off by a blank line (the file header, say) is not the function's own.
  assert.deepEqual(check(bare.replace('// A fixture whose header names no RFC.', '// RFC 9112 §5.1 (a file header).')), ['limited']);
  // A bare "§n" counts only when the file's header names the RFC.
  assert.deepEqual(check(bare.replace('export function', '// §5.1: the rule.\nexport function')), ['limited']);
  assert.deepEqual(check(bare.replace('names no RFC.', 'follows RFC 9112.').replace('export function', '// §5.1: the rule.\nexport function')), []);
  // A function that decides nothing is not rule-bearing; one that calls a refusal helper, returns a
  // catalogue code, or tests bytes against a table is, methods and arrow functions included.
  const classy = [
    'class P {',
    '  copy(a: Buffer, b: Buffer): void { a.copy(b); }',
    '  #line(n: number): void { if (n === 0) this.#fail(); }',
    '  #fail(): void {}',
    '}',
    'const code = (ok: boolean): string => (ok ? "" : "BAD_THING");',
    'function token(b: number): boolean { return TCHAR[b] === 1; }',
    'function flags(b: number): boolean { return (b & 0x80) !== 0; }',
  ].join('\n');
  assert.deepEqual(check(classy), ['P.#line', 'code', 'token', 'flags']);
  // A "// --- Title (RFC n §x) ---" banner covers the functions under it.
  assert.deepEqual(check(`// --- PING (RFC 9113 §6.7) ---\n\n${classy}`), []);
});

test('the checker sees the protocol code: rule-bearing functions are found in every directory', () => {
  for (const dir of DIRS) {
    const found = all.filter((u) => u.file.startsWith(`${dir}/`) && u.signals.length > 0);
    assert.ok(found.length >= 20, `${dir}: only ${found.length} rule-bearing functions found`);
  }
  // A handful that must be classified so, whatever else changes.
  for (const [file, name] of [
    ['src/http1/framing.ts', 'decideFraming'],
    ['src/http1/request-parser.ts', 'RequestParser.#fieldLine'],
    ['src/http2/frame-parser.ts', 'FrameParser.#beginFrame'],
    ['src/http2/hpack/integer.ts', 'decodeInteger'],
    ['src/http2/session.ts', 'ServerSession.#onData'],
    ['src/websocket/frame-parser.ts', 'FrameParser.#info'],
    ['src/websocket/handshake.ts', 'checkHandshake'],
  ] as const) {
    const u = all.find((x) => x.file === file && x.name === name);
    assert.ok(u !== undefined && u.signals.length > 0, `${file} ${name} is not seen as rule-bearing`);
  }
});

test('with its section signs taken out, a real protocol file is all offenders', () => {
  for (const rel of ['src/http1/request-parser.ts', 'src/http2/frame-parser.ts', 'src/websocket/frame-parser.ts']) {
    const text = read(rel);
    const ruleBearing = analyse(rel, text, { helpers: helpersFor(rel, text), catalogueKeys }).filter((u) => u.signals.length > 0);
    const stripped = analyse(rel, text.replaceAll('§', 'section '), { helpers: helpersFor(rel, text), catalogueKeys });
    const offenders = stripped.filter((u) => u.signals.length > 0 && !u.referenced);
    assert.equal(offenders.length, ruleBearing.length, `${rel}: every rule-bearing function should be reported once its references are gone`);
    assert.ok(offenders.length >= 5, `${rel}: only ${offenders.length} rule-bearing functions`);
  }
});

test('every allowlist entry names a function of the tree (no stale entries)', () => {
  const names = new Set(all.map((u) => `${u.file} ${u.name}`));
  for (const entry of [...REFUSAL_HELPERS, ...EXEMPT.keys()]) assert.ok(names.has(entry), `allowlist entry ${entry} matches no function`);
  for (const entry of EXEMPT.keys()) {
    const u = all.find((x) => `${x.file} ${x.name}` === entry)!;
    assert.ok(u.signals.length > 0, `${entry} is exempt but not rule-bearing: drop it from EXEMPT`);
  }
});

test('every rule-bearing function in src/http1, src/http2 and src/websocket names its RFC section', () => {
  const offenders = all
    .filter((u) => u.signals.length > 0 && !u.referenced && !EXEMPT.has(`${u.file} ${u.name}`))
    .map((u) => `${u.file}:${u.line} ${u.name}  [${u.signals.join(', ')}]`);
  assert.deepEqual(
    offenders,
    [],
    `${offenders.length} rule-bearing functions name no RFC section (add "RFC dddd §n" — or "§n" when the file header names the RFC — in a comment above or inside each):\n${offenders.join('\n')}`,
  );
});
