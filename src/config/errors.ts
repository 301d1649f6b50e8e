// ConfigError: one bad setting, with the key, where it came from (`--port`, `HTTPCRAFT_PORT`,
// `config.json:$.port`), the value and what is allowed. The CLI prints every error it found, one per
// line, and exits with status 2 before anything starts listening.

export class ConfigError extends Error {
  readonly key: string;
  readonly source: string;
  override name = 'ConfigError';

  constructor(key: string, source: string, message: string) {
    super(message);
    this.key = key;
    this.source = source;
  }

  /** The line a user sees: `config.json:$.port: 70000 is out of range; expected …`. */
  override toString(): string {
    return `${this.source}: ${this.message}`;
  }
}

/** Several problems found in one pass (a user fixes them all at once rather than one per run). */
export class ConfigErrors extends Error {
  readonly errors: readonly ConfigError[];
  /** Non-fatal notes found on the way (shown with the errors: they may explain them). */
  readonly warnings: readonly string[];
  override name = 'ConfigErrors';

  constructor(errors: readonly ConfigError[], warnings: readonly string[] = []) {
    super(errors.map((e) => e.toString()).join('\n'));
    this.errors = errors;
    this.warnings = warnings;
  }
}

/** A value as the user wrote it, short enough for one line. */
export function showValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? text.slice(0, 57) + '…' : text;
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment, the
 * restricted Damerau-Levenshtein distance): "prot" is one typo away from "port", not two. */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur[j] = d;
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Typos allowed for a name of this length: none below 3 characters (any two short names are a
 * couple of edits apart, so a guess there misleads: -P is not --fd), then one, then two from 6. */
function typoBudget(length: number): number {
  return length < 3 ? 0 : length < 6 ? 1 : 2;
}

/**
 * The candidate the user most likely meant, or undefined when none is close enough to be a typo:
 * the same name in another case; else the nearest within the length's typo budget (ties: the first
 * candidate); else, for 4 characters or more, the one candidate that begins with it ("--directory"
 * for "--directory-listing"). Suggesting nothing beats suggesting an unrelated option.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  const list = [...candidates];
  const same = list.find((c) => c.toLowerCase() === wanted);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestScore = typoBudget(wanted.length) + 1;
  for (const c of list) {
    const d = distance(wanted, c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  if (best !== undefined) return best;
  if (wanted.length < 4) return undefined;
  const prefixed = list.filter((c) => c.toLowerCase().startsWith(wanted));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
