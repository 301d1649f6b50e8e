#!/usr/bin/env node
// Regenerates the option tables in README.md and docs/configuration.md from src/config/keys.ts
// (between <!-- options:start --> and <!-- options:end -->), and config.schema.json. With --check, changes nothing and exits
// 1 when a file is out of date. Needs a build first: npm run build && node scripts/gen-config-docs.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { optionsMarkdown, replaceOptions } from '../dist/src/config/docs-table.js';
import { configJsonSchema } from '../dist/src/config/json-schema.js';

const check = process.argv.includes('--check');
const files = ['README.md', 'docs/configuration.md'];
const generated = optionsMarkdown();
let stale = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const next = replaceOptions(text, generated);
  if (next === null) {
    console.error(`${file}: markers <!-- options:start --> / <!-- options:end --> not found`);
    stale++;
    continue;
  }
  if (next === text) continue;
  if (check) {
    console.error(`${file}: option table is out of date; run: npm run docs:config`);
    stale++;
  } else {
    writeFileSync(file, next);
    console.log(`${file}: option table updated`);
  }
}
// config.schema.json: for editors ("$schema" in config.json).
const schema = JSON.stringify(configJsonSchema(), null, 2) + '\n';
let current = '';
try {
  current = readFileSync('config.schema.json', 'utf8');
} catch {
  // absent: written below
}
if (current !== schema) {
  if (check) {
    console.error('config.schema.json is out of date; run: npm run docs:config');
    stale++;
  } else {
    writeFileSync('config.schema.json', schema);
    console.log('config.schema.json updated');
  }
}
process.exit(stale > 0 ? 1 : 0);
