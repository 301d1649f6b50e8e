// Project conventions checked on the source tree (ARCHITECTURE.md): we serve HTTP with our own code,
// use named exports only, and keep the protocol layer free of IO.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url)); // dist/test → repo root
const SRC = join(REPO, 'src');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function imports(code: string): string[] {
  const out: string[] = [];
  const re = /\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

const files = sources(SRC);

test('the source tree is found', () => {
  assert.ok(files.length > 10, `found ${files.length} files under ${SRC}`);
  assert.ok(files.some((f) => f.endsWith(join('http1', 'request-parser.ts'))));
});

test('nothing under src/ imports node:http, node:https or node:http2', () => {
  const bad: string[] = [];
  for (const f of files) {
    for (const spec of imports(readFileSync(f, 'utf8'))) {
      if (/^(node:)?(http|https|http2)$/.test(spec)) bad.push(`${relative(REPO, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no default exports under src/', () => {
  const bad = files.filter((f) => /^\s*export\s+default\b/m.test(readFileSync(f, 'utf8'))).map((f) => relative(REPO, f));
  assert.deepEqual(bad, []);
});

test('built-in modules are imported with the node: prefix', () => {
  const BUILTINS = /^(assert|buffer|child_process|cluster|crypto|dns|events|fs|fs\/promises|http|https|http2|net|os|path|process|readline|stream|stream\/promises|timers|timers\/promises|tls|url|util|worker_threads|zlib)$/;
  const bad: string[] = [];
  for (const f of files) for (const spec of imports(readFileSync(f, 'utf8'))) if (BUILTINS.test(spec)) bad.push(`${relative(REPO, f)}: ${spec}`);
  assert.deepEqual(bad, []);
});

test('src/http1/ and src/http2/ are sans-IO: no sockets, TLS, files, timers or process', () => {
  const IO = /^node:(net|tls|fs|fs\/promises|timers|timers\/promises|dgram|child_process|cluster|worker_threads|process)$/;
  const bad: string[] = [];
  for (const f of files.filter((f) => f.includes(join('src', 'http1')) || f.includes(join('src', 'http2')))) {
    const code = readFileSync(f, 'utf8');
    for (const spec of imports(code)) if (IO.test(spec)) bad.push(`${relative(REPO, f)} imports ${spec}`);
    // Timers are globals, so an import check alone would miss them.
    const withoutComments = code.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const g of ['setTimeout', 'setInterval', 'setImmediate', 'process.']) {
      if (withoutComments.includes(g)) bad.push(`${relative(REPO, f)} uses ${g}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the WebSocket frame layer is sans-IO: no sockets, TLS, files, zlib or timers', () => {
  const IO = /^node:(net|tls|fs|fs\/promises|timers|timers\/promises|zlib|dgram|child_process|cluster|worker_threads|process)$/;
  const SANS_IO = ['frame-parser.ts', 'frame-writer.ts', 'receiver.ts', 'utf8.ts', 'close-codes.ts', 'handshake.ts', 'extensions.ts', 'permessage-deflate.ts'];
  const layer = files.filter((f) => f.includes(join('src', 'websocket')) && SANS_IO.some((n) => f.endsWith(n)));
  assert.equal(layer.length, SANS_IO.length);
  const bad: string[] = [];
  for (const f of layer) {
    const code = readFileSync(f, 'utf8');
    for (const spec of imports(code)) if (IO.test(spec) || spec === './deflate.ts' || spec === './websocket.ts') bad.push(`${relative(REPO, f)} imports ${spec}`);
    const withoutComments = code.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const g of ['setTimeout', 'setInterval', 'setImmediate', 'process.']) if (withoutComments.includes(g)) bad.push(`${relative(REPO, f)} uses ${g}`);
  }
  assert.deepEqual(bad, []);
});

test('file names are kebab-case', () => {
  const bad = files.map((f) => relative(SRC, f)).filter((f) => !/^([a-z0-9]+(-[a-z0-9]+)*\/)*[a-z0-9]+(-[a-z0-9]+)*(\.d)?\.ts$/.test(f));
  assert.deepEqual(bad, []);
});

test('src/ has no import cycles (type-only imports count too)', () => {
  // A module that imports one that imports it back means neither has one job: the write handlers
  // once did this (issue 21). Relative specifiers only; "./x.ts" names the file itself.
  const graph = new Map<string, string[]>();
  for (const f of files) graph.set(f, imports(readFileSync(f, 'utf8')).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(f), s)));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const dep of graph.get(f) ?? []) {
      if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep].map((x) => relative(SRC, x)).join(' → '));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});
