// Coalesces a burst of change events into one notification. An editor's save is several events
// (write, chmod, rename of a temporary over the file …) within a few milliseconds; a build tool
// may rewrite dozens of files. A batch is sent once no event has come for `quietMs`, or `maxWaitMs`
// after its first event however busy the folder stays, so a file that is rewritten without pause
// still reloads the page now and then. A batch holds at most `maxPaths` paths; beyond that it only
// says that more changed (the client then reloads: it cannot tell that only styles changed).

export interface ChangeBatch {
  /** URL paths of the changed files ("/css/site.css"), each once, in the order first seen. */
  paths: string[];
  /** True when more files changed than the batch names. */
  truncated: boolean;
}

export interface BatcherOptions {
  quietMs: number;
  maxWaitMs: number;
  maxPaths: number;
  onBatch: (batch: ChangeBatch) => void;
}

export const DEFAULT_QUIET_MS = 75;
export const DEFAULT_MAX_WAIT_MS = 1000;
export const MAX_BATCH_PATHS = 256;

export class ChangeBatcher {
  readonly #options: BatcherOptions;
  #paths = new Set<string>();
  #truncated = false;
  #quiet: NodeJS.Timeout | null = null;
  #deadline: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: BatcherOptions) {
    this.#options = options;
  }

  add(path: string): void {
    if (this.#closed) return;
    if (this.#paths.size < this.#options.maxPaths) this.#paths.add(path);
    else if (!this.#paths.has(path)) this.#truncated = true;
    if (this.#quiet !== null) clearTimeout(this.#quiet);
    this.#quiet = setTimeout(() => this.flush(), this.#options.quietMs);
    this.#deadline ??= setTimeout(() => this.flush(), this.#options.maxWaitMs);
  }

  /** Sends what is pending now (nothing when nothing is). */
  flush(): void {
    this.#clearTimers();
    if (this.#paths.size === 0 && !this.#truncated) return;
    const batch: ChangeBatch = { paths: [...this.#paths], truncated: this.#truncated };
    this.#paths = new Set();
    this.#truncated = false;
    this.#options.onBatch(batch);
  }

  /** Drops what is pending; later events are ignored. */
  close(): void {
    this.#closed = true;
    this.#clearTimers();
    this.#paths.clear();
  }

  #clearTimers(): void {
    if (this.#quiet !== null) clearTimeout(this.#quiet);
    if (this.#deadline !== null) clearTimeout(this.#deadline);
    this.#quiet = null;
    this.#deadline = null;
  }
}
