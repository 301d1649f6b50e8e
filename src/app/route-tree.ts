// The routes' tree: one node per path segment, so a lookup walks the path once, slash to slash.
// A node's children are tried in a fixed order, with backtracking when a branch leads nowhere:
//   1. the static segment equal to the path's (compared in place among the children of its length),
//   2. constrained parameters (":id(\\d+)"), in the order they were registered,
//   3. the plain parameter (":id"),
//   4. the wildcard ("*"), which takes the rest of the path.
// So the route that wins is the one whose segments, read left to right, are the most specific
// (static before constrained before plain before wildcard at the first segment where they differ).
// Paths made only of static segments are also kept in one Map keyed by the whole path: such a route
// always wins (static is first at every segment), so most lookups of static paths are one get().
//
// The tree knows nothing of methods or handlers: a leaf is whatever the caller stores (see router.ts).

import type { ShapeSegment } from './route-pattern.ts';

interface Constrained<L> {
  readonly source: string;
  readonly regex: RegExp;
  readonly node: TreeNode<L>;
}

// Static children are also filed by their length (below this many characters): a lookup compares
// the few children of the segment's length in place, making no substring and hashing nothing.
const BY_LENGTH_MAX = 64;

interface SameLength<L> {
  readonly texts: string[];
  readonly nodes: TreeNode<L>[];
}

class TreeNode<L> {
  statics: Map<string, TreeNode<L>> | null = null;
  byLength: Array<SameLength<L> | undefined> | null = null;
  constrained: Constrained<L>[] | null = null;
  param: TreeNode<L> | null = null;
  wildcard: L | null = null;
  leaf: L | null = null;
}

function decodedOrNull(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

export class RouteTree<L> {
  readonly #root = new TreeNode<L>();
  readonly #staticPaths = new Map<string, L>();

  /** The leaf of a shape if one was made, without adding anything. */
  existing(shape: readonly ShapeSegment[]): L | null {
    let node: TreeNode<L> | undefined = this.#root;
    for (const s of shape) {
      if (s.kind === 'wildcard') return node.wildcard;
      const source = s.kind === 'param' ? s.regex : null;
      node = s.kind === 'static' ? node.statics?.get(s.text) : source === null ? (node.param ?? undefined) : node.constrained?.find((c) => c.source === source)?.node;
      if (node === undefined) return null;
    }
    return node.leaf;
  }

  /** The leaf of a shape, made by make() the first time the shape is seen. */
  leaf(shape: readonly ShapeSegment[], make: () => L): L {
    let node = this.#root;
    const last = shape.length - 1;
    let allStatic = true;
    for (let i = 0; i <= last; i++) {
      const s = shape[i]!;
      if (s.kind === 'wildcard') {
        node.wildcard ??= make();
        return node.wildcard;
      }
      let next: TreeNode<L>;
      if (s.kind === 'static') {
        node.statics ??= new Map();
        const found = node.statics.get(s.text);
        if (found === undefined) {
          node.statics.set(s.text, (next = new TreeNode()));
          const n = s.text.length;
          if (n < BY_LENGTH_MAX) {
            node.byLength ??= [];
            const same = (node.byLength[n] ??= { texts: [], nodes: [] });
            same.texts.push(s.text);
            same.nodes.push(next);
          }
        } else next = found;
      } else if (s.regex === null) {
        allStatic = false;
        next = node.param ??= new TreeNode();
      } else {
        allStatic = false;
        node.constrained ??= [];
        const source = s.regex;
        const found = node.constrained.find((c) => c.source === source);
        if (found === undefined) node.constrained.push({ source, regex: new RegExp(`^(?:${source})$`, 'u'), node: (next = new TreeNode()) });
        else next = found.node;
      }
      node = next;
    }
    if (node.leaf === null) {
      node.leaf = make();
      if (allStatic) this.#staticPaths.set('/' + shape.map((s) => (s.kind === 'static' ? s.text : '')).join('/'), node.leaf);
    }
    return node.leaf;
  }

  /**
   * The leaf for a path ("/users/42", still percent-encoded), or null. The raw values of the
   * parameters (and of the wildcard) are pushed onto `values` in path order.
   */
  find(path: string, values: string[]): L | null {
    const hit = this.#staticPaths.get(path);
    if (hit !== undefined) return hit;
    if (path.charCodeAt(0) !== 47 /* / */) return null;
    return walk(this.#root, path, 1, values);
  }
}

function walk<L>(node: TreeNode<L>, path: string, start: number, values: string[]): L | null {
  let end = path.indexOf('/', start);
  const last = end === -1;
  if (last) end = path.length;
  const length = end - start;
  const statics = node.statics;
  if (statics !== null) {
    let child: TreeNode<L> | undefined;
    if (length < BY_LENGTH_MAX) {
      const same = node.byLength?.[length];
      if (same !== undefined) {
        const texts = same.texts;
        for (let i = 0; i < texts.length; i++) {
          if (path.startsWith(texts[i]!, start)) {
            child = same.nodes[i];
            break;
          }
        }
      }
    } else child = statics.get(path.slice(start, end));
    if (child !== undefined) {
      const found = last ? child.leaf : walk(child, path, end + 1, values);
      if (found !== null) return found;
    }
  }
  if (length > 0) {
    const constrained = node.constrained;
    const param = node.param;
    if (constrained !== null || param !== null) {
      const segment = path.slice(start, end);
      if (constrained !== null) {
        const decoded = decodedOrNull(segment);
        if (decoded !== null) {
          for (const c of constrained) {
            if (!c.regex.test(decoded)) continue;
            values.push(segment);
            const found = last ? c.node.leaf : walk(c.node, path, end + 1, values);
            if (found !== null) return found;
            values.pop();
          }
        }
      }
      if (param !== null) {
        values.push(segment);
        const found = last ? param.leaf : walk(param, path, end + 1, values);
        if (found !== null) return found;
        values.pop();
      }
    }
  }
  if (node.wildcard !== null) {
    values.push(path.slice(start));
    return node.wildcard;
  }
  return null;
}
