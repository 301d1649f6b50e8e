// Content-Type by file extension, from the `mime-db` table (the data behind most servers' type maps,
// kept current with IANA registrations). Text types get "; charset=utf-8"; unknown types are
// application/octet-stream (RFC 9110 §8.3: send a generic type when unknown; with nosniff, browsers
// then do not guess).

import { createRequire } from 'node:module';

interface MimeEntry {
  source?: string;
  charset?: string;
  compressible?: boolean;
  extensions?: string[];
}

const db = createRequire(import.meta.url)('mime-db') as Record<string, MimeEntry>;

// Where mime-db lists one extension under several types, the web's answer wins: RFC 9239 makes
// text/javascript the JavaScript type, and browsers expect video/mp4, audio/mpeg, and so on.
const PREFERRED: Readonly<Record<string, string>> = {
  js: 'text/javascript', mjs: 'text/javascript', cjs: 'text/javascript', mp4: 'video/mp4', mp3: 'audio/mpeg',
  wav: 'audio/wav', xml: 'application/xml', rtf: 'application/rtf', ico: 'image/x-icon', wasm: 'application/wasm',
  md: 'text/markdown', markdown: 'text/markdown', ts: 'video/mp2t', webmanifest: 'application/manifest+json',
  map: 'application/json', exe: 'application/octet-stream', jsonld: 'application/ld+json',
};

const SOURCE_RANK: Readonly<Record<string, number>> = { iana: 3, apache: 2, nginx: 1 };

// Types that are text but not text/*: they get a charset and compress well.
const TEXT_LIKE = /^application\/(?:json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|javascript|ecmascript|yaml|x-yaml|toml|x-sh|graphql|sql|ld\+json|manifest\+json)$|^image\/svg\+xml$/;

interface TypeInfo {
  /** The full Content-Type value, with charset when the type is text. */
  header: string;
  compressible: boolean;
}

const BY_EXTENSION = new Map<string, TypeInfo>();

function buildTable(): void {
  const chosen = new Map<string, string>();
  for (const [type, entry] of Object.entries(db)) {
    for (const ext of entry.extensions ?? []) {
      const prev = chosen.get(ext);
      if (prev === undefined) {
        chosen.set(ext, type);
        continue;
      }
      const rank = (t: string): number => (SOURCE_RANK[db[t]?.source ?? ''] ?? 0) * 2 + (/\/x-/.test(t) ? 0 : 1);
      if (rank(type) > rank(prev)) chosen.set(ext, type);
    }
  }
  for (const [ext, type] of Object.entries(PREFERRED)) chosen.set(ext, type);
  for (const [ext, type] of chosen) {
    const entry = db[type] ?? {};
    const text = type.startsWith('text/') || TEXT_LIKE.test(type) || (entry.charset ?? '').toUpperCase() === 'UTF-8';
    BY_EXTENSION.set(ext, {
      header: text ? `${type}; charset=utf-8` : type,
      compressible: entry.compressible ?? text,
    });
  }
}
buildTable();

const UNKNOWN: TypeInfo = { header: 'application/octet-stream', compressible: false };

/** The extension of a file name, lower-cased, without the dot ('' for none or a bare dotfile). */
function extensionOf(filePath: string): string {
  const slash = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'));
  const dot = filePath.lastIndexOf('.');
  if (dot <= slash + 1) return '';
  return filePath.slice(dot + 1).toLowerCase();
}

export function typeInfoFor(filePath: string): TypeInfo {
  return BY_EXTENSION.get(extensionOf(filePath)) ?? UNKNOWN;
}

export function contentTypeFor(filePath: string): string {
  return typeInfoFor(filePath).header;
}

/** Whether a Content-Type value (with or without parameters) is worth compressing. */
export function isCompressibleType(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type.startsWith('text/') || TEXT_LIKE.test(type)) return true;
  // mime-db marks octet-stream compressible; for us it means "unknown bytes", which we leave alone.
  return type !== 'application/octet-stream' && db[type]?.compressible === true;
}
