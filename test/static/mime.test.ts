import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentTypeFor, isCompressibleType } from '../../src/static/mime.ts';

test('modern web types come from the maintained table', () => {
  const cases: Record<string, string> = {
    'a.html': 'text/html; charset=utf-8', 'a.HTM': 'text/html; charset=utf-8', 'a.css': 'text/css; charset=utf-8',
    'a.js': 'text/javascript; charset=utf-8', 'a.mjs': 'text/javascript; charset=utf-8', 'a.json': 'application/json; charset=utf-8',
    'a.wasm': 'application/wasm', 'a.webp': 'image/webp', 'a.avif': 'image/avif', 'a.woff2': 'font/woff2', 'a.svg': 'image/svg+xml; charset=utf-8',
    'a.png': 'image/png', 'a.mp4': 'video/mp4', 'a.mp3': 'audio/mpeg', 'a.pdf': 'application/pdf', 'a.txt': 'text/plain; charset=utf-8',
    'a.md': 'text/markdown; charset=utf-8', 'a.webmanifest': 'application/manifest+json; charset=utf-8', 'a.xml': 'application/xml; charset=utf-8',
    'a.ico': 'image/x-icon', 'a.epub': 'application/epub+zip', 'a.ics': 'text/calendar; charset=utf-8', 'a.jpeg': 'image/jpeg',
  };
  for (const [file, type] of Object.entries(cases)) assert.equal(contentTypeFor(file), type, file);
});

test('unknown, missing and dotfile-only extensions are application/octet-stream', () => {
  for (const f of ['a.unknownext', 'Makefile', '.env', 'dir.d/file', 'a.']) assert.equal(contentTypeFor(f), 'application/octet-stream', f);
});

test('compressibility: text yes; images, archives and woff2 no', () => {
  for (const t of ['text/html; charset=utf-8', 'application/json', 'image/svg+xml', 'application/wasm', 'text/javascript']) assert.ok(isCompressibleType(t), t);
  for (const t of ['image/png', 'image/webp', 'application/zip', 'application/gzip', 'font/woff2', 'video/mp4', 'application/octet-stream']) assert.ok(!isCompressibleType(t), t);
});
