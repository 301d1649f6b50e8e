// Range requests, RFC 9110 §14. Pure: parses a Range value against a representation length and lays
// out multipart/byteranges bodies (§14.6). No IO.
//
//   Range        = ranges-specifier ; "bytes=" 1#range-spec (OWS around commas)
//   range-spec   = int-range / suffix-range
//   int-range    = first-pos "-" [ last-pos ]
//   suffix-range = "-" suffix-length

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export type RangeResult =
  /** No usable Range: serve the whole representation with 200 (§14.2: an invalid Range is ignored). */
  | { kind: 'ignore' }
  /** Valid syntax, but no range overlaps the representation: 416 with `bytes * /len`. */
  | { kind: 'unsatisfiable' }
  | { kind: 'ranges'; ranges: ByteRange[] };

/** More ranges than this in one request is treated as abuse and ignored (§14.2 allows it). */
export const MAX_RANGES = 64;

const DIGITS = /^\d{1,20}$/;
// OWS is SP and HTAB only (RFC 9110 §5.6.3); String#trim would also take NBSP (0xA0 in a latin1
// field value) and other Unicode spaces, and so accept ranges RFC 9110 calls invalid (found by fuzzing).
const OWS_ENDS = /^[ \t]+|[ \t]+$/g;
const trimOws = (s: string): string => s.replace(OWS_ENDS, '');

export function parseRange(value: string, size: number, maxRanges = MAX_RANGES): RangeResult {
  const eq = value.indexOf('=');
  if (eq === -1 || trimOws(value.slice(0, eq)).toLowerCase() !== 'bytes') return { kind: 'ignore' };
  const specs = value.slice(eq + 1).split(',');
  const ranges: ByteRange[] = [];
  let count = 0;
  for (const raw of specs) {
    const spec = trimOws(raw);
    if (spec === '') continue; // empty list elements are allowed and ignored (§5.6.1)
    if (++count > maxRanges) return { kind: 'ignore' };
    const dash = spec.indexOf('-');
    if (dash === -1) return { kind: 'ignore' };
    const first = spec.slice(0, dash);
    const last = spec.slice(dash + 1);
    if (first === '') {
      // suffix-range: the last N bytes; N = 0 selects nothing.
      if (!DIGITS.test(last)) return { kind: 'ignore' };
      const n = Number(last);
      if (n > 0 && size > 0) ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return { kind: 'ignore' };
    const start = Number(first);
    const end = last === '' ? Infinity : Number(last);
    if (end < start) return { kind: 'ignore' }; // §14.1.1: invalid range-spec → whole field invalid
    if (start >= size) continue; // unsatisfiable on its own
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (count === 0) return { kind: 'ignore' };
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  return { kind: 'ranges', ranges: coalesce(ranges) };
}

/**
 * Merges overlapping or adjacent ranges (§14.2 lets a server coalesce), so that a request of many
 * overlapping ranges can never make us send more than the file's size plus part headers.
 * Order is kept when nothing overlaps, as clients expect parts in the order asked.
 */
function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let overlap = false;
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start <= sorted[i - 1]!.end + 1) overlap = true;
  if (!overlap) return ranges;
  const merged: ByteRange[] = [{ ...sorted[0]! }];
  for (let i = 1; i < sorted.length; i++) {
    const r = sorted[i]!;
    const top = merged[merged.length - 1]!;
    if (r.start <= top.end + 1) top.end = Math.max(top.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}

export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

export interface MultipartPart {
  /** The part's delimiter and header lines, ready to write before its bytes. */
  head: string;
  range: ByteRange;
}

export interface MultipartLayout {
  contentType: string;
  parts: MultipartPart[];
  /** The closing delimiter. */
  tail: string;
  /** Total body length, known up front so the response has a Content-Length. */
  length: number;
}

/** Lays out a multipart/byteranges body (§14.6). The boundary must not occur in the content; a random
 * 24-hex-digit boundary makes that vanishingly unlikely, as in every server. */
export function multipartLayout(ranges: readonly ByteRange[], size: number, type: string, boundary: string): MultipartLayout {
  let length = 0;
  const parts = ranges.map((range, i) => {
    const head = `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`;
    length += Buffer.byteLength(head, 'latin1') + range.end - range.start + 1;
    return { head, range };
  });
  const tail = `\r\n--${boundary}--\r\n`;
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}
