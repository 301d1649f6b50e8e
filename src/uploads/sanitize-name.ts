// Turns a client-supplied file name into one that is safe to create in a folder we serve:
// - only the last path segment is kept ("C:\\Users\\x\\a.txt" and "../../a.txt" are "a.txt");
// - control characters (C0, DEL, C1) and Unicode bidi overrides (which disguise "exe.txt" as
//   "txt.exe") are removed; characters Windows forbids (<>:"/\|?*) become "_";
// - leading dots are removed (no dotfiles: they would be hidden, or be ".." / ".htaccess"), and
//   trailing dots and spaces too (Windows drops them, so "a.txt." would alias "a.txt");
// - Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension) get a "_" prefix;
// - the result is cut to MAX_NAME_BYTES of UTF-8, keeping the extension, so that a " (12)" suffix
//   and our temporary names still fit a 255-byte file system limit.
// An empty result becomes the fallback name.

export const MAX_NAME_BYTES = 200;
// Longest extension kept when a name is shortened; longer "extensions" are just part of the name.
const MAX_EXT_CHARS = 16;

const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\.|$)/i;
// C0 controls, DEL, C1 controls, and the bidi controls LRM/RLM/ALM, LRE..RLO, LRI..PDI.
// eslint-disable-next-line no-control-regex
const STRIP = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const FORBIDDEN = /[<>:"|?*]/g;

export function sanitizeFileName(raw: string, fallback = 'upload'): string {
  let name = raw.normalize('NFC');
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  if (slash !== -1) name = name.slice(slash + 1);
  name = name.replace(STRIP, '').replace(FORBIDDEN, '_');
  name = name.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (name === '') return fallback;
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  return truncateName(name, MAX_NAME_BYTES);
}

/** Splits "photo.tar.gz" into ["photo.tar", ".gz"]; a leading-dot name has no extension. */
export function splitExtension(name: string): [base: string, ext: string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > MAX_EXT_CHARS + 1) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/** Cuts a name to maxBytes of UTF-8 without splitting a character, keeping its extension. */
export function truncateName(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const [base, ext] = splitExtension(name);
  const room = maxBytes - Buffer.byteLength(ext);
  let out = '';
  let bytes = 0;
  for (const ch of base) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > room) break;
    out += ch;
    bytes += n;
  }
  return out.replace(/[\s.]+$/, '') + ext;
}

/** The n-th alternative for a taken name: "a.txt" → "a (1).txt", "a (2).txt", … */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const [base, ext] = splitExtension(name);
  return `${base} (${n})${ext}`;
}
