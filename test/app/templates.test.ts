// The template engine: outputs, loops, conditionals, layouts with blocks, includes, filters, errors
// that name file and line, recompiling when a file changes, names kept inside the folder, and data
// that is never parsed as a template.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTemplates, TemplateError } from '../../src/app/templates/engine.ts';

async function folder(t: { after(fn: () => Promise<void>): void }, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'httpcraft-tpl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const errorOf = (fn: () => unknown): TemplateError => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TemplateError, String(error));
    return error;
  }
  assert.fail('no error');
};

describe('rendering', () => {
  test('loops with loop.*, else for empty lists, conditionals with comparisons and and/or/not', async (t) => {
    const dir = await folder(t, {
      'list.html': '{{#each items as it}}{{ loop.number }}/{{ loop.length }}:{{ it.name }}{{#if not loop.last}}, {{/if}}{{else}}empty{{/each}}|{{#if count > 2 and big}}big{{else if count == 2 or force}}two{{else}}small{{/if}}',
    });
    const t1 = createTemplates({ root: dir });
    assert.equal(t1.render('list.html', { items: [{ name: 'a' }, { name: 'b' }], count: 2 }), '1/2:a, 2/2:b|two');
    assert.equal(t1.render('list.html', { items: [], count: 3, big: true }), 'empty|big');
    assert.equal(t1.render('list.html', { count: 0, force: true }), 'empty|two');
  });
  test('filters, literals, missing values as empty, own properties only', async (t) => {
    const dir = await folder(t, { 'f.html': '{{ name | upper }} {{ missing.deep.x }}|{{ missing | default "none" }}|{{ tags | join " + " }}|{{ long | truncate 5 }}|{{ n | plural "note" "notes" }}|{{ obj.constructor }}{{ obj.__proto__ }}|{{ when | date }}|{{ q | url }}' });
    const out = createTemplates({ root: dir }).render('f.html', { name: 'ann', tags: ['a', 'b'], long: 'abcdefgh', n: 2, obj: {}, when: 0, q: 'a b&c' });
    assert.equal(out, 'ANN |none|a + b|abcd…|notes||1970-01-01 00:00 UTC|a%20b%26c');
  });
  test('custom filters', async (t) => {
    const dir = await folder(t, { 'c.html': '{{ price | money "€" }}' });
    assert.equal(createTemplates({ root: dir, filters: { money: (v, sym) => `${String(sym)}${(v as number).toFixed(2)}` } }).render('c.html', { price: 3 }), '€3.00');
  });
  test('layouts: blocks with defaults, pages filling them, a layout of a layout', async (t) => {
    const dir = await folder(t, {
      'base.html': '<title>{{#block "title"}}Site{{/block}}</title><main>{{#block "content"}}nothing{{/block}}</main><footer>{{#block "footer"}}(c){{/block}}</footer>',
      'section.html': '{{layout "base.html"}}{{#block "footer"}}section footer{{/block}}',
      'page.html': '{{layout "section.html"}}\n{{#block "title"}}Hello {{ who }}{{/block}}\n{{#block "content"}}<p>{{ who }}</p>{{/block}}\n',
    });
    assert.equal(createTemplates({ root: dir }).render('page.html', { who: 'Ann' }), '<title>Hello Ann</title><main><p>Ann</p></main><footer>section footer</footer>');
  });
  test('includes see the scope and their own named values', async (t) => {
    const dir = await folder(t, { 'p.html': '{{#each xs as x}}{{> "parts/item.html" label=x.name n=loop.number}}{{/each}}', 'parts/item.html': '[{{ n }} {{ label }} of {{ owner }}]' });
    assert.equal(createTemplates({ root: dir }).render('p.html', { owner: 'me', xs: [{ name: 'a' }, { name: 'b' }] }), '[1 a of me][2 b of me]');
  });
  test('data is never parsed as a template', async (t) => {
    const dir = await folder(t, { 'd.html': '<p>{{ v }}</p>{{{ v }}}' });
    assert.equal(createTemplates({ root: dir }).render('d.html', { v: '{{ secret }}{{> "d.html"}}' }), '<p>{{ secret }}{{&gt; &quot;d.html&quot;}}</p>{{ secret }}{{> "d.html"}}');
  });
});

describe('errors name the file and the line', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unclosed.html', 'a\n{{#if x}}\nb', /^unclosed\.html:2: \{\{#if\}\} is never closed with \{\{\/if\}\}$/],
    ['mismatch.html', '{{#each xs as x}}\n\n{{/if}}', /^mismatch\.html:3: \{\{\/if\}\} closes the \{\{#each\}\} of line 1$/],
    ['filter.html', 'x\ny {{ a | upcase }}', /^filter\.html:2: unknown filter "upcase"/],
    ['expr.html', '{{ a + b }}', /^expr\.html:1: cannot read "\+ b"/],
    ['open.html', 'one\ntwo {{ a', /^open\.html:2: \{\{ is never closed with \}\}$/],
    ['onclick.html', '<button onclick="go({{ id }})">', /^onclick\.html:1: \{\{ id \}\} cannot go inside the event-handler attribute onclick/],
    ['unquoted.html', '<a href={{ u }}>', /^unquoted\.html:1: .*unquoted value of href= \(put the value in double quotes\)/],
    ['intag.html', '<div {{ attrs }}>', /^intag\.html:1: .*inside the tag <div>/],
    ['style.html', '<style>\np { color: {{ c }} }</style>', /^style\.html:2: .*inside <style>/],
    ['rawattr.html', '<a title="{{{ t }}}">', /^rawattr\.html:1: raw output .* only in text/],
    ['comment.html', '<!-- {{ x }} -->', /^comment\.html:1: .*inside an HTML comment/],
    ['outside.html', '{{layout "l.html"}}\nstray text\n{{#block "a"}}{{/block}}', /^outside\.html:2: a template with a \{\{layout\}\} may have text only inside/],
    ['each.html', '{{#each xs}}{{/each}}', /^each\.html:1: \{\{#each\}\} is written \{\{#each list as item\}\}/],
  ];
  for (const [name, text, message] of cases) {
    test(name, async (t) => {
      const dir = await folder(t, { [name]: text, 'l.html': '' });
      const e = errorOf(() => createTemplates({ root: dir }).render(name));
      assert.match(e.message, message);
      assert.equal(e.file, name);
    });
  }
  test('an include of a missing file names the including line; a runtime error names its line', async (t) => {
    const dir = await folder(t, { 'inc.html': 'x\n\n{{> "nope.html"}}', 'run.html': '\n{{ v | boom }}' });
    assert.match(errorOf(() => createTemplates({ root: dir }).render('inc.html')).message, /^inc\.html:3: template "nope\.html" not found/);
    const e = errorOf(() => createTemplates({ root: dir, filters: { boom: () => { throw new Error('exploded'); } } }).render('run.html', { v: 1 }));
    assert.match(e.message, /^run\.html:2: \{\{ v \| boom \}\}: exploded$/);
  });
  test('an include cycle is an error, not a stack overflow', async (t) => {
    const dir = await folder(t, { 'a.html': '{{> "b.html"}}', 'b.html': '{{> "a.html"}}' });
    assert.match(errorOf(() => createTemplates({ root: dir }).render('a.html')).message, /nest more than 32 deep/);
  });
});

test('names stay inside the folder (.., absolute, symlinks out)', async (t) => {
  const outside = await folder(t, { 'secret.html': 'secret' });
  const dir = await folder(t, { 'in.html': '{{> "../x.html"}}', 'ok.html': 'ok' });
  await symlink(join(outside, 'secret.html'), join(dir, 'link.html'));
  const tpl = createTemplates({ root: dir });
  assert.equal(tpl.render('ok.html'), 'ok');
  assert.throws(() => tpl.render('/etc/passwd'), /must be a relative path/);
  assert.throws(() => tpl.render('../' + outside.split('/').pop() + '/secret.html'), /outside|not found/);
  assert.throws(() => tpl.render('link.html'), /is outside/);
  assert.throws(() => tpl.render('in.html'), /not found|outside/);
});

test('compiled once, compiled again when the file (or an include) changes', async (t) => {
  const dir = await folder(t, { 'p.html': 'v1 {{> "part.html"}}', 'part.html': 'a' });
  const tpl = createTemplates({ root: dir });
  assert.equal(tpl.render('p.html'), 'v1 a');
  assert.equal(tpl.render('p.html'), 'v1 a');
  assert.equal(tpl.compiles, 2);
  await writeFile(join(dir, 'part.html'), 'bb'); // a different size: a change whatever the clock's resolution
  assert.equal(tpl.render('p.html'), 'v1 bb');
  assert.equal(tpl.compiles, 3);
  await writeFile(join(dir, 'p.html'), 'v22 {{> "part.html"}}');
  assert.equal(tpl.render('p.html'), 'v22 bb');
  assert.equal(tpl.compiles, 4);
  const fixed = createTemplates({ root: dir, watch: false });
  assert.equal(fixed.render('p.html'), 'v22 bb');
  await writeFile(join(dir, 'p.html'), 'v333');
  assert.equal(fixed.render('p.html'), 'v22 bb');
});
