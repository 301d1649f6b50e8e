// Counts (and slows) calls of a node:fs/promises function that the server makes, for tests of work
// the server must do once, not once per request. src/ modules import these functions as ESM bindings
// of a builtin module, which follow the CommonJS object after syncBuiltinESMExports(); the original
// is put back when the test ends.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { TestContext } from 'node:test';

type Spied = 'stat' | 'readFile';

/**
 * From now until the test ends, every call of fs/promises' `name` on a path that `matches` is counted
 * and answers `delayMs` late (a slow disk, so that requests sent together all arrive while it runs).
 */
export function spyOnFs(t: TestContext, name: Spied, matches: (path: string) => boolean, delayMs: number): { calls: number } {
  const fsp = createRequire(import.meta.url)('node:fs/promises') as Record<Spied, (...args: unknown[]) => Promise<unknown>>;
  const original = fsp[name];
  const counter = { calls: 0 };
  fsp[name] = async (...args: unknown[]) => {
    if (matches(String(args[0]))) {
      counter.calls++;
      await new Promise((r) => setTimeout(r, delayMs));
    }
    return original(...args);
  };
  syncBuiltinESMExports();
  t.after(() => {
    fsp[name] = original;
    syncBuiltinESMExports();
  });
  return counter;
}
