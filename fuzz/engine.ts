// The fuzzing engine behind `npm run fuzz` and the bounded runs in `npm test`.
//
// Jazzer.js (coverage-guided) was tried first: @jazzer.js/core 4.0.0 installs, but its prebuilt
// libFuzzer addon needs glibc 2.38 and this machine (Debian 12) has 2.36; 2.x and older build the addon
// from source and download libFuzzer from GitHub while installing, which this machine cannot reach.
// So inputs come from fast-check instead, three ways at once, for as long as the budget allows:
//   1. the target's grammar (well-formed and nearly well-formed inputs, built to reach deep states);
//   2. grammar inputs mutated byte-wise (flips, inserts of protocol bytes, cuts, duplications);
//   3. the seed corpus (fuzz/corpus/NAME/*) mutated the same way and spliced together.
// Each target checks invariants on every input (same events whatever the chunking, a clear error
// status and never an exception, limits respected); a failure is shrunk by fast-check and saved to
// fuzz/crashes/ so that it can become a regression test.

import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FuzzTarget {
  /** The name `--target NAME` picks and the corpus folder fuzz/corpus/NAME/ holds seeds for. */
  readonly name: string;
  readonly about: string;
  /** Grammar-aware generator of inputs. */
  readonly grammar: fc.Arbitrary<Buffer>;
  /** Checks the invariants on one input; throws (an AssertionError) when one does not hold. */
  check(input: Buffer): void | Promise<void>;
  /** Runs in `npm test`: a fixed count with a fixed seed, so CI runs are replayable (a few seconds). */
  readonly ciRuns: number;
  /** Starts what check() needs (a server) and returns how to stop it. */
  setup?(): Promise<() => Promise<void>>;
}

export interface RunOptions {
  /** Time budget (for `npm run fuzz`); when absent, `runs` inputs are checked. */
  seconds?: number;
  runs?: number;
  seed?: number;
  /** Folder of seed inputs; the default is fuzz/corpus/NAME beside this module's sources. */
  corpusDir?: string;
}

export interface RunResult {
  target: string;
  runs: number;
  elapsedMs: number;
  seed: number;
  corpusSize: number;
  /** Heap growth over the run, after a GC when --expose-gc is on (bounded memory). */
  heapGrowthBytes: number;
  failure: null | { input: Buffer; error: string; path: string | undefined };
}

/** Repository root: dist/fuzz/engine.js and fuzz/engine.ts both sit two levels below it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function corpusDirOf(name: string): string {
  return join(REPO_ROOT, 'fuzz', 'corpus', name);
}

export function loadCorpus(dir: string): Buffer[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

// Bytes that matter to the parsers we own: line ends, separators, quotes, escapes, digits, high bits.
const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x2d, 0x2f, 0x30, 0x3a, 0x3b, 0x3d, 0x5c, 0x7f, 0x80, 0xff];

type Edit =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'cut'; at: number; n: number }
  | { op: 'dup'; at: number; n: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 255 })) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom(...INTERESTING).map((b) => Uint8Array.of(b))) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
);

export function applyEdits(input: Buffer, edits: readonly Edit[]): Buffer {
  let buf = input;
  for (const e of edits) {
    const at = buf.length === 0 ? 0 : e.at % (buf.length + 1);
    switch (e.op) {
      case 'flip':
        if (at < buf.length) (buf = Buffer.from(buf))[at]! ^= 1 << e.bit;
        break;
      case 'set':
        if (at < buf.length) (buf = Buffer.from(buf))[at] = e.byte;
        break;
      case 'insert':
        buf = Buffer.concat([buf.subarray(0, at), e.bytes, buf.subarray(at)]);
        break;
      case 'cut':
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + e.n)]);
        break;
      case 'dup':
        buf = Buffer.concat([buf.subarray(0, at + e.n), buf.subarray(at)]);
        break;
    }
  }
  return buf;
}

const mutated = (source: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> =>
  fc.tuple(source, fc.array(editArb, { minLength: 1, maxLength: 6 })).map(([b, edits]) => applyEdits(b, edits));

/** Every input the engine feeds a target: grammar, mutated grammar, mutated and spliced corpus. */
export function inputsOf(target: FuzzTarget, corpus: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const arms: fc.Arbitrary<Buffer>[] = [target.grammar, mutated(target.grammar)];
  if (corpus.length > 0) {
    const seed = fc.constantFrom(...corpus);
    arms.push(seed, mutated(seed));
    arms.push(fc.tuple(seed, seed, fc.nat(), fc.nat()).map(([a, b, i, j]) => Buffer.concat([a.subarray(0, a.length ? i % a.length : 0), b.subarray(b.length ? j % b.length : 0)])));
  }
  return fc.oneof(...arms);
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapNow = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

export async function runTarget(target: FuzzTarget, options: RunOptions = {}): Promise<RunResult> {
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
  const corpus = loadCorpus(options.corpusDir ?? corpusDirOf(target.name));
  const stop = target.setup ? await target.setup() : null;
  const heapBefore = heapNow();
  const started = performance.now();
  let runs = 0;
  try {
    // The seeds first, each as is: a corpus file that fails is a regression.
    for (const input of corpus) {
      runs++;
      try {
        await target.check(input);
      } catch (error) {
        return result(target, runs, started, seed, corpus.length, heapBefore, { input, error: describe(error), path: undefined });
      }
    }
    const property = fc.asyncProperty(inputsOf(target, corpus), async (input) => {
      runs++;
      await target.check(input);
    });
    const details = await fc.check(property, {
      seed,
      numRuns: options.seconds === undefined ? (options.runs ?? target.ciRuns) : Number.MAX_SAFE_INTEGER,
      ...(options.seconds === undefined ? {} : { interruptAfterTimeLimit: options.seconds * 1000, markInterruptAsFailure: false }),
      endOnFailure: false,
    });
    if (details.failed && details.counterexample !== null) {
      const [input] = details.counterexample;
      return result(target, runs, started, seed, corpus.length, heapBefore, { input, error: describe(details.errorInstance), path: details.counterexamplePath ?? undefined });
    }
    return result(target, runs, started, seed, corpus.length, heapBefore, null);
  } finally {
    await stop?.();
  }
}

function result(target: FuzzTarget, runs: number, started: number, seed: number, corpusSize: number, heapBefore: number, failure: RunResult['failure']): RunResult {
  return { target: target.name, runs, elapsedMs: performance.now() - started, seed, corpusSize, heapGrowthBytes: heapNow() - heapBefore, failure };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Saves a failing input to fuzz/crashes/NAME-HASH.bin and returns the path. */
export function saveCrash(name: string, input: Buffer): string {
  const dir = join(REPO_ROOT, 'fuzz', 'crashes');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${createHash('sha256').update(input).digest('hex').slice(0, 12)}.bin`);
  writeFileSync(path, input);
  return path;
}
