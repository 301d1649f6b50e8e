// Route patterns: "/users/:id", "/files/*", "/posts/:year(\\d{4})/:slug?". Parsed once at
// registration into segments; optional segments expand into every shape they allow, so the tree
// only ever holds plain shapes and a conflict between two routes is two equal shapes.
//
// Grammar (one segment between slashes, whole segments only):
//   static      any characters but ":" and "*" at the start ("users", "v1.json", "")
//   :name       a parameter: one non-empty segment; name = [A-Za-z_][A-Za-z0-9_]*
//   :name(re)   a parameter whose decoded value must match re in full (re may hold "/" or "()")
//   …?          after a parameter: the segment may be left out
//   *           last segment only: the rest of the path, possibly empty (params["*"])

export type Segment =
  | { readonly kind: 'static'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string; readonly regex: string | null; readonly optional: boolean }
  | { readonly kind: 'wildcard' };

/** A segment of one expanded shape (no optional parts left). */
export type ShapeSegment = { readonly kind: 'static'; readonly text: string } | { readonly kind: 'param'; readonly name: string; readonly regex: string | null } | { readonly kind: 'wildcard' };

export class PatternError extends Error {
  override name = 'PatternError';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits at "/" outside parentheses (a constraint may contain either). */
function splitSegments(pattern: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 1;
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '/' && depth === 0) {
      out.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new PatternError(`route ${JSON.stringify(pattern)}: unbalanced parentheses`);
  out.push(pattern.slice(start));
  return out;
}

export function parsePattern(pattern: string): Segment[] {
  if (!pattern.startsWith('/')) throw new PatternError(`route ${JSON.stringify(pattern)} must start with "/"`);
  const parts = splitSegments(pattern);
  const segments: Segment[] = [];
  const names = new Set<string>();
  parts.forEach((part, i) => {
    if (part === '*') {
      if (i !== parts.length - 1) throw new PatternError(`route ${JSON.stringify(pattern)}: "*" must be the last segment`);
      segments.push({ kind: 'wildcard' });
      return;
    }
    if (part.startsWith(':')) {
      let body = part.slice(1);
      const optional = body.endsWith('?');
      if (optional) body = body.slice(0, -1);
      const open = body.indexOf('(');
      const name = open === -1 ? body : body.slice(0, open);
      let regex: string | null = null;
      if (open !== -1) {
        if (!body.endsWith(')')) throw new PatternError(`route ${JSON.stringify(pattern)}: ":${name}(…)" must end the segment`);
        regex = body.slice(open + 1, -1);
        try {
          new RegExp(regex, 'u');
        } catch (error) {
          throw new PatternError(`route ${JSON.stringify(pattern)}: bad constraint for :${name}: ${(error as Error).message}`);
        }
      }
      if (!NAME.test(name)) throw new PatternError(`route ${JSON.stringify(pattern)}: ${JSON.stringify(name)} is not a parameter name (letters, digits, "_")`);
      if (names.has(name)) throw new PatternError(`route ${JSON.stringify(pattern)}: parameter :${name} appears twice`);
      names.add(name);
      segments.push({ kind: 'param', name, regex, optional });
      return;
    }
    if (part.includes(':') || part.includes('*')) throw new PatternError(`route ${JSON.stringify(pattern)}: ":" and "*" are allowed only at the start of a whole segment (${JSON.stringify(part)})`);
    // The request's path is matched as sent (percent-encoded): "/café" is written the way clients send it.
    segments.push({ kind: 'static', text: part.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)) });
  });
  return segments;
}

/** Every shape an optional segment allows, the longest first. */
export function expandShapes(segments: readonly Segment[]): ShapeSegment[][] {
  let shapes: ShapeSegment[][] = [[]];
  for (const s of segments) {
    const next: ShapeSegment[][] = [];
    for (const shape of shapes) {
      if (s.kind === 'param') {
        next.push([...shape, { kind: 'param', name: s.name, regex: s.regex }]);
        if (s.optional) next.push(shape);
      } else next.push([...shape, s]);
    }
    shapes = next;
  }
  // "/a/:b?" left out entirely is "/a", not "/a/": a shape never ends in an empty static made by
  // dropping its last segment, and the root stays "/" ([""]).
  return shapes.map((shape) => (shape.length === 0 ? [{ kind: 'static', text: '' }] : shape));
}

/** The shape written back as a pattern (for messages). */
export function shapeText(shape: readonly ShapeSegment[]): string {
  return '/' + shape.map((s) => (s.kind === 'static' ? s.text : s.kind === 'wildcard' ? '*' : s.regex === null ? ':' + s.name : `:${s.name}(${s.regex})`)).join('/');
}

/** Joins a prefix ("/api", "/api/", "") and a pattern ("/notes") into one pattern. */
export function joinPath(prefix: string, pattern: string): string {
  if (prefix === '' || prefix === '/') return pattern;
  if (!prefix.startsWith('/')) throw new PatternError(`prefix ${JSON.stringify(prefix)} must start with "/"`);
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return pattern === '/' ? p : p + pattern;
}

// ---- types: req.params from the pattern string ----

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type SegmentParams<S extends string> = S extends `:${infer Name}(${string})?`
  ? { [K in Name]?: string }
  : S extends `:${infer Name}(${string})`
    ? { [K in Name]: string }
    : S extends `:${infer Name}?`
      ? { [K in Name]?: string }
      : S extends `:${infer Name}`
        ? { [K in Name]: string }
        : S extends '*'
          ? { '*': string }
          : unknown;
type SplitParams<P extends string> = P extends `${infer Head}/${infer Rest}` ? SegmentParams<Head> & SplitParams<Rest> : SegmentParams<P>;

/** The params a pattern gives: RouteParams<'/users/:id/:tab?'> is { id: string; tab?: string }. */
export type RouteParams<P extends string> = string extends P ? Record<string, string> : Simplify<SplitParams<P>>;
