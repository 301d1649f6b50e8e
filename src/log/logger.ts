// The levelled logger every module logs through: server events (debug/info/warn/error) and access
// lines, in the configured style (text for common/combined, JSON lines for json), to the console
// (colored on a terminal) or to a rotating file.
//
// Routing: server events go to the console, or to the log file when there is one (warnings and
// errors are then also shown on stderr, so a broken server is never silent). Access lines go where
// `access` says: with the events (the default), to the console, to a file of their own, or nowhere;
// the level never filters them (it is for server events). Console output is batched per event-loop
// turn like the file, so logging stays off the hot path; one buffer per stream keeps lines in order.
// Like the file, the console queues bytes in reused chunks (line-buffer.ts), and an uncolored
// common/combined access line is encoded straight into them (access-encoder.ts): the default CLI
// logs every request to stdout, and a string per line plus a join per turn was most of its cost.

import { accessLine, textEventLine, jsonEventLine, type AccessEntry, type AccessFormat } from './formats.ts';
import { LEVEL_STYLE, ansi, plain, statusStyle, type Paint } from './colors.ts';
import type { RotatingFile } from './rotating-file.ts';
import { encodeCombinedLine, encodeCommonLine, maxAccessLineBytes } from './access-encoder.ts';
import { LineBuffer, chunkViews } from './line-buffer.ts';

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
  /**
   * Where access lines go: 'events' (default) where the events go, 'console', 'off', or a file of
   * their own (which may be `file` itself).
   */
  access?: 'events' | 'console' | 'off' | RotatingFile;
  /** Write console lines at most this often (ms) rather than once per event-loop turn; 0 (the
   * default) for every turn. The CLI uses 50 when stdout is not a terminal. */
  consoleBatchMs?: number;
  now?: () => number;
}

/**
 * Batches lines for a stream, as bytes. By default they go out once per event-loop turn. With
 * `batchMs` (the CLI's console when it is not a terminal: redirected to a file, a pipe, a journal)
 * at most once per batchMs, or at the end of the turn in which a 64 KiB chunk fills: a busy server's
 * console log then costs one write per few hundred lines instead of one per turn (that write and its
 * copy were a third of what the default access log cost per request). Whoever reads sees a line
 * batchMs late at most; every way out of the CLI's processes flushes first.
 */
class ConsoleBuffer {
  readonly #out: NodeJS.WritableStream;
  readonly #lines = new LineBuffer();
  readonly #batchMs: number;
  #scheduled = false;
  #timer: NodeJS.Timeout | null = null;
  readonly #flushLater = (): void => this.flushSync();

  constructor(out: NodeJS.WritableStream, batchMs: number) {
    this.#out = out;
    this.#batchMs = batchMs;
  }

  write(line: string): void {
    this.#schedule(this.#lines.append(line));
  }

  /** One line that encode() writes as bytes (at most maxBytes of them, without the newline). */
  writeEncoded<T>(maxBytes: number, value: T, encode: (value: T, buf: Buffer, at: number) => number): void {
    this.#schedule(this.#lines.appendEncoded(maxBytes, value, encode));
  }

  /** `full`: a chunk has just filled, so the batch goes out at the end of this turn whatever the mode. */
  #schedule(full: boolean): void {
    if (this.#scheduled && !(full && this.#timer !== null)) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#scheduled = true;
    if (this.#batchMs === 0 || full) setImmediate(this.#flushLater);
    else this.#timer = setTimeout(this.#flushLater, this.#batchMs);
  }

  flushSync(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#scheduled = false;
    if (this.#lines.isEmpty) return;
    const chunks = this.#lines.take();
    // A copy for the stream (one per turn): a stream may keep what it was given past its write
    // callback (a PassThrough hands the very buffer to its reader), so the chunks are ours at once.
    this.#out.write(Buffer.concat(chunkViews(chunks)));
    this.#lines.recycle(chunks);
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
  const access = options.access ?? 'events';
  const accessFile = access === 'events' ? file : typeof access === 'object' ? access : null;
  const accessToConsole = access === 'console' || (access === 'events' && file === null);
  const out = options.console != null && (file === null || accessToConsole) ? new ConsoleBuffer(options.console, options.consoleBatchMs ?? 0) : null;
  const main = file === null ? out : null;
  const accessOut = accessToConsole ? out : null;
  // Warnings and errors echoed to stderr are rare: written each turn, never batched.
  const echo = file !== null && options.errorConsole != null ? new ConsoleBuffer(options.errorConsole, 0) : null;
  // The access file when it is not the events' file (flushed and closed on its own).
  const ownAccessFile = accessFile !== file ? accessFile : null;

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
      if (accessFile !== null) accessFile.write(text);
      accessOut?.write(text);
    },
    access: (entry) => {
      if (accessFile !== null) {
        // Straight to bytes, no line string (access-encoder.ts): nothing else needs the line.
        if (format !== 'json') accessFile.writeEncoded(maxAccessLineBytes(format, entry), entry, format === 'combined' ? encodeCombinedLine : encodeCommonLine);
        else accessFile.write(accessLine(format, entry));
        return;
      }
      if (accessOut === null) return;
      if (paint === plain && format !== 'json') {
        accessOut.writeEncoded(maxAccessLineBytes(format, entry), entry, format === 'combined' ? encodeCombinedLine : encodeCommonLine);
        return;
      }
      const line = accessLine(format, entry);
      // Color the status code only; the rest of the line stays byte-exact.
      accessOut.write(paint === plain || format === 'json' ? line : line.replace(`" ${entry.status} `, `" ${paint(statusStyle(entry.status), String(entry.status))} `));
    },
    flush: async () => {
      await Promise.all([file?.flush(), ownAccessFile?.flush(), out?.flush(), echo?.flush()]);
    },
    close: async () => {
      await Promise.all([file?.close(), ownAccessFile?.close(), out?.flush(), echo?.flush()]);
    },
    flushSync: () => {
      file?.flushSync();
      ownAccessFile?.flushSync();
      out?.flushSync();
      echo?.flushSync();
    },
  };
  return logger;
}

/** The seed-era helper: a console logger at a level. */
export function createConsoleLogger(level: LogLevel = 'INFO', out: NodeJS.WritableStream = process.stdout): Logger {
  return createLogger({ level, console: out });
}
