// --trace-filter: which exchanges --trace prints. Terms are separated by spaces or commas; each is a
// path glob (starts with "/": `*` matches any run of characters, `?` one), a method (GET, post) or a
// status (404, 4xx, 30x). An exchange is printed when it matches at least one term of every kind
// given: "/api/* POST 4xx 5xx" is the POSTs under /api/ that failed.

export interface TraceFilter {
  /** The filter as given, for the banner. */
  readonly text: string;
  matches(exchange: { method: string; target: string; status: number }): boolean;
}

const METHOD = /^[A-Za-z]+$/;
const STATUS = /^[1-5][0-9xX]{2}$/;

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The path of a request-target, without its query (absolute-form targets too). */
export function pathOf(target: string): string {
  let path = target;
  const scheme = path.indexOf('://');
  if (scheme !== -1 && scheme < path.indexOf('/')) {
    const slash = path.indexOf('/', scheme + 3);
    path = slash === -1 ? '/' : path.slice(slash);
  }
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

/** Parses a filter; a string names the first term that is none of the three kinds. */
export function parseTraceFilter(text: string): TraceFilter | string {
  const terms = text.split(/[\s,]+/).filter((t) => t !== '');
  if (terms.length === 0) return 'is empty: give a path glob (/api/*), a method (POST) or a status (404, 4xx)';
  const paths: RegExp[] = [];
  const methods = new Set<string>();
  const statuses: RegExp[] = [];
  for (const term of terms) {
    if (term.startsWith('/')) paths.push(globToRegExp(term));
    else if (STATUS.test(term)) statuses.push(new RegExp(`^${term.toLowerCase().replace(/x/g, '\\d')}$`));
    else if (METHOD.test(term)) methods.add(term.toUpperCase());
    else return `${JSON.stringify(term)} is neither a path glob (starting with "/"), a method (letters) nor a status (404, 4xx)`;
  }
  return {
    text: terms.join(' '),
    matches(exchange) {
      if (methods.size > 0 && !methods.has(exchange.method)) return false;
      if (statuses.length > 0) {
        const status = String(exchange.status);
        if (!statuses.some((s) => s.test(status))) return false;
      }
      if (paths.length > 0) {
        const path = pathOf(exchange.target);
        if (!paths.some((p) => p.test(path))) return false;
      }
      return true;
    },
  };
}
