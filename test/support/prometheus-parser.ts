// A strict parser for the Prometheus text exposition format 0.0.4, written for the tests so the
// renderer is checked against the grammar rather than against itself. It throws on anything the
// format forbids (and on a few things it merely allows but we never emit: blank lines, free
// comments, samples without a TYPE).
//
//   line      = help | type | sample
//   help      = "# HELP " name " " docstring        (escapes: \\ and \n only)
//   type      = "# TYPE " name " " ("counter" | "gauge" | "histogram" | "summary" | "untyped")
//   sample    = name [ "{" label *( "," label ) [","] "}" ] " " value [ " " timestamp ]
//   label     = label-name "=" '"' escaped-value '"'   (escapes: \\ \" \n only)
//   name      = [a-zA-Z_:][a-zA-Z0-9_:]*     label-name = [a-zA-Z_][a-zA-Z0-9_]*

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string | undefined;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class ExpositionError extends Error {}

function fail(lineNo: number, message: string): never {
  throw new ExpositionError(`line ${lineNo}: ${message}`);
}

export function parseValue(text: string): number {
  if (!VALUE.test(text)) throw new ExpositionError(`bad value ${JSON.stringify(text)}`);
  if (text.endsWith('Inf')) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

function unescapeHelp(text: string, lineNo: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else fail(lineNo, `bad escape in HELP: \\${next ?? ''}`);
  }
  return out;
}

function parseSample(line: string, lineNo: number): { sample: Sample; key: string } {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) fail(lineNo, `bad metric name ${JSON.stringify(name)}`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq === -1) fail(lineNo, 'label without "="');
      const lname = line.slice(i, eq);
      if (!LABEL_NAME.test(lname) || lname.startsWith('__')) fail(lineNo, `bad label name ${JSON.stringify(lname)}`);
      if (lname in labels) fail(lineNo, `duplicate label ${lname}`);
      i = eq + 1;
      if (line[i] !== '"') fail(lineNo, `label value of ${lname} is not quoted`);
      i++;
      let value = '';
      for (;;) {
        const ch = line[i];
        if (ch === undefined) fail(lineNo, 'unterminated label value');
        if (ch === '"') break;
        if (ch === '\\') {
          const next = line[i + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else fail(lineNo, `bad escape in label value: \\${next ?? ''}`);
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      labels[lname] = value;
      i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail(lineNo, 'expected "," or "}" after a label');
    }
    i++;
  }
  if (line[i] !== ' ') fail(lineNo, 'expected one space before the value');
  const rest = line.slice(i + 1).split(' ');
  if (rest.length > 2 || rest.some((p) => p === '')) fail(lineNo, 'expected "value [timestamp]"');
  let value: number;
  try {
    value = parseValue(rest[0]!);
  } catch (e) {
    fail(lineNo, (e as Error).message);
  }
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) fail(lineNo, `bad timestamp ${rest[1]}`);
  const key = name + JSON.stringify(Object.entries(labels).sort());
  return { sample: { name, labels, value }, key };
}

export function parseExposition(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new ExpositionError('the last line must end with a line feed');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const finished = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n');
  lines.pop();
  const familyOf = (name: string): string => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (name.endsWith(suffix)) {
        const base = name.slice(0, -suffix.length);
        const t = families.get(base)?.type;
        if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
      }
    }
    return name;
  };
  const enter = (name: string, lineNo: number): Family => {
    if (current !== name) {
      if (finished.has(name)) fail(lineNo, `metric family ${name} is split into more than one group`);
      if (current !== null) finished.add(current);
      current = name;
    }
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: 'untyped', help: undefined, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (line === '') fail(lineNo, 'blank line');
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (m === null) fail(lineNo, `not a HELP or TYPE line: ${line}`);
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) fail(lineNo, `bad metric name ${name}`);
      const f = enter(name, lineNo);
      if (kind === 'HELP') {
        if (f.help !== undefined) fail(lineNo, `second HELP for ${name}`);
        f.help = unescapeHelp(rest, lineNo);
      } else {
        if (!TYPES.has(rest)) fail(lineNo, `unknown type ${rest}`);
        if (f.samples.length > 0) fail(lineNo, `TYPE for ${name} after its samples`);
        if ((f as Family & { typed?: boolean }).typed === true) fail(lineNo, `second TYPE for ${name}`);
        (f as Family & { typed?: boolean }).typed = true;
        f.type = rest;
      }
      return;
    }
    const { sample, key } = parseSample(line, lineNo);
    const family = familyOf(sample.name);
    const f = enter(family, lineNo);
    if ((f as Family & { typed?: boolean }).typed !== true) fail(lineNo, `sample of ${family} without a TYPE line`);
    if (seen.has(key)) fail(lineNo, `duplicate sample ${key}`);
    seen.add(key);
    if (f.type === 'counter' && !(sample.value >= 0)) fail(lineNo, `counter ${sample.name} is negative or NaN`);
    if (f.type === 'histogram' && sample.name === family) fail(lineNo, `histogram sample ${sample.name} lacks _bucket/_sum/_count`);
    f.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** _bucket series cumulative with increasing le ending in +Inf, equal to _count; _sum present. */
function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: Array<[number, number]>; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === f.name + '_bucket') {
      if (le === undefined) throw new ExpositionError(`${f.name}_bucket without le`);
      g.buckets.push([parseValue(le), s.value]);
    } else {
      if (le !== undefined) throw new ExpositionError(`${s.name} must not carry le`);
      if (s.name.endsWith('_sum')) g.sum = s.value;
      else g.count = s.value;
    }
  }
  for (const [key, g] of groups) {
    if (g.buckets.length === 0) throw new ExpositionError(`${f.name}${key} has no buckets`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) throw new ExpositionError(`${f.name}${key}: le not increasing`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new ExpositionError(`${f.name}${key}: buckets not cumulative`);
    }
    const last = g.buckets[g.buckets.length - 1]!;
    if (last[0] !== Infinity) throw new ExpositionError(`${f.name}${key}: no le="+Inf" bucket`);
    if (g.count === undefined || g.sum === undefined) throw new ExpositionError(`${f.name}${key}: _sum or _count missing`);
    if (g.count !== last[1]) throw new ExpositionError(`${f.name}${key}: _count ${g.count} differs from the +Inf bucket ${last[1]}`);
  }
}

/** The value of one sample, by name and exact labels; undefined when absent. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const a = Object.entries(s.labels).sort();
      const b = Object.entries(labels).sort();
      if (JSON.stringify(a) === JSON.stringify(b)) return s.value;
    }
  }
  return undefined;
}
