// Content-Type by file extension. Text types get "; charset=utf-8"; unknown types are
// application/octet-stream (RFC 9110 §8.3 says to omit or send a generic type when unknown; a generic
// type plus nosniff keeps browsers from guessing).

import { extname } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html', '.htm': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.cjs': 'text/javascript', '.json': 'application/json', '.map': 'application/json', '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain', '.md': 'text/markdown', '.csv': 'text/csv', '.xml': 'application/xml', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.avif': 'image/avif', '.ico': 'image/x-icon', '.bmp': 'image/bmp', '.woff': 'font/woff', '.woff2': 'font/woff2',
  '.ttf': 'font/ttf', '.otf': 'font/otf', '.wasm': 'application/wasm', '.pdf': 'application/pdf', '.zip': 'application/zip',
  '.gz': 'application/gzip', '.br': 'application/x-brotli', '.tar': 'application/x-tar', '.mp4': 'video/mp4', '.webm': 'video/webm',
  '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.wav': 'audio/wav', '.yaml': 'application/yaml', '.yml': 'application/yaml',
};

const CHARSET_TYPES = new Set(['application/json', 'application/manifest+json', 'application/xml', 'image/svg+xml', 'application/yaml']);

export function contentTypeFor(filePath: string): string {
  const type = TYPES[extname(filePath).toLowerCase()];
  if (type === undefined) return 'application/octet-stream';
  return type.startsWith('text/') || CHARSET_TYPES.has(type) ? `${type}; charset=utf-8` : type;
}
