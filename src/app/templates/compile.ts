// One template file's text → a tree of render closures, built once. The tags:
//
//   {{ expr }}                 output, escaped for where it is (html-context.ts)
//   {{{ expr }}}               raw output, the one explicit way out of escaping (text only)
//   {{#if expr}} … {{else if expr}} … {{else}} … {{/if}}
//   {{#each expr as name}} … {{else}} … {{/each}}   (inside: name, loop.index, loop.number,
//                                                    loop.first, loop.last, loop.length)
//   {{layout "file"}}          this template fills the blocks of that layout
//   {{#block "name"}} … {{/block}}   a named block: a layout's default, a page's content for it
//   {{> "file" name=expr …}}   include another template with extra names in scope
//   {{!-- comment --}}
//
// Every error says file:line. Template text comes only from files (engine.ts): data is never parsed.

import { ExpressionError, ExpressionParser, lookup, truthy, type Evaluate, type Filter, type Scope } from './expression.ts';
import { BLOCKED_URL, HtmlContextTracker, escapeHtml, sanitizeUrl, scriptLiteral } from './html-context.ts';

export class TemplateError extends Error {
  override name = 'TemplateError';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, message: string, options?: { cause?: unknown }) {
    super(`${file}:${line}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}

export interface RenderContext {
  /** Blocks a page gave its layout (name → render), innermost page first. */
  readonly blocks: ReadonlyMap<string, Render>;
  /** Renders another template (an include) into out. */
  include(from: string, line: number, name: string, scope: Scope, out: string[]): void;
}

export type Render = (scope: Scope, ctx: RenderContext, out: string[]) => void;

export interface CompiledTemplate {
  readonly file: string;
  /** The layout named by {{layout "…"}}, as written (the engine resolves it). */
  readonly layout: { readonly name: string; readonly line: number } | null;
  readonly blocks: ReadonlyMap<string, Render>;
  readonly body: Render;
}

interface Tag {
  kind: 'text' | 'tag' | 'raw' | 'comment';
  text: string;
  line: number;
}

function lex(source: string, file: string): Tag[] {
  const out: Tag[] = [];
  let pos = 0;
  let line = 1;
  const advance = (s: string): void => {
    for (const c of s) if (c === '\n') line++;
  };
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open === -1) {
      out.push({ kind: 'text', text: source.slice(pos), line });
      break;
    }
    if (open > pos) {
      const text = source.slice(pos, open);
      out.push({ kind: 'text', text, line });
      advance(text);
    }
    const startLine = line;
    if (source.startsWith('{{!--', open)) {
      const end = source.indexOf('--}}', open + 5);
      if (end === -1) throw new TemplateError(file, startLine, 'a {{!-- comment is never closed with --}}');
      advance(source.slice(open, end + 4));
      out.push({ kind: 'comment', text: '', line: startLine });
      pos = end + 4;
      continue;
    }
    const raw = source.startsWith('{{{', open);
    const closer = raw ? '}}}' : '}}';
    const end = source.indexOf(closer, open + closer.length);
    if (end === -1) throw new TemplateError(file, startLine, `${raw ? '{{{' : '{{'} is never closed with ${closer}`);
    const inner = source.slice(open + closer.length, end);
    advance(source.slice(open, end + closer.length));
    out.push({ kind: raw ? 'raw' : 'tag', text: inner.trim(), line: startLine });
    pos = end + closer.length;
  }
  return out;
}

function stringArgument(text: string, file: string, line: number, tag: string): string {
  const m = /^("(?:[^"\\]|\\.)*"|'[^']*')$/.exec(text.trim());
  if (m === null) throw new TemplateError(file, line, `{{${tag} …}} takes a quoted name, as in {{${tag} "name"}}`);
  return m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : m[1]!.slice(1, -1);
}

interface Frame {
  kind: 'root' | 'if' | 'each' | 'block';
  line: number;
  nodes: Render[];
  // if: branches so far; each: the empty branch
  branches?: Array<{ test: Evaluate | null; nodes: Render[] }>;
  each?: { list: Evaluate; name: string; body: Render[]; empty: Render[] | null };
  blockName?: string;
}

const runAll = (nodes: readonly Render[]): Render =>
  nodes.length === 1
    ? nodes[0]!
    : (scope, ctx, out) => {
        for (const n of nodes) n(scope, ctx, out);
      };

export function compileTemplate(source: string, file: string, filters: Readonly<Record<string, Filter>>): CompiledTemplate {
  const tags = lex(source, file);
  const tracker = new HtmlContextTracker();
  const stack: Frame[] = [{ kind: 'root', line: 1, nodes: [] }];
  const blocks = new Map<string, Render>();
  let layout: CompiledTemplate['layout'] = null;
  const top = (): Frame => stack[stack.length - 1]!;
  const push = (n: Render): void => void top().nodes.push(n);

  const expression = (text: string, line: number): Evaluate => {
    try {
      return new ExpressionParser(text, filters).parseAll();
    } catch (error) {
      if (error instanceof ExpressionError) throw new TemplateError(file, line, error.message);
      throw error;
    }
  };
  // A failure while rendering names the line of the tag it came from.
  const guarded = (line: number, what: string, e: Evaluate): Evaluate => (scope) => {
    try {
      return e(scope);
    } catch (error) {
      if (error instanceof TemplateError) throw error;
      throw new TemplateError(file, line, `${what}: ${(error as Error).message}`, { cause: error });
    }
  };
  const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));

  for (const tag of tags) {
    const { line } = tag;
    if (tag.kind === 'comment') continue;
    if (tag.kind === 'text') {
      tracker.feed(tag.text);
      const text = tag.text;
      push((_s, _c, out) => void out.push(text));
      continue;
    }
    if (tag.kind === 'raw') {
      const where = tracker.context();
      if (where.kind !== 'text') throw new TemplateError(file, line, `raw output {{{ ${tag.text} }}} is allowed only in text, not ${where.kind === 'unsafe' ? where.why : `in ${where.kind === 'attr' ? `the attribute ${where.name}` : '<script>'}`}`);
      const e = guarded(line, `{{{ ${tag.text} }}}`, expression(tag.text, line));
      push((s, _c, out) => void out.push(str(e(s))));
      continue;
    }
    const text = tag.text;
    if (text.startsWith('#if ')) {
      stack.push({ kind: 'if', line, nodes: [], branches: [{ test: guarded(line, '{{#if}}', expression(text.slice(4), line)), nodes: [] }] });
      top().nodes = top().branches![0]!.nodes;
      continue;
    }
    if (text.startsWith('else if ') || text === 'else') {
      const f = top();
      if (f.kind === 'if') {
        const last = f.branches![f.branches!.length - 1]!;
        if (last.test === null) throw new TemplateError(file, line, `{{${text}}} after {{else}} in the {{#if}} of line ${f.line}`);
        const branch = { test: text === 'else' ? null : guarded(line, '{{else if}}', expression(text.slice(8), line)), nodes: [] as Render[] };
        f.branches!.push(branch);
        f.nodes = branch.nodes;
      } else if (f.kind === 'each' && text === 'else') {
        if (f.each!.empty !== null) throw new TemplateError(file, line, `a second {{else}} in the {{#each}} of line ${f.line}`);
        f.each!.empty = [];
        f.nodes = f.each!.empty;
      } else throw new TemplateError(file, line, `{{${text}}} outside {{#if}}${text === 'else' ? ' or {{#each}}' : ''}`);
      continue;
    }
    if (text.startsWith('#each ')) {
      const m = /^#each\s+(.+?)\s+as\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
      if (m === null) throw new TemplateError(file, line, '{{#each}} is written {{#each list as item}}');
      if (m[2] === 'loop') throw new TemplateError(file, line, '"loop" is the loop\'s own name; call the item something else');
      const body: Render[] = [];
      stack.push({ kind: 'each', line, nodes: body, each: { list: guarded(line, '{{#each}}', expression(m[1]!, line)), name: m[2]!, body, empty: null } });
      continue;
    }
    if (text.startsWith('#block')) {
      const name = stringArgument(text.slice(6), file, line, '#block');
      if (stack.some((f) => f.kind === 'block')) throw new TemplateError(file, line, `{{#block "${name}"}} inside another block`);
      if (blocks.has(name)) throw new TemplateError(file, line, `block "${name}" is defined twice`);
      const where = tracker.context();
      if (where.kind !== 'text') throw new TemplateError(file, line, `{{#block}} must be in text, not ${where.kind === 'unsafe' ? where.why : 'in an attribute or script'}`);
      stack.push({ kind: 'block', line, nodes: [], blockName: name });
      continue;
    }
    if (text.startsWith('/')) {
      const kind = text.slice(1);
      const f = top();
      if (f.kind === 'root') throw new TemplateError(file, line, `{{${text}}} closes nothing`);
      if (f.kind !== kind) throw new TemplateError(file, line, `{{${text}}} closes the {{#${f.kind}}} of line ${f.line}`);
      stack.pop();
      if (f.kind === 'if') {
        const branches = f.branches!.map((b) => ({ test: b.test, run: runAll(b.nodes) }));
        push((s, c, out) => {
          for (const b of branches) {
            if (b.test === null || truthy(b.test(s))) {
              b.run(s, c, out);
              return;
            }
          }
        });
      } else if (f.kind === 'each') {
        const { list, name, empty } = f.each!;
        const body = runAll(f.each!.body);
        const none = empty === null ? null : runAll(empty);
        const eachLine = f.line;
        push((s, c, out) => {
          const v = list(s);
          const items = v === undefined || v === null ? [] : Array.isArray(v) ? v : typeof v === 'object' && Symbol.iterator in v ? [...(v as Iterable<unknown>)] : null;
          if (items === null) throw new TemplateError(file, eachLine, `{{#each}} needs a list, got ${typeof v}`);
          if (items.length === 0) {
            none?.(s, c, out);
            return;
          }
          items.forEach((item, index) => {
            const loop = { index, number: index + 1, first: index === 0, last: index === items.length - 1, length: items.length };
            body({ vars: { [name]: item, loop }, parent: s }, c, out);
          });
        });
      } else {
        const name = f.blockName!;
        const own = runAll(f.nodes);
        blocks.set(name, own);
        // In place: the page's block for this name if a page gave one, else this one.
        push((s, c, out) => (c.blocks.get(name) ?? own)(s, c, out));
      }
      continue;
    }
    if (text.startsWith('layout')) {
      if (layout !== null) throw new TemplateError(file, line, 'a second {{layout}}');
      if (stack.length > 1) throw new TemplateError(file, line, '{{layout}} must be at the top level of the template');
      layout = { name: stringArgument(text.slice(6), file, line, 'layout'), line };
      continue;
    }
    if (text.startsWith('>')) {
      const rest = text.slice(1).trim();
      const m = /^("(?:[^"\\]|\\.)*"|'[^']*')(.*)$/s.exec(rest);
      if (m === null) throw new TemplateError(file, line, 'an include is written {{> "file.html" name=value …}}');
      const name = stringArgument(m[1]!, file, line, '>');
      const where = tracker.context();
      if (where.kind !== 'text') throw new TemplateError(file, line, `an include must be in text, not ${where.kind === 'unsafe' ? where.why : 'in an attribute or script'}`);
      const args: Array<[string, Evaluate]> = [];
      if (m[2]!.trim() !== '') {
        let parser: ExpressionParser;
        try {
          parser = new ExpressionParser(m[2]!, filters);
          while (!parser.done) {
            const key = parser.namedArgument();
            if (key === null) throw new ExpressionError(`include arguments are name=value pairs, in {{> ${rest}}}`);
            args.push([key, guarded(line, `{{> "${name}"}}`, parser.parse())]);
          }
        } catch (error) {
          if (error instanceof ExpressionError) throw new TemplateError(file, line, error.message);
          throw error;
        }
      }
      push((s, c, out) => {
        const vars: Record<string, unknown> = {};
        for (const [k, e] of args) vars[k] = e(s);
        c.include(file, line, name, args.length === 0 ? s : { vars, parent: s }, out);
      });
      continue;
    }
    if (text.startsWith('#') || text.startsWith('else')) throw new TemplateError(file, line, `unknown tag {{${text}}}`);

    // an output
    const where = tracker.context();
    if (where.kind === 'unsafe') throw new TemplateError(file, line, `{{ ${text} }} cannot go ${where.why}`);
    const e = guarded(line, `{{ ${text} }}`, expression(text, line));
    if (where.kind === 'text') push((s, _c, out) => void out.push(escapeHtml(str(e(s)))));
    else if (where.kind === 'script') push((s, _c, out) => void out.push(scriptLiteral(e(s))));
    else if (where.url && where.atStart) push((s, _c, out) => void out.push(escapeHtml(sanitizeUrl(str(e(s))))));
    else push((s, _c, out) => void out.push(escapeHtml(str(e(s)))));
    tracker.placeholder();
  }
  if (stack.length > 1) {
    const f = top();
    throw new TemplateError(file, f.line, `{{#${f.kind}}} is never closed with {{/${f.kind}}}`);
  }
  const root = stack[0]!;
  if (layout !== null) {
    // With a layout only the blocks are shown: text outside them would silently disappear.
    const outside = tags.filter((t, i) => t.kind === 'text' && t.text.trim() !== '' && !insideBlock(tags, i));
    if (outside.length > 0) throw new TemplateError(file, outside[0]!.line + (/^\s*/.exec(outside[0]!.text)![0].match(/\n/g)?.length ?? 0), 'a template with a {{layout}} may have text only inside {{#block}}s (this would never be shown)');
  }
  return { file, layout, blocks, body: runAll(root.nodes) };
}

function insideBlock(tags: readonly Tag[], index: number): boolean {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    const t = tags[i]!;
    if (t.kind !== 'tag') continue;
    if (t.text.startsWith('#block')) depth++;
    else if (t.text === '/block') depth--;
  }
  return depth > 0;
}

export { BLOCKED_URL, lookup };
