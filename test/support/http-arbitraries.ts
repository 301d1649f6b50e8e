// fast-check generators of HTTP/1.1 requests (RFC 9112) for property and differential tests: a model
// of each request (what a correct parser must report) and its serialization to bytes, plus mutations
// that break a valid stream in the ways attackers and broken clients do.

import fc from 'fast-check';

export interface ModelChunk {
  data: string;
  /** Chunk extension text as sent after the size, '' for none. */
  ext: string;
}

export interface ModelRequest {
  method: string;
  target: string;
  versionMinor: 0 | 1;
  /** Field lines as sent: [name, OWS-before, value, OWS-after]; the parser reports name and value. */
  fields: Array<[string, string, string, string]>;
  framing: 'none' | 'length' | 'chunked';
  /** For 'chunked', the chunks (each non-empty); for 'length', one chunk holding the whole body. */
  chunks: ModelChunk[];
  lastChunkExt: string;
  trailers: Array<[string, string]>;
  keepAlive: boolean;
  host: string;
}

export interface ArbitraryOptions {
  /** Restrict to what every mainstream parser accepts (for differential tests against node:http). */
  portable?: boolean;
  maxRequests?: number;
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// RFC 3986 pchar without pct-encoded, plus "/" and "?" handled by the structure.
const PCHARS = `${ALNUM}-._~!$&'()*+,;=:@`;
const PORTABLE_VALUE = `${ALNUM} -_.,;:/?=()[]{}<>@!#$%&*+"'\\^\`|~`;

const charString = (chars: string, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars.split('')), { minLength, maxLength }).map((a) => a.join(''));

// Names the model controls itself (framing, persistence, Host): never generated as free fields.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive', 'proxy-connection', 'http2-settings']);

export const tokenArb = (maxLength = 12): fc.Arbitrary<string> => charString(TCHARS, 1, maxLength);

export const methodArb = (portable: boolean): fc.Arbitrary<string> =>
  portable
    ? fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'MKCOL', 'REPORT')
    : fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), tokenArb(10).filter((m) => m !== 'CONNECT'));

export const originTargetArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.oneof(charString(PCHARS, 0, 8), fc.constantFrom('%20', '%2F', '%C3%A9', '..', '.')), { maxLength: 5 }),
    fc.option(charString(`${PCHARS}/?`, 0, 16), { nil: undefined }),
  )
  .map(([segments, query]) => `/${segments.join('/')}${query === undefined ? '' : `?${query}`}`);

const fieldNameArb = (portable: boolean): fc.Arbitrary<string> =>
  (portable ? fc.tuple(charString(ALNUM, 1, 1), charString(`${ALNUM}-_`, 0, 14)).map(([a, b]) => `X-${a}${b}`) : tokenArb(16)).filter(
    (n) => !RESERVED.has(n.toLowerCase()),
  );

// field-value without leading or trailing whitespace (RFC 9110 §5.5), possibly empty.
const fieldValueArb = (portable: boolean): fc.Arbitrary<string> => {
  const inner = portable
    ? charString(PORTABLE_VALUE, 0, 24)
    : fc.array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0x20, 0x09)), { maxLength: 24 })
        .map((codes) => String.fromCharCode(...codes));
  return inner.map((v) => v.replace(/^[ \t]+|[ \t]+$/g, ''));
};

const owsArb = (portable: boolean): fc.Arbitrary<string> => (portable ? fc.constantFrom('', ' ') : fc.constantFrom('', ' ', '  ', '\t', ' \t'));

const chunkExtArb: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom('', ' '),
      tokenArb(6),
      fc.option(fc.oneof(tokenArb(6), charString(`${ALNUM} ;=,`, 0, 8).map((s) => `"${s}"`), fc.constant('"a\\"b"')), { nil: undefined }),
    ),
    { maxLength: 2 },
  )
  .map((exts) => exts.map(([ws, name, value]) => `${ws};${name}${value === undefined ? '' : `=${value}`}`).join(''));

const bodyBytesArb = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    charString(`${ALNUM}\r\n `, minLength, maxLength),
    fc.uint8Array({ minLength, maxLength }).map((a) => Buffer.from(a).toString('latin1')),
  );

export const requestArb = (options: ArbitraryOptions = {}): fc.Arbitrary<ModelRequest> => {
  const portable = options.portable ?? false;
  return fc
    .record({
      method: methodArb(portable),
      target: originTargetArb,
      versionMinor: fc.constantFrom<0 | 1>(1, 1, 1, 0),
      host: fc.oneof(fc.constantFrom('example.test', 'localhost:8080', '127.0.0.1', '[::1]:80'), charString(`${ALNUM}-.`, 1, 20)),
      sendHost10: fc.boolean(),
      fields: fc.array(fc.tuple(fieldNameArb(portable), owsArb(portable), fieldValueArb(portable), owsArb(portable)), { maxLength: 6 }),
      connection: fc.constantFrom('', 'close', 'keep-alive', 'Keep-Alive', 'foo, close'),
      framing: fc.constantFrom<'none' | 'length' | 'chunked'>('none', 'length', 'chunked'),
      lengthBody: bodyBytesArb(0, 200),
      chunks: fc.array(fc.record({ data: bodyBytesArb(1, 80), ext: portable ? fc.constant('') : chunkExtArb }), { maxLength: 5 }),
      lastChunkExt: portable ? fc.constant('') : chunkExtArb,
      trailers: fc.array(fc.tuple(fieldNameArb(portable), fieldValueArb(portable)), { maxLength: portable ? 0 : 3 }),
      hostFirst: fc.boolean(),
    })
    .map((r) => {
      const fields: Array<[string, string, string, string]> = [...r.fields];
      const sendHost = r.versionMinor === 1 || r.sendHost10;
      if (sendHost) {
        if (r.hostFirst || fields.length === 0) fields.unshift(['Host', ' ', r.host, '']);
        else fields.splice(1, 0, ['host', '', r.host, ' ']);
      }
      if (r.connection !== '') fields.push(['Connection', ' ', r.connection, '']);
      // Chunked needs HTTP/1.1 (RFC 9112 §6.1); a 1.0 request gets a Content-Length body instead.
      const framing = r.framing === 'chunked' && r.versionMinor === 0 ? 'length' : r.framing;
      let chunks: ModelChunk[] = [];
      if (framing === 'length') {
        fields.push(['Content-Length', ' ', String(r.lengthBody.length), '']);
        chunks = r.lengthBody.length > 0 ? [{ data: r.lengthBody, ext: '' }] : [];
      } else if (framing === 'chunked') {
        fields.push(['Transfer-Encoding', ' ', 'chunked', '']);
        chunks = r.chunks;
      }
      const tokens = r.connection.toLowerCase().split(',').map((t) => t.trim());
      const keepAlive = tokens.includes('close') ? false : r.versionMinor === 1 || tokens.includes('keep-alive');
      const model: ModelRequest = {
        method: r.method,
        target: r.target,
        versionMinor: r.versionMinor,
        fields,
        framing,
        chunks,
        lastChunkExt: framing === 'chunked' ? r.lastChunkExt : '',
        trailers: framing === 'chunked' ? r.trailers : [],
        keepAlive,
        host: sendHost ? r.host : '',
      };
      return model;
    });
};

/** Makes every request but the last keep the connection (Connection: keep-alive). */
export function persistentUntilLast(requests: ModelRequest[]): ModelRequest[] {
  return requests.map((r, i) => {
    if (i === requests.length - 1 || r.keepAlive) return r;
    const fields = r.fields.filter(([name]) => name !== 'Connection');
    fields.push(['Connection', ' ', 'keep-alive', '']);
    return { ...r, fields, keepAlive: true };
  });
}

/** The request's bytes as a latin1 string. */
export function serialize(req: ModelRequest): string {
  let out = `${req.method} ${req.target} HTTP/1.${req.versionMinor}\r\n`;
  for (const [name, ows1, value, ows2] of req.fields) out += `${name}:${ows1}${value}${ows2}\r\n`;
  out += '\r\n';
  if (req.framing === 'length') out += req.chunks.map((c) => c.data).join('');
  else if (req.framing === 'chunked') {
    for (const c of req.chunks) out += `${c.data.length.toString(16)}${c.ext}\r\n${c.data}\r\n`;
    out += `0${req.lastChunkExt}\r\n`;
    for (const [name, value] of req.trailers) out += `${name}: ${value}\r\n`;
    out += '\r\n';
  }
  return out;
}

export const bodyOf = (req: ModelRequest): string => req.chunks.map((c) => c.data).join('');

/** Several pipelined requests and cut points for splitting their bytes. */
export const streamArb = (options: ArbitraryOptions = {}): fc.Arbitrary<{ requests: ModelRequest[]; cuts: number[] }> =>
  fc.record({
    requests: fc.array(requestArb(options), { minLength: 1, maxLength: options.maxRequests ?? 4 }),
    cuts: fc.array(fc.nat({ max: 4000 }), { maxLength: 40 }),
  });

export type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'replace'; at: number; byte: number }
  | { kind: 'truncate'; at: number };

// Byte strings that break framing or grammar when dropped into a request.
const NASTY = [
  '\r', '\n', '\x00', ' ', '\t', ':', '\x7f', '\xff', '\r\n', '\r\n\r\n', '\n\n', ' \r\n', '\r\n ',
  'Transfer-Encoding: chunked\r\n', 'Transfer-Encoding: gzip, chunked\r\n', 'Content-Length: 3\r\n',
  'Content-Length: 99999999999\r\n', 'Content-Length: -1\r\n', 'Host: other\r\n', 'HTTP/2.0', 'X : y\r\n',
  'ffffffffffffffff\r\n', ';ext="', '0\r\n\r\n', 'chunked', ', chunked', 'GET / HTTP/1.1\r\n',
];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant<'insert'>('insert'), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NASTY), fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b))) }),
  fc.record({ kind: fc.constant<'delete'>('delete'), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant<'replace'>('replace'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant<'truncate'>('truncate'), at: fc.nat() }),
);

/** Applies mutations to a latin1 string; positions wrap around its length. */
export function mutate(text: string, mutations: readonly Mutation[]): string {
  let s = text;
  for (const m of mutations) {
    if (s.length === 0) break;
    const at = m.at % s.length;
    if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.count);
    else if (m.kind === 'replace') s = s.slice(0, at) + String.fromCharCode(m.byte) + s.slice(at + 1);
    else s = s.slice(0, at);
  }
  return s;
}
