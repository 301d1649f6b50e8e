// Differential tests: our multipart reader against busboy (the oracle), on thousands of generated
// forms and mutations of them, each fed in a random chunking. Wherever busboy accepts a body, the
// fields, file names and file bytes must agree, except for the deliberate differences below, each
// of which is recognised precisely and justified.
//
// Deliberate differences (busboy accepts, we refuse with 400, naming the problem):
//   A. A part without Content-Disposition, with two of them, or whose Content-Disposition does not
//      parse or has no name (RFC 7578 §4.2: each part MUST have one, of type form-data, with a name).
//      busboy silently drops such a part (or reports name undefined); dropping data without a
//      word is worse than refusing.
//   B. Two Content-Type headers in one part, or a malformed one: the part's type is ambiguous.
//   C. A delimiter followed by something other than transport padding + CRLF or "--"
//      (RFC 2046 §5.1.1: the boundary must not occur inside a part). busboy ends the part there and
//      silently discards what follows until the next boundary: data loss.
//   D. A duplicated parameter (two names, two filenames): RFC 6266 §4.1 calls such a field invalid.
// Deliberate differences (both accept, results differ):
//   E. Transport padding (spaces/tabs) after a boundary is allowed by RFC 2046 §5.1.1; busboy does
//      not allow it and drops the part. We keep the part.
//   F. Empty parameters ("form-data;; name=x", a trailing ";") are allowed by RFC 9110 §5.6.6;
//      busboy's parser rejects them and drops the part. We keep the part.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { busboyBasename, chunked, parseBusboy, parseOurs, type Outcome, type PartSpec } from '../support/upload-helpers.ts';
import { multipartBody } from '../support/upload-helpers.ts';

// Fixed seed and run counts; UPLOADS_FUZZ_SEED / UPLOADS_FUZZ_SCALE explore further by hand.
const SEED = Number(process.env.UPLOADS_FUZZ_SEED ?? 20261125);
const SCALE = Number(process.env.UPLOADS_FUZZ_SCALE ?? 1);
const BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?";
const NAME_CHARS = [...'abcdefXYZ0189 _-.[]éß日本😀"\\;=,'];
const FILE_CHARS = [...'abcXYZ019 _-.()éñ日本😀"\\/;,'];

const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
const extValue = (s: string): string =>
  `UTF-8''${[...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9!#$&+\-.^_`|~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')}`;
const latin1OfUtf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

const boundaryArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...BCHARS), minLength: 1, maxLength: 70 }).filter((b) => !b.endsWith(' ')) },
  // What Chrome and Firefox send, and the shortest and most self-similar boundaries there are.
  { weight: 2, arbitrary: fc.constantFrom('----WebKitFormBoundary7MA4YWxkTrZu0gW', '---------------------------9051914041544843365972754266', 'a') },
  { weight: 1, arbitrary: fc.constantFrom('-', '--') },
);

function dataArb(boundary: string): fc.Arbitrary<Buffer> {
  const delimiter = `\r\n--${boundary}`;
  const fragment = fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)) },
    { weight: 2, arbitrary: fc.constantFrom('\r', '\n', '\r\n', '-', '--', '\r\n-', '\r\n--', '\r\r\n').map((s) => Buffer.from(s)) },
    { weight: 2, arbitrary: fc.nat({ max: delimiter.length - 1 }).map((k) => Buffer.from(delimiter.slice(0, k), 'latin1')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => Buffer.from(s, 'utf8')) },
  );
  return fc
    .array(fragment, { maxLength: 8 })
    .map((parts) => Buffer.concat(parts))
    .filter((d) => !d.includes(Buffer.from(delimiter, 'latin1')));
}

const nameArb = fc.string({ unit: fc.constantFrom(...NAME_CHARS), maxLength: 12 });
const filenameArb = fc.string({ unit: fc.constantFrom(...FILE_CHARS), minLength: 1, maxLength: 16 }); // empty: see G

interface GeneratedPart {
  spec: PartSpec;
  /** What a correct reader must report for this part. */
  expect: { file: boolean; name: string; filename: string | undefined; data: Buffer };
}

function partArb(boundary: string): fc.Arbitrary<GeneratedPart> {
  const disposition = fc.oneof(
    nameArb.map((n) => ({ header: `form-data; name=${quote(latin1OfUtf8(n))}`, name: n, filename: undefined as string | undefined })),
    fc.record({ n: nameArb, f: filenameArb, style: fc.constantFrom('quoted', 'ext', 'both', 'token') }).map(({ n, f, style }) => {
      let param: string;
      let filename = f;
      if (style === 'quoted') param = `filename=${quote(latin1OfUtf8(f))}`;
      else if (style === 'ext') param = `filename*=${extValue(f)}`;
      else if (style === 'both') param = `filename="fallback.bin"; filename*=${extValue(f)}`;
      else {
        filename = f.replace(/[^A-Za-z0-9._-]/g, '') || 'x';
        param = `filename=${filename}`;
      }
      return { header: `form-data; name=${quote(latin1OfUtf8(n))}; ${param}`, name: n, filename: busboyBasename(filename) };
    }),
  );
  return fc
    .record({
      disposition,
      data: dataArb(boundary),
      type: fc.option(fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'image/png', 'application/octet-stream', 'application/json'), { nil: undefined }),
      typeFirst: fc.boolean(),
      extra: fc.option(fc.constantFrom('X-Extra: 1', 'Content-Transfer-Encoding: binary', 'X-Folded: a\r\n  b'), { nil: undefined }),
      caseStyle: fc.constantFrom('Content-Disposition', 'content-disposition', 'CONTENT-DISPOSITION'),
      ows: fc.constantFrom(' ', '', '  ', '\t'),
    })
    .map((r) => {
      const headers = [`${r.caseStyle}:${r.ows}${r.disposition.header}`];
      if (r.type !== undefined) {
        if (r.typeFirst) headers.unshift(`Content-Type: ${r.type}`);
        else headers.push(`Content-Type: ${r.type}`);
      }
      if (r.extra !== undefined) headers.push(r.extra);
      const file = r.disposition.filename !== undefined || r.type === 'application/octet-stream';
      return { spec: { headers, data: r.data }, expect: { file, name: r.disposition.name, filename: r.disposition.filename, data: r.data } };
    });
}

const formArb = boundaryArb.chain((boundary) =>
  fc.record({
    boundary: fc.constant(boundary),
    parts: fc.array(partArb(boundary), { maxLength: 6 }),
    preamble: fc.constantFrom('', 'This is a preamble.', 'pre\r\namble --'),
    epilogue: fc.constantFrom('', 'epilogue', '\r\n--x--\r\n'),
    quotedBoundary: fc.boolean(),
  }),
);

function bodyOf(form: { boundary: string; parts: GeneratedPart[]; preamble: string; epilogue: string }): Buffer {
  return multipartBody(form.boundary, form.parts.map((p) => p.spec), form.preamble, form.epilogue);
}

function expected(parts: GeneratedPart[]): Outcome {
  return {
    ok: true,
    fields: parts.filter((p) => !p.expect.file).map((p) => [p.expect.name, p.expect.data.toString('utf8')]),
    files: parts.filter((p) => p.expect.file).map((p) => ({ field: p.expect.name, filename: p.expect.filename, data: p.expect.data })),
  };
}

const chunkSizes = fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }), fc.constant([65536]));

function contentType(boundary: string, quoted: boolean): string {
  return `multipart/form-data; boundary=${quoted || /[^A-Za-z0-9'+_\-.]/.test(boundary) ? `"${boundary}"` : boundary}`;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const JUSTIFIED_REFUSALS: ReadonlyArray<[label: string, applies: (message: string, body: string, boundary: string) => boolean]> = [
  ['A', (m) => /Content-Disposition/.test(m)],
  ['B', (m) => /more than one Content-Type|Malformed Content-Type in a form part/.test(m)],
  ['C', (m) => /boundary line is followed by something other than/.test(m)],
  ['D', (m) => /duplicate parameter/.test(m)],
  // J. A boundary line followed at once by another boundary line: the part between has not even
  //    the empty line that ends a header block (RFC 2046 §5.1.1: body-part := MIME-part-headers
  //    [CRLF *OCTET], after the boundary line's own CRLF). busboy lets the two lines share one CRLF
  //    and skips the non-part; we call the header block malformed. No data is involved either way.
  ['J', (m, body, b) => /part header/.test(m) && new RegExp(`--${escapeRe(b)}[ \\t]*\\r\\n--${escapeRe(b)}`).test(body)],
];

/**
 * busboy reports an empty name (name="") as undefined (it tests the name for truthiness); a part
 * with no name at all never reaches a comparison (we refuse it, difference A). So undefined is "".
 */
function normalised(outcome: Outcome): Outcome {
  if (!outcome.ok) return outcome;
  return {
    ok: true,
    fields: outcome.fields.map(([n, v]) => [n ?? '', v]),
    files: outcome.files.map((f) => ({ ...f, field: f.field ?? '' })),
  };
}

async function both(type: string, chunks: Buffer[]): Promise<[Outcome, Outcome]> {
  const [ours, theirs] = await Promise.all([parseOurs(type, chunks), parseBusboy(type, chunks)]);
  return [ours, normalised(theirs)];
}

function agreeing(ours: Outcome, theirs: Outcome): boolean {
  try {
    assert.deepEqual(ours, theirs);
    return true;
  } catch {
    return false;
  }
}

test('valid generated forms: we agree with busboy on fields, file names and bytes, in any chunking', async () => {
  const validTally = { busboyWrongDashBoundary: 0 };
  await fc.assert(
    fc.asyncProperty(formArb, chunkSizes, async (form, sizes) => {
      const body = bodyOf(form);
      const type = contentType(form.boundary, form.quotedBoundary);
      const chunks = chunked(body, sizes);
      const [ours, theirs] = await both(type, chunks);
      assert.deepEqual(ours, expected(form.parts), 'ours against the generator');
      if (theirs.ok && agreeing(ours, theirs)) return;
      // I. With a boundary made only of dashes ("-", "--"), busboy's stream search mis-places
      //    delimiters: it refuses valid bodies or reports headers as file bytes. Its answer is then
      //    provably wrong (it differs from what the generator built), and ours is right (above).
      assert.match(form.boundary, /^-+$/, `busboy differs on a valid body: ${JSON.stringify(theirs)}`);
      assert.ok(!agreeing(theirs, expected(form.parts)), 'busboy differs from us, so it must differ from the truth');
      validTally.busboyWrongDashBoundary++;
    }),
    { seed: SEED, numRuns: 1500 * SCALE, includeErrorInReport: true },
  );
  process.stdout.write(`# valid-forms tally ${JSON.stringify(validTally)}\n`);
});

const mutationArb = fc.record({
  kind: fc.constantFrom('replace', 'delete', 'insert', 'truncate', 'duplicate-line'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  len: fc.integer({ min: 1, max: 8 }),
  byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(13, 10, 45, 34, 59, 32, 9, 58, 61)),
  insert: fc.constantFrom('\r\n', '--', ' ', ';', '\r', '\n', '"', '; name="dup"', '\r\nX: y', ' \t', ';;'),
});

interface Mutation {
  kind: string;
  at: number;
  len: number;
  byte: number;
  insert: string;
}

function mutate(body: Buffer, mutations: Mutation[]): Buffer {
  let b = body;
  for (const m of mutations) {
    const at = Math.min(b.length, Math.floor(m.at * b.length));
    switch (m.kind) {
      case 'replace':
        if (at < b.length) (b = Buffer.from(b))[at] = m.byte;
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.insert, 'latin1'), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'duplicate-line': {
        const start = b.lastIndexOf('\r\n', at);
        const end = b.indexOf('\r\n', at);
        if (start !== -1 && end !== -1) b = Buffer.concat([b.subarray(0, end), b.subarray(start, end), b.subarray(end)]);
        break;
      }
    }
  }
  return b;
}

test('mutated forms: wherever busboy accepts, we agree or differ only as justified', async () => {
  const tally = { busboyRefused: 0, dashBoundarySkipped: 0, agreed: 0, refusedJustified: {} as Record<string, number>, differJustified: { E: 0, F: 0 } };
  await fc.assert(
    fc.asyncProperty(formArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), chunkSizes, async (form, mutations, sizes) => {
      const body = mutate(bodyOf(form), mutations);
      const type = contentType(form.boundary, form.quotedBoundary);
      const chunks = chunked(body, sizes);
      const [ours, theirs] = await both(type, chunks);
      if (!theirs.ok) {
        tally.busboyRefused++;
        return;
      }
      if (/^-+$/.test(form.boundary)) {
        tally.dashBoundarySkipped++; // I: busboy is unreliable there (see the valid-forms test)
        return;
      }
      if (!ours.ok) {
        const reason = JUSTIFIED_REFUSALS.find(([, applies]) => applies(ours.message, body.toString('latin1'), form.boundary));
        assert.ok(reason !== undefined, `we refused what busboy accepted, without a justified reason: ${ours.message}\nbody: ${JSON.stringify(body.toString('latin1'))}`);
        tally.refusedJustified[reason[0]] = (tally.refusedJustified[reason[0]] ?? 0) + 1;
        return;
      }
      if (agreeing(ours, theirs)) {
        tally.agreed++;
        return;
      }
      // E and F: busboy dropped parts that we kept; everything it did report must match ours.
      const text = body.toString('latin1');
      const padding = new RegExp(`--${escapeRe(form.boundary)}[ \\t]+\\r\\n`).test(text);
      const emptyParam = /;[ \t]*;|;[ \t]*\r\n/.test(text);
      assert.ok(padding || emptyParam, `results differ without a justified reason\nours: ${JSON.stringify(ours)}\nbusboy: ${JSON.stringify(theirs)}\nbody: ${JSON.stringify(text)}`);
      assert.ok(ours.fields.length + ours.files.length > theirs.fields.length + theirs.files.length, 'a justified difference means busboy dropped parts we kept');
      if (padding) tally.differJustified.E++;
      else tally.differJustified.F++;
    }),
    { seed: SEED + 1, numRuns: 2500 * SCALE, includeErrorInReport: true },
  );
  // The mutations must exercise both sides: bodies busboy refuses and bodies it accepts.
  assert.ok(tally.busboyRefused > 100 && tally.agreed > 100, JSON.stringify(tally));
  process.stdout.write(`# differential tally ${JSON.stringify(tally)}\n`);
});
