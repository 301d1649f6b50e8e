#!/usr/bin/env node
// Regenerates the table of decisions in docs/decisions.md from src/trace/decisions.ts (between
// <!-- decisions:start --> and <!-- decisions:end -->). With --check, changes nothing and exits 1
// when the page is out of date. Needs a build first: npm run build && node scripts/gen-decision-docs.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceDecisions } from '../dist/src/trace/decision-docs.js';

const check = process.argv.includes('--check');
const file = 'docs/decisions.md';
const text = readFileSync(file, 'utf8');
const next = replaceDecisions(text);
if (next === null) {
  console.error(`${file}: markers <!-- decisions:start --> / <!-- decisions:end --> not found`);
  process.exit(1);
}
if (next !== text) {
  if (check) {
    console.error(`${file}: the decision table is out of date; run: npm run docs:decisions`);
    process.exit(1);
  }
  writeFileSync(file, next);
  console.log(`${file}: decision table updated`);
}
