// Levelled logger for server events. The configuration issue extends it (formats, files, rotation);
// this is the small core every module logs through.

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
}

export function createConsoleLogger(level: LogLevel = 'INFO', out: NodeJS.WritableStream = process.stdout): Logger {
  const at = (l: LogLevel): boolean => LEVELS[l] >= LEVELS[logger.level];
  const emit = (l: LogLevel, message: string): void => {
    out.write(`${new Date().toISOString()} ${l.padEnd(7)} ${message}\n`);
  };
  const logger: Logger = {
    level,
    debug: (m) => at('DEBUG') && emit('DEBUG', m),
    info: (m) => at('INFO') && emit('INFO', m),
    warn: (m) => at('WARNING') && emit('WARNING', m),
    error: (m, e) => {
      if (!at('ERROR')) return;
      const detail = e instanceof Error ? `: ${e.stack ?? e.message}` : e === undefined ? '' : `: ${String(e)}`;
      emit('ERROR', m + detail);
    },
    line: (text) => out.write(text + '\n'),
  };
  return logger;
}
