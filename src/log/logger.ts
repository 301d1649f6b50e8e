// The levelled logger every module logs through: server events (debug/info/warn/error) and access
// lines, in the configured style (text for common/combined, JSON lines for json), to the console
// (colored on a terminal) or to a rotating file.
//
// Routing: without a log file, everything goes to the console. With one, everything goes to the
// file, and warnings and errors are also shown on stderr so a broken server is never silent.
// Console output is batched per event-loop turn like the file, so logging stays off the hot path.

import { accessLine, textEventLine, jsonEventLine, type AccessEntry, type AccessFormat } from './formats.ts';
import { LEVEL_STYLE, ansi, plain, statusStyle, type Paint } from './colors.ts';
import type { RotatingFile } from './rotating-file.ts';
import { encodeCombinedLine, encodeCommonLine, maxAccessLineBytes } from './access-encoder.ts';

export const LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface Logger {
  level: LogLevel;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
  /** Writes a preformatted line (access log) as is. */
  line(text: string): void;
  /** One access log line in the configured format. */
  access(entry: AccessEntry): void;
  /** Resolves once every line so far is written. */
  flush(): Promise<void>;
  /** Flushes and closes the file; call once, at shutdown. */
  close(): Promise<void>;
  /** On a forced exit: writes what is queued synchronously. */
  flushSync(): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: AccessFormat;
  /** Console stream; null for none (tests, or a file-only setup). */
  console?: NodeJS.WritableStream | null;
  /** Where warnings and errors are echoed when a file is the main target. */
  errorConsole?: NodeJS.WritableStream | null;
  color?: boolean;
  file?: RotatingFile | null;
  now?: () => number;
}

/** Batches lines for a stream and writes them once per event-loop turn. */
class ConsoleBuffer {
  readonly #out: NodeJS.WritableStream;
  #lines: string[] = [];
  #scheduled = false;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  write(line: string): void {
    this.#lines.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flushSync());
    }
  }

  flushSync(): void {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('\n') + '\n';
    this.#lines = [];
    this.#out.write(text);
  }

  /** Resolves when the stream has taken everything (drained for pipes). */
  flush(): Promise<void> {
    this.flushSync();
    return new Promise((resolve) => this.#out.write('', () => resolve()));
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'common';
  const file = options.file ?? null;
  const now = options.now ?? Date.now;
  const paint: Paint = options.color === true ? ansi : plain;
  const main = file === null && options.console != null ? new ConsoleBuffer(options.console) : null;
  const echo = file !== null && options.errorConsole != null ? new ConsoleBuffer(options.errorConsole) : null;

  const at = (l: LogLevel): boolean => LEVELS[l] >= LEVELS[logger.level];
  const emit = (level: LogLevel, message: string, error?: unknown): void => {
    const t = now();
    let text = message;
    // A stack's continuation lines are indented, so every record still starts at column 0.
    if (format !== 'json' && error !== undefined) text += error instanceof Error ? `: ${(error.stack ?? error.message).replaceAll('\n', '\n    ')}` : `: ${String(error)}`;
    const line = format === 'json' ? jsonEventLine(t, level, message, error) : textEventLine(t, level, text);
    if (file !== null) file.write(line);
    const consoleLine = format === 'json' ? line : `${new Date(t).toISOString()} ${paint(LEVEL_STYLE[level] ?? 'bold', level.padEnd(7))} ${text}`;
    main?.write(consoleLine);
    if (echo !== null && LEVELS[level] >= LEVELS.WARNING) echo.write(consoleLine);
  };

  const logger: Logger = {
    level: options.level ?? 'INFO',
    debug: (m) => void (at('DEBUG') && emit('DEBUG', m)),
    info: (m) => void (at('INFO') && emit('INFO', m)),
    warn: (m) => void (at('WARNING') && emit('WARNING', m)),
    error: (m, e) => void (at('ERROR') && emit('ERROR', m, e)),
    line: (text) => {
      if (file !== null) file.write(text);
      main?.write(text);
    },
    access: (entry) => {
      if (file !== null && format !== 'json') {
        // Straight to bytes, no line string (access-encoder.ts). With a file, the console only
        // echoes warnings and errors, so nothing else needs the line.
        file.writeEncoded(maxAccessLineBytes(format, entry), entry, format === 'combined' ? encodeCombinedLine : encodeCommonLine);
        return;
      }
      const line = accessLine(format, entry);
      if (file !== null) file.write(line);
      if (main !== null) {
        // Color the status code only; the rest of the line stays byte-exact.
        main.write(paint === plain || format === 'json' ? line : line.replace(`" ${entry.status} `, `" ${paint(statusStyle(entry.status), String(entry.status))} `));
      }
    },
    flush: async () => {
      await Promise.all([file?.flush(), main?.flush(), echo?.flush()]);
    },
    close: async () => {
      await Promise.all([file?.close(), main?.flush(), echo?.flush()]);
    },
    flushSync: () => {
      file?.flushSync();
      main?.flushSync();
      echo?.flushSync();
    },
  };
  return logger;
}

/** The seed-era helper: a console logger at a level. */
export function createConsoleLogger(level: LogLevel = 'INFO', out: NodeJS.WritableStream = process.stdout): Logger {
  return createLogger({ level, console: out });
}
