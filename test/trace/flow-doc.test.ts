// docs/how-a-request-flows.md names the lines to read in each file ("`src/x.ts` lines 10–20
// (`name`)"); this keeps those references true as the code moves: every range lies inside its file
// and holds the declaration of the name it gives, and the HTTP/1.1 walk stays within eight files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'how-a-request-flows.md'), 'utf8');

interface Reference {
  file: string;
  start: number;
  end: number;
  name: string;
  section: string;
}

/** Every "lines A–B (`name`)" with the file named last before it on its line or in its heading. */
function references(): Reference[] {
  const out: Reference[] = [];
  let section = '';
  for (const line of DOC.split('\n')) {
    if (line.startsWith('## ')) section = line;
    let file = '';
    const re = /`(src\/[\w/.-]+\.ts)`|lines (\d+)–(\d+) \(`([^`]+)`\)|, (\d+)–(\d+) \(`([^`]+)`\)/g;
    for (const m of line.matchAll(re)) {
      if (m[1] !== undefined) file = m[1];
      else {
        const start = Number(m[2] ?? m[5]);
        const end = Number(m[3] ?? m[6]);
        const name = (m[4] ?? m[7])!;
        assert.notEqual(file, '', `no file named before lines ${start}–${end} in: ${line}`);
        out.push({ file, start, end, name, section });
      }
    }
  }
  return out;
}

function declares(text: string, name: string): boolean {
  const n = name.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');
  return new RegExp(`(^|\\s)(async\\s+)?(function\\s+|const\\s+|get\\s+)?${n}\\s*(\\(|<|=|:)`).test(text);
}

test('every line range in docs/how-a-request-flows.md holds the declaration it names', () => {
  const refs = references();
  assert.ok(refs.length >= 20, `only ${refs.length} references found`);
  const wrong: string[] = [];
  for (const r of refs) {
    const lines = readFileSync(join(ROOT, r.file), 'utf8').split('\n');
    if (r.end < r.start || r.end > lines.length || r.end - r.start > 80) {
      wrong.push(`${r.file} lines ${r.start}–${r.end}: not a range of at most 80 lines inside the file (${lines.length} lines)`);
      continue;
    }
    // A function's range begins at its declaration; a step inside a longer function (the site's
    // chain) names the declaration the range holds.
    const head = lines.slice(r.start - 1, Math.min(r.end, r.start + 2)).join('\n');
    const whole = lines.slice(r.start - 1, r.end).join('\n');
    if (!declares(head, r.name) && !(r.end - r.start <= 25 && declares(whole, r.name))) wrong.push(`${r.file} lines ${r.start}–${r.end} do not hold the declaration of ${r.name}: "${lines[r.start - 1]?.trim()}"`);
  }
  assert.deepEqual(wrong, []);
});

test('the HTTP/1.1 walk names at most eight files', () => {
  const files = new Set(references().filter((r) => r.section.startsWith('## HTTP/1.1')).map((r) => r.file));
  assert.ok(files.size <= 8, [...files].join(', '));
});
