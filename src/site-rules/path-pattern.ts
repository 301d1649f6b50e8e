// The pattern language of redirects and rewrites (Netlify's and serve's, which people know):
// "/old/*" captures the rest of the path as :splat, "/blog/:slug" one segment as :slug; anything
// else is literal. The target names the captures: "/new/:splat", "/posts/:slug.html". Matching is on
// the path as received (still percent-encoded), so captures are put back exactly as they came.

export interface PathPattern {
  readonly source: string;
  /** The captures of a matching path by name (splat for "*"), or null. */
  match(path: string): Record<string, string> | null;
}

/** Compiles a pattern; throws with the reason when it is not one. */
export function compilePattern(source: string): PathPattern {
  if (!source.startsWith('/')) throw new Error(`${JSON.stringify(source)}: a pattern starts with "/"`);
  const names: string[] = [];
  let re = '';
  const segments = source.split('/');
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg === '*') {
      if (i !== segments.length - 1) throw new Error(`${JSON.stringify(source)}: "*" may only end a pattern`);
      // "/old/*" matches "/old", "/old/" and everything under it.
      re += '(?:/(.*))?';
      names.push('splat');
      continue;
    }
    if (seg.startsWith(':')) {
      const name = seg.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${JSON.stringify(source)}: ":${name}" is not a capture name (letters, digits, _)`);
      if (names.includes(name)) throw new Error(`${JSON.stringify(source)}: ":${name}" is used twice`);
      names.push(name);
      re += '/([^/]+)';
      continue;
    }
    if (seg.includes('*')) throw new Error(`${JSON.stringify(source)}: "*" stands alone as the last segment ("/old/*")`);
    re += '/' + seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${re}$`);
  return {
    source,
    match(path) {
      const m = regex.exec(path);
      if (m === null) return null;
      const out: Record<string, string> = {};
      names.forEach((n, i) => (out[n] = m[i + 1] ?? ''));
      return out;
    },
  };
}

/** The names a target refers to (":splat", ":slug"). */
export function targetNames(target: string): string[] {
  return [...target.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/** The target with its captures filled in; a capture the pattern lacks stays as written. */
export function fillTarget(target: string, captures: Readonly<Record<string, string>>): string {
  return target.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (all, name: string) => captures[name] ?? all);
}
