// The routes' tree: one node per path segment, so a lookup walks the path once, slash to slash.
// A node's children are tried in a fixed order, with backtracking when a branch leads nowhere:
//   1. the static segment equal to the path's (a hash lookup),
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

// Up to this many static children are compared in place (no substring made); more go in a Map.
const SCAN_MAX_CHILDREN = 8;

class TreeNode<L> {
  statics: Map<string, TreeNode<L>> | null = null;
  /** The same children as statics while there are few: texts and nodes side by side. */
  scanTexts: string[] | null = [];
  scanNodes: TreeNode<L>[] = [];
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
          if (node.scanTexts !== null && node.scanTexts.length < SCAN_MAX_CHILDREN) {
            node.scanTexts.push(s.text);
            node.scanNodes.push(next);
          } else node.scanTexts = null;
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
    const texts = node.scanTexts;
    if (texts !== null) {
      for (let i = 0; i < texts.length; i++) {
        const t = texts[i]!;
        if (t.length === length && path.startsWith(t, start)) {
          child = node.scanNodes[i];
          break;
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
