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

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate when it is close enough to be a typo, else undefined. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(wanted, c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  return bestScore <= limit ? best : undefined;
}
