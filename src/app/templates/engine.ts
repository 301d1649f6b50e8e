// The template engine: template files under one folder, each compiled once and compiled again when
// the file changes (its modification time, size or inode differ), layouts and includes resolved
// inside that folder only. Rendering takes a template name written in the code, never one from a
// request, and data that is only ever output (escaped), never parsed.

import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BUILTIN_FILTERS, type Filter, type Scope } from './expression.ts';
import { TemplateError, compileTemplate, type CompiledTemplate, type Render, type RenderContext } from './compile.ts';
import type { Response } from '../../server/response.ts';

export { TemplateError };

export interface TemplateOptions {
  /** The folder of the templates; names resolve inside it. */
  root: string;
  /** Extra filters ({{ x | name arg }}); the built-in ones are upper, lower, trim, length, default, json, url, truncate, join, date, plural. */
  filters?: Readonly<Record<string, Filter>>;
  /** Look for changed files on each render (default true); false compiles each file once for good. */
  watch?: boolean;
}

export interface Templates {
  /** The HTML of a template with this data. */
  render(name: string, data?: Readonly<Record<string, unknown>>): string;
  /** Renders and sends it as text/html (status 200 unless given). */
  send(res: Response, name: string, data?: Readonly<Record<string, unknown>>, status?: number): void;
  /** How many times a file was compiled (for tests and the curious). */
  readonly compiles: number;
}

interface Entry {
  template: CompiledTemplate;
  stamp: string;
}

const MAX_DEPTH = 32;

function stampOf(file: string): string {
  const st = statSync(file);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

export function createTemplates(options: TemplateOptions): Templates {
  const root = realpathSync(options.root);
  const filters: Record<string, Filter> = Object.assign(Object.create(null) as Record<string, Filter>, BUILTIN_FILTERS, options.filters ?? {});
  const watch = options.watch !== false;
  const cache = new Map<string, Entry>();
  let compiles = 0;

  const resolveName = (name: string, from: string | null, line: number): string => {
    const shown = from === null ? name : `${from}:${line}`;
    if (name === '' || isAbsolute(name) || name.includes('\0')) throw new TemplateError(from ?? name, line, `template name ${JSON.stringify(name)} must be a relative path inside ${root}`);
    const full = resolve(root, name);
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      throw new TemplateError(from ?? name, line, `template ${JSON.stringify(name)} not found in ${root}${from === null ? '' : ` (named at ${shown})`}`);
    }
    const rel = relative(root, real);
    if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) throw new TemplateError(from ?? name, line, `template ${JSON.stringify(name)} is outside ${root}`);
    return real;
  };

  const load = (file: string, checked: Set<string>): CompiledTemplate => {
    const cached = cache.get(file);
    if (cached !== undefined && (!watch || checked.has(file))) return cached.template;
    const stamp = stampOf(file);
    checked.add(file);
    if (cached !== undefined && cached.stamp === stamp) return cached.template;
    const name = relative(root, file);
    const template = compileTemplate(readFileSync(file, 'utf8'), name, filters);
    compiles++;
    cache.set(file, { template, stamp });
    return template;
  };

  const renderFile = (file: string, scope: Scope, blocks: ReadonlyMap<string, Render>, checked: Set<string>, depth: number, out: string[]): void => {
    if (depth > MAX_DEPTH) throw new TemplateError(relative(root, file), 1, `templates nest more than ${MAX_DEPTH} deep (an include or layout cycle?)`);
    const t = load(file, checked);
    const ctx: RenderContext = {
      blocks,
      include: (from, line, name, s, o) => renderFile(resolveName(name, from, line), s, new Map(), checked, depth + 1, o),
    };
    if (t.layout === null) {
      t.body(scope, ctx, out);
      return;
    }
    // A page's blocks fill its layout's; blocks given from further down (a page of a page) win.
    const merged = new Map(t.blocks);
    for (const [k, v] of blocks) merged.set(k, v);
    renderFile(resolveName(t.layout.name, t.file, t.layout.line), scope, merged, checked, depth + 1, out);
  };

  const render = (name: string, data: Readonly<Record<string, unknown>> = {}): string => {
    const out: string[] = [];
    renderFile(resolveName(name, null, 0), { vars: data, parent: null }, new Map(), new Set(), 0, out);
    return out.join('');
  };

  return {
    render,
    send(res, name, data, status = 200) {
      res.send(status, render(name, data), 'text/html; charset=utf-8');
    },
    get compiles() {
      return compiles;
    },
  };
}
