// Proactive negotiation by Accept (RFC 9110 §12.5.1): the available media type the client ranks
// highest, most specific range first (type/subtype > type/* > */*), q=0 meaning "not acceptable".
// No Accept field means any type is fine (§12.5.1).

interface Range {
  type: string;
  subtype: string;
  q: number;
  specificity: number;
}

function parseAccept(accept: string): Range[] {
  const out: Range[] = [];
  for (const part of accept.split(',')) {
    const [media = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const slash = media.indexOf('/');
    if (slash <= 0) continue;
    const type = media.slice(0, slash);
    const subtype = media.slice(slash + 1);
    let q = 1;
    for (const p of params) {
      if (!p.startsWith('q=')) continue;
      const n = Number(p.slice(2));
      q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
    }
    out.push({ type, subtype, q, specificity: type === '*' ? 0 : subtype === '*' ? 1 : 2 });
  }
  return out;
}

/** The q the client gives a media type: from the most specific range that matches it; 0 when none does. */
function qualityOf(ranges: readonly Range[], mediaType: string): number {
  const [type = '', subtype = ''] = mediaType.toLowerCase().split('/');
  let best: Range | null = null;
  for (const r of ranges) {
    const matches = (r.type === '*' || r.type === type) && (r.subtype === '*' || r.subtype === subtype);
    if (matches && (best === null || r.specificity > best.specificity)) best = r;
  }
  return best?.q ?? 0;
}

/** The available type to send, or null when the client accepts none of them (→ 406). */
export function negotiate(accept: string | undefined, available: readonly string[]): string | null {
  if (accept === undefined || accept.trim() === '') return available[0] ?? null;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return available[0] ?? null;
  let chosen: string | null = null;
  let bestQ = 0;
  for (const type of available) {
    const q = qualityOf(ranges, type);
    if (q > bestQ) {
      bestQ = q;
      chosen = type;
    }
  }
  return chosen;
}

/** True for application/json and any application/*+json type (RFC 6839 §3.1), parameters ignored. */
export function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}
