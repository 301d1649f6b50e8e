// Finds the rule-bearing functions of a protocol source file that name no RFC section (issue 18). Used
// by test/conventions-rfc-sections.test.ts; the definition below is the one the README points to.
//
// A *unit* is a function, method, constructor, accessor or function-valued field/variable that is not
// nested in another unit (callbacks and closures inside a unit are part of it; a class is checked
// through its members). A unit is *rule-bearing* when its body decides something about what a peer
// sent or what we send, recognised by any of these signals:
//   refuses   a `throw`; `new …Error(…)`; a call to a refusal helper (the test's list: #fail,
//             #connectionError, refuse, check, transition, …, in their file and where imported); a
//             key of an error catalogue (PARSE_ERRORS, FRAME_ERRORS, HPACK_ERRORS) as a string
//             literal, or the catalogue itself; ERROR_CODE.*, COMPRESSION_ERROR, a CLOSE_* constant;
//             a declared return type from the error vocabulary (ParseErrorCode, Malformed,
//             Transition, …); a status code (400–599) or close code (1000–1015) literal returned,
//             passed, compared or assigned, or any status literal (100–599) compared with a status
//   validates an element of an ALL_CAPS table compared (TCHAR[b] === 1) or an ALL_CAPS set asked
//             (.has/.includes); a regular expression literal; a comparison with a limit, or
//             Math.min/max of one (an operand that mentions max*/min*/MAX_*/MIN_*/…limit…)
//   frames    a hex literal compared, in a bitwise operation or passed as an argument (bytes, bits,
//             flags); a bitwise operation on a byte read (b[i] << 8) or written (b[i] = x >>> 8), or
//             with an ALL_CAPS mask (v & MAX_STREAM_ID); FLAG.*, FRAME_TYPE.*, an OP_* opcode
// A rule-bearing unit must carry a section reference, `RFC dddd §n[.n…]` (`§B.1` for an appendix),
// or a bare `§n…` when the file's header comment names an RFC, in a comment that is its own: the
// comments directly above it (or above the statement or member that holds it) with no blank line
// between, a trailing comment on its line, any comment inside its body, or the
// `// --- Title (§n) ---` banner it sits under. The test's short EXEMPT list, each entry with its
// reason, holds the rule-bearing units that rightly name none (a helper whose callers cite the rule).

import ts from 'typescript';

export interface Unit {
  name: string;
  line: number;
  /** Why the unit is rule-bearing (empty when it is not). */
  signals: string[];
  /** Whether one of its own comments names an RFC section. */
  referenced: boolean;
}

export interface CheckOptions {
  /** The refusal helpers this file can call (a unit name such as "P.#fail", or a local name): a call
   * to one is a refusal signal. */
  helpers?: readonly string[];
  /** Keys of the error catalogues: such a string literal is a refusal signal. */
  catalogueKeys?: ReadonlySet<string>;
}

const FULL_REFERENCE = /\bRFC \d{4} §(?:[A-Z]\.)?\d+(?:\.\d+)*/;
const SHORT_REFERENCE = /§(?:[A-Z]\.)?\d+(?:\.\d+)*/;
const NAMES_AN_RFC = /\bRFC \d{4}\b/;
const BANNER = /^\/\/\s*---.*---\s*$/;
const CATALOGUES = new Set(['PARSE_ERRORS', 'FRAME_ERRORS', 'HPACK_ERRORS']);
const LIMIT_NAME = /^#?(max|min)[A-Z0-9_]|^(MAX|MIN)_|limit/i;
const TABLE_NAME = /^[A-Z][A-Z0-9_]*$/;
const ERROR_TYPES = new Set([
  'ParseError', 'ParseErrorCode', 'FrameError', 'FrameErrorReason', 'HpackError', 'HpackErrorCode', 'ErrorCode',
  'ErrorCodeName', 'WebSocketError', 'Malformed', 'Transition', 'HandshakeResult',
]);
const COMPARISON = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken,
]);
const BITWISE = new Set([
  ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken, ts.SyntaxKind.LessThanLessThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanToken, ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  ts.SyntaxKind.AmpersandEqualsToken, ts.SyntaxKind.BarEqualsToken,
]);

type FunctionLike = ts.FunctionLikeDeclaration;

function isFunctionLike(node: ts.Node): node is FunctionLike {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node)
    || ts.isSetAccessorDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node);
}

interface Comment {
  pos: number;
  end: number;
  text: string;
}

/** Every comment of the file, in order (the scanner's trivia around every token). */
function allComments(file: ts.SourceFile): Comment[] {
  const text = file.text;
  const seen = new Map<number, Comment>();
  const add = (ranges: ts.CommentRange[] | undefined): void => {
    for (const r of ranges ?? []) if (!seen.has(r.pos)) seen.set(r.pos, { pos: r.pos, end: r.end, text: text.slice(r.pos, r.end) });
  };
  const visit = (node: ts.Node): void => {
    add(ts.getLeadingCommentRanges(text, node.pos));
    add(ts.getTrailingCommentRanges(text, node.end));
    for (const child of node.getChildren(file)) visit(child);
  };
  visit(file);
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

/** The run of comments directly above `start` (no blank line between them and what follows). */
function commentsAbove(comments: readonly Comment[], text: string, start: number): Comment[] {
  const out: Comment[] = [];
  let next = start;
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i]!;
    if (c.end > next) continue;
    if (!/^[ \t]*\r?\n?[ \t]*$/.test(text.slice(c.end, next))) break;
    // A comment ending the line of the code above is that code's, not this one's.
    if (!/^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', c.pos - 1) + 1, c.pos))) break;
    out.push(c);
    next = c.pos;
  }
  return out;
}

/** The node whose leading comments document the unit: the statement, member or property holding it. */
function holder(node: FunctionLike): ts.Node {
  let n: ts.Node = node;
  while (n.parent !== undefined && !ts.isSourceFile(n.parent) && !ts.isClassLike(n.parent) && !ts.isBlock(n.parent) && !ts.isObjectLiteralExpression(n.parent)) n = n.parent;
  return n;
}

function propertyName(name: ts.PropertyName | ts.BindingName | undefined): string {
  if (name === undefined) return '(anonymous)';
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText();
}

function unitName(node: FunctionLike): string {
  const parent = node.parent;
  const owner = (n: ts.Node): string => {
    if (!ts.isClassLike(n)) return '';
    if (n.name !== undefined) return `${n.name.text}.`;
    // A class expression is named after what holds it (`static readonly #Inner = class …`).
    const p = n.parent;
    if (ts.isPropertyDeclaration(p)) return `${owner(p.parent)}${propertyName(p.name)}.`;
    if (ts.isVariableDeclaration(p)) return `${propertyName(p.name)}.`;
    return '(class).';
  };
  if (ts.isConstructorDeclaration(node)) return `${owner(parent)}constructor`;
  if (ts.isFunctionDeclaration(node)) return propertyName(node.name);
  if (ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
    return `${owner(parent)}${propertyName(node.name)}`;
  }
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return propertyName(parent.name);
  if (ts.isPropertyDeclaration(parent)) return `${owner(parent.parent)}${propertyName(parent.name)}`;
  // A callback at the top level (the tester of a byte-class table, say): named after its statement.
  const h = holder(node);
  if (ts.isVariableStatement(h)) return `${propertyName(h.declarationList.declarations[0]?.name)} (callback)`;
  return '(callback)';
}

/** The name a call is made by: `f(…)` → f, `this.#fail(…)` → #fail, `a.b.c(…)` → c. */
function calleeName(call: ts.CallExpression): string | null {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return null;
}

function mentions(node: ts.Node, test: (name: string) => boolean): boolean {
  if ((ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) && test(node.text)) return true;
  return ts.forEachChild(node, (child) => (mentions(child, test) ? true : undefined)) === true;
}

function hasHexLiteral(node: ts.Node): boolean {
  if (ts.isNumericLiteral(node)) return /^0x/i.test(node.getText());
  if (isFunctionLike(node)) return false;
  return ts.forEachChild(node, (child) => (hasHexLiteral(child) ? true : undefined)) === true;
}

/** A numeric literal where it is used as a value: returned, passed, compared or assigned. */
function usedAsValue(lit: ts.NumericLiteral): boolean {
  const p = lit.parent;
  if (ts.isReturnStatement(p) || ts.isCallExpression(p) || ts.isNewExpression(p) || ts.isCaseClause(p)) return true;
  if (ts.isBinaryExpression(p)) return COMPARISON.has(p.operatorToken.kind) || p.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  if (ts.isConditionalExpression(p) || ts.isPropertyAssignment(p) || ts.isVariableDeclaration(p)) return true;
  return false;
}

const isTableName = (e: ts.Expression): boolean => ts.isIdentifier(e) && TABLE_NAME.test(e.text);
const isByteAccess = (e: ts.Expression): boolean => ts.isElementAccessExpression(ts.isNonNullExpression(e) ? e.expression : e);

function signalsOf(unit: FunctionLike, helpers: ReadonlySet<string>, catalogueKeys: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const returnType = unit.type;
  if (returnType !== undefined) {
    const names = (t: ts.Node): void => {
      if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && ERROR_TYPES.has(t.typeName.text)) out.add(`returns ${t.typeName.text}`);
      ts.forEachChild(t, names);
    };
    names(returnType);
  }
  const visit = (node: ts.Node): void => {
    if (ts.isThrowStatement(node)) out.add('throw');
    else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text.endsWith('Error')) out.add(`new ${node.expression.text}`);
    else if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      if (name !== null && helpers.has(name)) out.add(`calls ${name}`);
      const callee = node.expression;
      if (ts.isPropertyAccessExpression(callee)) {
        if ((name === 'has' || name === 'includes') && isTableName(callee.expression)) out.add(`table ${(callee.expression as ts.Identifier).text}`);
        if ((name === 'min' || name === 'max') && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math' && node.arguments.some((a) => mentions(a, (n) => LIMIT_NAME.test(n)))) out.add('limit');
      }
      if (node.arguments.some((a) => ts.isNumericLiteral(a) && /^0x/i.test(a.getText()))) out.add('hex argument');
    } else if (ts.isRegularExpressionLiteral(node)) out.add('regex'); else if (ts.isStringLiteralLike(node) && catalogueKeys.has(node.text)) out.add(`'${node.text}'`);
    else if (ts.isIdentifier(node)) {
      if (CATALOGUES.has(node.text) || node.text === 'COMPRESSION_ERROR' || /^CLOSE_[A-Z_]+$/.test(node.text) || /^OP_[A-Z_]+$/.test(node.text)) out.add(node.text);
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && ['ERROR_CODE', 'FLAG', 'FRAME_TYPE'].includes(node.expression.text)) {
      out.add(`${node.expression.text}.*`);
    } else if (ts.isNumericLiteral(node) && usedAsValue(node)) {
      const v = Number(node.text);
      const p = node.parent;
      if (v >= 400 && v <= 599) out.add(`status ${v}`);
      else if (v >= 1000 && v <= 1015) out.add(`close code ${v}`);
      else if (v >= 100 && v <= 599 && ts.isBinaryExpression(p) && COMPARISON.has(p.operatorToken.kind) && mentions(p, (n) => /status/i.test(n))) out.add(`status ${v}`);
    } else if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      const sides = [node.left, node.right];
      if (COMPARISON.has(op)) {
        for (const side of sides) {
          const bare = ts.isNonNullExpression(side) ? side.expression : side;
          if (ts.isElementAccessExpression(bare) && ts.isIdentifier(bare.expression) && TABLE_NAME.test(bare.expression.text)) out.add(`table ${bare.expression.text}`);
        }
        if (op !== ts.SyntaxKind.EqualsEqualsEqualsToken && op !== ts.SyntaxKind.ExclamationEqualsEqualsToken && sides.some((s) => mentions(s, (n) => LIMIT_NAME.test(n)))) out.add('limit');
        if (sides.some(hasHexLiteral)) out.add('hex compare');
      } else if (BITWISE.has(op) && (sides.some(hasHexLiteral) || sides.some(isByteAccess) || sides.some(isTableName))) out.add('bits');
      else if (op === ts.SyntaxKind.EqualsToken && isByteAccess(node.left) && ts.isBinaryExpression(node.right) && BITWISE.has(node.right.operatorToken.kind)) out.add('bits');
    }
    ts.forEachChild(node, visit);
  };
  // Parameters' defaults count too (`code = ERROR_CODE.CANCEL`), the name does not.
  for (const p of unit.parameters) visit(p);
  if (unit.body !== undefined) visit(unit.body);
  return [...out];
}

/** Every unit of one source file, with its signals and whether it names a section. */
export function analyse(fileName: string, text: string, options: CheckOptions = {}): Unit[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const comments = allComments(file);
  const header = comments.filter((c) => c.pos < (file.statements[0]?.getStart(file) ?? text.length));
  const short = header.some((c) => NAMES_AN_RFC.test(c.text));
  const references = (c: Comment): boolean => FULL_REFERENCE.test(c.text) || (short && SHORT_REFERENCE.test(c.text));
  const banners = comments.filter((c) => BANNER.test(c.text));
  const helpers = new Set((options.helpers ?? []).map((h) => h.slice(h.lastIndexOf('.') + 1)));
  const catalogueKeys = options.catalogueKeys ?? new Set<string>();

  const units: Unit[] = [];
  const visit = (node: ts.Node): void => {
    if (!isFunctionLike(node) || node.body === undefined) {
      ts.forEachChild(node, visit);
      return;
    }
    const h = holder(node);
    const start = node.getStart(file);
    const own = [
      ...commentsAbove(comments, text, h.getStart(file)),
      ...commentsAbove(comments, text, start),
      ...comments.filter((c) => c.pos >= start && c.end <= node.end),
      ...(ts.getTrailingCommentRanges(text, h.end) ?? []).map((r) => ({ pos: r.pos, end: r.end, text: text.slice(r.pos, r.end) })),
    ];
    const banner = banners.filter((b) => b.end <= start).at(-1);
    if (banner !== undefined) own.push(banner);
    units.push({
      name: unitName(node),
      line: file.getLineAndCharacterOfPosition(start).line + 1,
      signals: signalsOf(node, helpers, catalogueKeys),
      referenced: own.some(references),
    });
    // Nested functions belong to this unit: not visited as units of their own.
  };
  visit(file);
  return units;
}

/** The keys of an `export const NAME = { KEY: …, … }` catalogue in a source file. */
export function catalogueKeysOf(text: string, name: string): string[] {
  const file = ts.createSourceFile('catalogue.ts', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const keys: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name && node.initializer !== undefined) {
      let init: ts.Expression = node.initializer;
      while (ts.isSatisfiesExpression(init) || ts.isAsExpression(init)) init = init.expression;
      if (ts.isObjectLiteralExpression(init)) for (const p of init.properties) if (ts.isPropertyAssignment(p)) keys.push(propertyName(p.name));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return keys;
}

/** The names a file imports from other files of the tree: local name → the file and the name there. */
export function importsOf(fileName: string, text: string): Map<string, { from: string; name: string }> {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out = new Map<string, { from: string; name: string }>();
  const dir = fileName.slice(0, fileName.lastIndexOf('/') + 1);
  for (const st of file.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !st.moduleSpecifier.text.startsWith('.')) continue;
    const bindings = st.importClause?.namedBindings;
    if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
    const target = normalise(dir + st.moduleSpecifier.text);
    for (const el of bindings.elements) out.set(el.name.text, { from: target, name: (el.propertyName ?? el.name).text });
  }
  return out;
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}
