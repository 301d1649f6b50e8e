// Terminal colors as raw ANSI SGR codes (what util.styleText emits), applied only when the caller
// decided the stream is a color terminal: see shouldColor.

export type Style = 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold' | 'magenta';

const CODES: Readonly<Record<Style, readonly [number, number]>> = {
  bold: [1, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

export type Paint = (style: Style, text: string) => string;

export const plain: Paint = (_style, text) => text;
export const ansi: Paint = (style, text) => `\x1b[${CODES[style][0]}m${text}\x1b[${CODES[style][1]}m`;

/** Colors only for a terminal that can show them, and only when the configuration allows it. */
export function shouldColor(configured: boolean, stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return configured && stream.isTTY === true && env.TERM !== 'dumb';
}

export const LEVEL_STYLE: Readonly<Record<string, Style>> = { DEBUG: 'gray', INFO: 'green', WARNING: 'yellow', ERROR: 'red' };

export function statusStyle(status: number): Style {
  return status >= 500 ? 'red' : status >= 400 ? 'yellow' : status >= 300 ? 'cyan' : 'green';
}
