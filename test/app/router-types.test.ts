// The type test: compiles types/route-params.ts with the project's compiler options and expects no
// error; then compiles it with its @ts-expect-error comments removed and expects an error on each of
// those lines, so the test fails both when a right use stops compiling and when a wrong one starts to.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURE = join(ROOT, 'test/app/types/route-params.ts');

function compile(text: string): readonly ts.Diagnostic[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  assert.ok(config !== undefined);
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, incremental: false, composite: false };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (name) => (resolve(name) === FIXTURE ? text : read(name));
  const program = ts.createProgram([FIXTURE], options, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file !== undefined && resolve(d.file.fileName) === FIXTURE);
}

const source = readFileSync(FIXTURE, 'utf8');

test('the typed uses compile and every @ts-expect-error is used', () => {
  const diagnostics = compile(source);
  assert.deepEqual(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
});

test('without the @ts-expect-error comments each marked line is an error', () => {
  const lines = source.split('\n');
  const marked: number[] = [];
  const stripped = lines.map((line, i) => {
    if (!line.includes('// @ts-expect-error')) return line;
    marked.push(i + 1); // the next line (0-based i + 1) is the one that must fail
    return '';
  });
  assert.ok(marked.length >= 5);
  const failing = new Set(compile(stripped.join('\n')).map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line));
  for (const line of marked) assert.ok(failing.has(line), `line ${line + 1} should not compile: ${lines[line]}`);
});
