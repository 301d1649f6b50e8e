// Where in an HTML document a template's {{ }} sits, decided at compile time from the static text
// before it, so each output is escaped for its place (the idea of contextual auto-escaping, as in
// Go's html/template, kept to a small tokenizer after HTML's own: WHATWG HTML §13.2.5).
//
//   text, <title>, <textarea>     → HTML-escaped
//   "quoted" / 'quoted' attribute → HTML-escaped (quotes too); a URL attribute (href, src, …) whose
//                                   value starts with the output also has its scheme checked
//   <script>                      → JSON, with < > & U+2028 U+2029 escaped (a string/number literal)
//   anything else (unquoted values, inside a tag, on* and style attributes, <style>, comments)
//                                 → a compile error: there is no safe way to put text there.

export type HtmlContext =
  | { readonly kind: 'text' }
  | { readonly kind: 'attr'; readonly name: string; readonly url: boolean; readonly atStart: boolean }
  | { readonly kind: 'script' }
  | { readonly kind: 'unsafe'; readonly why: string };

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster', 'cite', 'data', 'background', 'longdesc', 'manifest', 'ping', 'xlink:href', 'codebase', 'srcset']);

const S = {
  TEXT: 0,
  TAG_OPEN: 1,
  TAG_NAME: 2,
  IN_TAG: 3,
  ATTR_NAME: 4,
  AFTER_ATTR_NAME: 5,
  BEFORE_VALUE: 6,
  VALUE_DQ: 7,
  VALUE_SQ: 8,
  VALUE_UQ: 9,
  COMMENT: 10,
  RAWTEXT: 11, // script, style: until the matching end tag
  END_TAG: 12,
  BOGUS: 13, // <!DOCTYPE …>, <?…>
} as const;
type State = (typeof S)[keyof typeof S];

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/** A tokenizer fed the template's static text piece by piece; context() says where the next output goes. */
export class HtmlContextTracker {
  #state: State = S.TEXT;
  #tag = '';
  #closing = false;
  #attr = '';
  #valueLength = 0;
  #rawTag = '';
  #buffer = ''; // the last characters, for "-->" and "</script"

  feed(text: string): void {
    for (const c of text) this.#step(c);
  }

  /** An output was placed here: it counts as some value characters. */
  placeholder(): void {
    if (this.#state === S.VALUE_DQ || this.#state === S.VALUE_SQ || this.#state === S.VALUE_UQ) this.#valueLength++;
  }

  context(): HtmlContext {
    switch (this.#state) {
      case S.TEXT:
        return { kind: 'text' };
      case S.VALUE_DQ:
      case S.VALUE_SQ: {
        const name = this.#attr;
        if (name.startsWith('on')) return { kind: 'unsafe', why: `inside the event-handler attribute ${name}="…", where it would run as script` };
        if (name === 'style') return { kind: 'unsafe', why: 'inside a style="…" attribute (CSS can load URLs and, in old browsers, run script)' };
        if (name === 'srcdoc') return { kind: 'unsafe', why: 'inside srcdoc="…", which is a whole HTML document' };
        return { kind: 'attr', name, url: URL_ATTRIBUTES.has(name), atStart: this.#valueLength === 0 };
      }
      case S.RAWTEXT:
        if (this.#rawTag === 'script') return { kind: 'script' };
        return { kind: 'unsafe', why: `inside <${this.#rawTag}>` };
      case S.VALUE_UQ:
      case S.BEFORE_VALUE:
        return { kind: 'unsafe', why: `in the unquoted value of ${this.#attr}= (put the value in double quotes)` };
      case S.COMMENT:
        return { kind: 'unsafe', why: 'inside an HTML comment' };
      default:
        return { kind: 'unsafe', why: `inside the tag <${this.#tag || '…'}> but not in a quoted attribute value` };
    }
  }

  #step(c: string): void {
    this.#buffer = (this.#buffer + c).slice(-10);
    switch (this.#state) {
      case S.TEXT:
        if (c === '<') this.#state = S.TAG_OPEN;
        return;
      case S.TAG_OPEN:
        if (c === '!') {
          this.#state = S.BOGUS;
          return;
        }
        if (c === '/') {
          this.#closing = true;
          this.#tag = '';
          this.#state = S.TAG_NAME;
          return;
        }
        if (/[A-Za-z]/.test(c)) {
          this.#closing = false;
          this.#tag = c.toLowerCase();
          this.#state = S.TAG_NAME;
          return;
        }
        this.#state = c === '?' ? S.BOGUS : S.TEXT;
        return;
      case S.TAG_NAME:
        if (isSpace(c) || c === '/') this.#state = S.IN_TAG;
        else if (c === '>') this.#endTag();
        else this.#tag += c.toLowerCase();
        return;
      case S.IN_TAG:
        if (c === '>') this.#endTag();
        else if (!isSpace(c) && c !== '/') {
          this.#attr = c.toLowerCase();
          this.#state = S.ATTR_NAME;
        }
        return;
      case S.ATTR_NAME:
        if (c === '=') this.#state = S.BEFORE_VALUE;
        else if (isSpace(c)) this.#state = S.AFTER_ATTR_NAME;
        else if (c === '>') this.#endTag();
        else if (c === '/') this.#state = S.IN_TAG;
        else this.#attr += c.toLowerCase();
        return;
      case S.AFTER_ATTR_NAME:
        if (c === '=') this.#state = S.BEFORE_VALUE;
        else if (c === '>') this.#endTag();
        else if (!isSpace(c)) {
          this.#attr = c.toLowerCase();
          this.#state = S.ATTR_NAME;
        }
        return;
      case S.BEFORE_VALUE:
        this.#valueLength = 0;
        if (c === '"') this.#state = S.VALUE_DQ;
        else if (c === "'") this.#state = S.VALUE_SQ;
        else if (c === '>') this.#endTag();
        else if (!isSpace(c)) {
          this.#state = S.VALUE_UQ;
          this.#valueLength = 1;
        }
        return;
      case S.VALUE_DQ:
        if (c === '"') this.#state = S.IN_TAG;
        else this.#valueLength++;
        return;
      case S.VALUE_SQ:
        if (c === "'") this.#state = S.IN_TAG;
        else this.#valueLength++;
        return;
      case S.VALUE_UQ:
        if (isSpace(c)) this.#state = S.IN_TAG;
        else if (c === '>') this.#endTag();
        else this.#valueLength++;
        return;
      case S.BOGUS:
        if (this.#buffer.endsWith('<!--')) this.#state = S.COMMENT;
        else if (c === '>') this.#state = S.TEXT;
        return;
      case S.COMMENT:
        if (this.#buffer.endsWith('-->')) this.#state = S.TEXT;
        return;
      case S.RAWTEXT:
        if (this.#buffer.toLowerCase().endsWith(`</${this.#rawTag}`)) {
          this.#closing = true;
          this.#tag = this.#rawTag;
          this.#state = S.END_TAG;
        }
        return;
      case S.END_TAG:
        if (c === '>') this.#endTag();
        return;
    }
  }

  #endTag(): void {
    const tag = this.#tag;
    if (!this.#closing && (tag === 'script' || tag === 'style')) {
      this.#rawTag = tag;
      this.#state = S.RAWTEXT;
      return;
    }
    this.#state = S.TEXT;
  }
}

// ---- the escapers ----

// U+0000 is dropped from text and turned into U+FFFD in attributes by the HTML parser (§13.2.5):
// sending U+FFFD everywhere makes the two read alike.
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;', '\u0000': '\uFFFD' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=\u0000]/g, (c) => HTML_ESCAPES[c]!);
}

const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
export const BLOCKED_URL = 'about:invalid#blocked';

/**
 * A URL from data, safe as the start of an href/src: relative URLs and http(s), mailto and tel pass;
 * any other scheme (javascript:, data:, vbscript:, …) becomes about:invalid. Browsers drop leading
 * spaces and controls and tabs/newlines anywhere (URL Standard §4.4), so the check does too.
 */
export function sanitizeUrl(url: string): string {
  const cleaned = url.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(cleaned);
  if (m !== null && !SAFE_SCHEMES.has(m[1]!.toLowerCase())) return BLOCKED_URL;
  return url;
}

/** A value as a JavaScript literal inside <script>: JSON, with every character that could end the script escaped. */
export function scriptLiteral(value: unknown): string {
  const json = JSON.stringify(value === undefined ? null : value) ?? 'null';
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
