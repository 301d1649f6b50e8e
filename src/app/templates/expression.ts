// Template expressions: names, dotted paths, literals, comparisons, and/or/not, and filters. There is
// no function call, no assignment and no access to anything but the data's own properties, so a
// template can read its data and nothing else (no constructor, no __proto__, no globals).
//
//   expr    := or
//   or      := and ("or" and)*
//   and     := not ("and" not)*
//   not     := "not" not | cmp
//   cmp     := pipe (("==" | "!=" | "<" | "<=" | ">" | ">=") pipe)?
//   pipe    := primary ("|" filter primary*)*
//   primary := path | "string" | number | true | false | null | "(" expr ")"
//   path    := name ("." name | "." digits)*

export type Scope = { readonly vars: Readonly<Record<string, unknown>>; readonly parent: Scope | null };
export type Filter = (value: unknown, ...args: unknown[]) => unknown;
export type Evaluate = (scope: Scope) => unknown;

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?)|(==|!=|<=|>=|<|>|\||\(|\)|\.|=)|([A-Za-z_$@][A-Za-z0-9_$]*))/y;

type Tok = { kind: 'str'; value: string } | { kind: 'num'; value: number } | { kind: 'op'; value: string } | { kind: 'name'; value: string };

export function tokenize(source: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (m === null) throw new ExpressionError(`cannot read ${JSON.stringify(source.slice(pos).trim().slice(0, 20))} in {{ ${source.trim()} }}`);
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) out.push({ kind: 'str', value: JSON.parse(m[1].startsWith("'") ? `"${m[1].slice(1, -1).replace(/"/g, '\\"').replace(/\\'/g, "'")}"` : m[1]) as string });
    else if (m[2] !== undefined) out.push({ kind: 'num', value: Number(m[2]) });
    else if (m[3] !== undefined) out.push({ kind: 'op', value: m[3] });
    else out.push({ kind: 'name', value: m[4]! });
  }
  return out;
}

/** A name's value: the innermost scope that has it, else undefined. */
export function lookup(scope: Scope | null, name: string): unknown {
  for (let s = scope; s !== null; s = s.parent) if (Object.hasOwn(s.vars, name)) return s.vars[name];
  return undefined;
}

function property(value: unknown, name: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' && name === 'length') return value.length;
  if (typeof value !== 'object') return undefined;
  // Own properties only: never the prototype chain (constructor, __proto__, toString…).
  return Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '' && !Number.isNaN(v);
}

export class ExpressionParser {
  readonly #toks: Tok[];
  #i = 0;
  readonly #filters: Readonly<Record<string, Filter>>;
  readonly #source: string;

  constructor(source: string, filters: Readonly<Record<string, Filter>>) {
    this.#source = source.trim();
    this.#toks = tokenize(source);
    this.#filters = filters;
  }

  /** The whole source as one expression. */
  parseAll(): Evaluate {
    const e = this.parse();
    if (this.#i < this.#toks.length) throw new ExpressionError(`unexpected ${JSON.stringify(String(this.#toks[this.#i]!.value))} in {{ ${this.#source} }}`);
    return e;
  }

  /** One expression; the caller may read more tokens after it (named arguments of an include). */
  parse(): Evaluate {
    if (this.#toks.length === 0) throw new ExpressionError('an empty {{ }}');
    return this.#or();
  }

  peekName(): string | null {
    const t = this.#toks[this.#i];
    return t?.kind === 'name' ? t.value : null;
  }

  /** Reads `name=` if it comes next (include arguments). */
  namedArgument(): string | null {
    const a = this.#toks[this.#i];
    const b = this.#toks[this.#i + 1];
    if (a?.kind === 'name' && b?.kind === 'op' && b.value === '=') {
      this.#i += 2;
      return a.value;
    }
    return null;
  }

  get done(): boolean {
    return this.#i >= this.#toks.length;
  }

  #word(w: string): boolean {
    const t = this.#toks[this.#i];
    if (t?.kind === 'name' && t.value === w) {
      this.#i++;
      return true;
    }
    return false;
  }

  #op(o: string): boolean {
    const t = this.#toks[this.#i];
    if (t?.kind === 'op' && t.value === o) {
      this.#i++;
      return true;
    }
    return false;
  }

  #or(): Evaluate {
    let left = this.#and();
    while (this.#word('or')) {
      const l = left;
      const r = this.#and();
      left = (s) => (truthy(l(s)) ? l(s) : r(s));
    }
    return left;
  }

  #and(): Evaluate {
    let left = this.#not();
    while (this.#word('and')) {
      const l = left;
      const r = this.#not();
      left = (s) => (truthy(l(s)) ? r(s) : l(s));
    }
    return left;
  }

  #not(): Evaluate {
    if (this.#word('not')) {
      const e = this.#not();
      return (s) => !truthy(e(s));
    }
    return this.#cmp();
  }

  #cmp(): Evaluate {
    const left = this.#pipe();
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) {
      if (!this.#op(op)) continue;
      const right = this.#pipe();
      switch (op) {
        case '==':
          return (s) => left(s) === right(s);
        case '!=':
          return (s) => left(s) !== right(s);
        case '<':
          return (s) => (left(s) as number) < (right(s) as number);
        case '<=':
          return (s) => (left(s) as number) <= (right(s) as number);
        case '>':
          return (s) => (left(s) as number) > (right(s) as number);
        default:
          return (s) => (left(s) as number) >= (right(s) as number);
      }
    }
    return left;
  }

  #pipe(): Evaluate {
    let value = this.#primary();
    while (this.#op('|')) {
      const t = this.#toks[this.#i++];
      if (t?.kind !== 'name') throw new ExpressionError(`a filter name must follow "|" in {{ ${this.#source} }}`);
      const filter = this.#filters[t.value];
      if (filter === undefined || !Object.hasOwn(this.#filters, t.value)) throw new ExpressionError(`unknown filter "${t.value}" (known: ${Object.keys(this.#filters).join(', ')})`);
      const args: Evaluate[] = [];
      while (this.#startsPrimary()) args.push(this.#primary());
      const input = value;
      value = (s) => filter(input(s), ...args.map((a) => a(s)));
    }
    return value;
  }

  #startsPrimary(): boolean {
    const t = this.#toks[this.#i];
    if (t === undefined) return false;
    if (t.kind === 'str' || t.kind === 'num') return true;
    if (t.kind === 'op') return t.value === '(';
    // a name followed by "=" is the next include argument, and the words are operators
    const next = this.#toks[this.#i + 1];
    return !['and', 'or', 'not', 'as'].includes(t.value) && !(next?.kind === 'op' && next.value === '=');
  }

  #primary(): Evaluate {
    const t = this.#toks[this.#i++];
    if (t === undefined) throw new ExpressionError(`{{ ${this.#source} }} ends too soon`);
    if (t.kind === 'str' || t.kind === 'num') {
      const v = t.value;
      return () => v;
    }
    if (t.kind === 'op') {
      if (t.value !== '(') throw new ExpressionError(`unexpected "${t.value}" in {{ ${this.#source} }}`);
      const e = this.#or();
      if (!this.#op(')')) throw new ExpressionError(`missing ")" in {{ ${this.#source} }}`);
      return e;
    }
    if (t.value === 'true') return () => true;
    if (t.value === 'false') return () => false;
    if (t.value === 'null') return () => null;
    const name = t.value;
    const parts: string[] = [];
    while (this.#op('.')) {
      const p = this.#toks[this.#i++];
      if (p === undefined || (p.kind !== 'name' && p.kind !== 'num')) throw new ExpressionError(`a name must follow "." in {{ ${this.#source} }}`);
      parts.push(String(p.value));
    }
    return (s) => {
      let v = lookup(s, name);
      for (const p of parts) v = property(v, p);
      return v;
    };
  }
}

const pad = (n: number): string => String(n).padStart(2, '0');

export const BUILTIN_FILTERS: Readonly<Record<string, Filter>> = {
  upper: (v) => String(v ?? '').toUpperCase(),
  lower: (v) => String(v ?? '').toLowerCase(),
  trim: (v) => String(v ?? '').trim(),
  length: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v !== null && typeof v === 'object' ? Object.keys(v).length : 0),
  default: (v, d) => (v === undefined || v === null || v === '' ? d : v),
  json: (v) => JSON.stringify(v ?? null),
  /** encodeURIComponent: a value as one path segment or query value. */
  url: (v) => encodeURIComponent(String(v ?? '')),
  truncate: (v, n) => {
    const s = String(v ?? '');
    const max = typeof n === 'number' ? n : 80;
    return [...s].length > max ? [...s].slice(0, max - 1).join('') + '…' : s;
  },
  join: (v, sep) => (Array.isArray(v) ? v.join(typeof sep === 'string' ? sep : ', ') : String(v ?? '')),
  /** "2024-05-01 13:45 UTC" from a Date, a timestamp in ms or an ISO string. */
  date: (v) => {
    const d = v instanceof Date ? v : new Date(v as string | number);
    if (Number.isNaN(d.getTime())) return '';
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  },
  plural: (v, one, many) => (v === 1 ? one : many),
};
